// torch.autograd.graph.Node: what Tensor.grad_fn returns. The native side (native/autograd_graph.cc)
// gives a node as an opaque object that owns it, plus the node's address; this module keeps at
// most one live Node object per node, so `y.grad_fn === y.grad_fn` holds as `is` does in Python.
//
// Identity without leaks: the cache holds Node objects weakly, and nothing native refers to a
// Node object. While a Node object lives it owns its node, so no other node can have its address;
// once it is collected, its WeakRef is empty and the next access makes a new Node object.
import { native, type Handle, type NodeHookDispatcher, type NodeRef } from './binding';
import { TorchError } from './errors';
import { RemovableHandle } from './utils/hooks';
import { Tensor, describe, wrap, wrapMaybe } from './tensor';
import { checkHookResult, hookName } from './tensor_hooks';

/**
 * A hook on a node, run after it computed its gradients (`Node.register_hook`): gets the
 * gradients for the node's inputs (`grad_inputs`) and those of its outputs (`grad_outputs`),
 * null where there is none, and may return replacements for `grad_inputs`.
 */
export type NodeHook = (grad_inputs: readonly (Tensor | null)[], grad_outputs: readonly (Tensor | null)[]) => (Tensor | null)[] | null | undefined | void;
/** A hook run before a node computes (`Node.register_prehook`): may return replacements for `grad_outputs`. */
export type NodePreHook = (grad_outputs: readonly (Tensor | null)[]) => (Tensor | null)[] | null | undefined | void;

const INTERNAL = Symbol('torch.autograd.graph.Node');

/**
 * A node of the autograd graph (`torch.autograd.graph.Node`): what `Tensor.grad_fn` and
 * `next_functions` give. The backward graph can be walked as in PyTorch:
 * `loss.grad_fn.next_functions[0][0]`.
 *
 * Differences from PyTorch: `toString()` (and `console.log`) give `<AddmmBackward0 object>`
 * without Python's `at 0x...` address, which tells nothing in JS; compare nodes with `===`
 * instead (one node has one Node object while that object is in use). `variable` gives a new
 * Tensor object over the leaf on each access. `metadata` lives with the Node object, which lives
 * as long as anything JS holds it: a tensor object whose grad_fn it is, or a Node object that
 * listed it in its `next_functions`; PyTorch keeps it with the node itself. A node's first hook
 * (and its first prehook) cannot be registered while a backward runs JS hooks, which PyTorch
 * allows: LibTorch may be walking that node's hook list; later ones can. A hook closure that holds
 * the node's own output tensor keeps that graph alive (native code holds the hook), as with
 * tensor hooks. Not yet: calling a node, `_saved_*` attributes.
 *
 * @see [torch.autograd.graph.Node](https://pytorch.org/docs/stable/autograd.html#torch.autograd.graph.Node)
 */
export class Node {
  readonly #node: object;
  readonly #name: string;
  #next?: readonly (readonly [Node | null, number])[];
  #metadata?: Record<string, unknown>;

  /** @internal Made by Tensor.grad_fn and next_functions; not for user code. */
  constructor(ref: NodeRef, token: symbol) {
    if (token !== INTERNAL) throw new TypeError("torch.autograd.graph.Node is not constructed from JS: read a tensor's grad_fn");
    [this.#node, , this.#name] = ref;
  }

  /** The node's name, e.g. `'AddBackward0'` or `'torch::autograd::AccumulateGrad'`, as PyTorch's `grad_fn.name()`. */
  name(): string {
    return this.#name;
  }

  /**
   * Per input of the operation, the node its gradient goes to and that node's input number:
   * `[node, input_nr]` pairs as PyTorch's tuple of tuples. `node` is null for an input that does
   * not require grad; a leaf's is its `AccumulateGrad` node (see {@link variable}). Read-only.
   */
  get next_functions(): readonly (readonly [Node | null, number])[] {
    // Kept: a node's edges never change, and keeping the Node objects keeps their metadata.
    this.#next ??= Object.freeze(native.nodeNextFunctions(this.#node).map(([ref, inputNr]) => Object.freeze([nodeOf(ref), inputNr] as const)));
    return this.#next;
  }

  /**
   * The leaf tensor an `AccumulateGrad` node accumulates gradients into (a new Tensor object over
   * it on each access). Other nodes have none: a TypeError, as Python's AttributeError.
   */
  get variable(): Tensor {
    const h = native.accumulateGradVariable(this.#node);
    if (h === undefined) throw new TypeError(`'${typeName(this.#name)}' object has no attribute 'variable'`);
    return wrap(h);
  }

  /** A plain object for the user's own data about this node, the same one on each access (see the class notes). */
  get metadata(): Record<string, unknown> {
    this.#metadata ??= {};
    return this.#metadata;
  }

  /**
   * Runs `hook(grad_inputs, grad_outputs)` each time this node has computed its gradients during
   * a backward; it may return an array of replacements for `grad_inputs` (null entries drop a
   * gradient), which must keep their count, dtypes and sizes. Hooks run in registration order,
   * each seeing the previous one's result; the arrays passed are frozen.
   * @see [torch.autograd.graph.Node.register_hook](https://pytorch.org/docs/stable/generated/torch.autograd.graph.Node.register_hook.html)
   */
  register_hook(hook: NodeHook): RemovableHandle {
    return registerNodeHook(this.#node, true, hook, 'register_hook');
  }

  /**
   * Runs `hook(grad_outputs)` each time before this node computes during a backward; it may
   * return an array of replacements for `grad_outputs`, checked as in {@link register_hook}.
   * @see [torch.autograd.graph.Node.register_prehook](https://pytorch.org/docs/stable/generated/torch.autograd.graph.Node.register_prehook.html)
   */
  register_prehook(hook: NodePreHook): RemovableHandle {
    return registerNodeHook(this.#node, false, hook, 'register_prehook');
  }

  /** `'<AddBackward0 object>'`: Python's repr without its address. */
  toString(): string {
    return `<${typeName(this.#name)} object>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * The node's Python class name, as in its repr and a tensor's `grad_fn=<...>`: LibTorch names
 * some nodes with their C++ namespace (`torch::autograd::AccumulateGrad`), their Python classes not.
 */
export function typeName(nodeName: string): string {
  return nodeName.split('::').pop()!;
}

// The live Node object per node address, and their removal once collected (only an entry still
// holding the collected object's WeakRef: a new Node object may have taken the address since).
const live = new Map<number, WeakRef<Node>>();
const forget = new FinalizationRegistry<{ address: number; ref: WeakRef<Node> }>(({ address, ref }) => {
  if (live.get(address) === ref) live.delete(address);
});

function nodeOf(ref: NodeRef | null): Node | null {
  if (ref === null) return null;
  const address = ref[1];
  const known = live.get(address)?.deref();
  if (known !== undefined) return known;  // ref's owner object goes to the GC, the node stays owned by known
  const node = new Node(ref, INTERNAL);
  const weak = new WeakRef(node);
  live.set(address, weak);
  forget.register(node, { address, ref: weak });
  return node;
}

// Each tensor object keeps the Node object of its grad_fn (and with it the node's metadata), as
// long as that is its grad_fn: an in-place operation gives it a new one.
const gradFnKeptBy = new WeakMap<Tensor, Node>();

/** @internal Tensor.grad_fn. */
export function gradFnOf(t: Tensor): Node | null {
  const node = nodeOf(native.gradFn(t.h));
  if (node === null) gradFnKeptBy.delete(t);
  else gradFnKeptBy.set(t, node);
  return node;
}

// The JS hooks behind each native node hook's dispatcher (PyTorch keeps the dict in its native
// hook; here the dispatcher closure holds it, and this finds it from the dispatcher).
const hooksOf = new WeakMap<NodeHookDispatcher, Map<number, NodeHook | NodePreHook>>();

function registerNodeHook(node: object, post: boolean, hook: NodeHook | NodePreHook, method: string): RemovableHandle {
  if (typeof hook !== 'function') throw new TypeError(`${method}(hook): hook must be a function, got ${describe(hook)}`);
  const found = native.nodeHookDispatcher(node, post);
  let hooks = found && hooksOf.get(found);
  if (hooks === undefined) {
    hooks = new Map();
    const dispatcher = runNodeHooks(hooks, post);
    native.registerNodeHook(node, post, dispatcher);
    hooksOf.set(dispatcher, hooks);
  }
  const handle = new RemovableHandle(hooks);
  hooks.set(handle.id, hook);
  return handle;
}

/**
 * What a node's native hook calls: the hooks in order, each given what the previous returned, as
 * PyTorch's _call_hooks (torch/csrc/autograd/python_hook.cpp). Closes over the Map only, not the
 * node: the native hook keeps this function as long as the node lives.
 */
function runNodeHooks(hooks: Map<number, NodeHook | NodePreHook>, post: boolean): NodeHookDispatcher {
  return (gradHandles, outputHandles) => {
    // Wrapped at once, so that the scope (or the GC) owns the handles whatever happens next.
    let grads: readonly (Tensor | null)[] = Object.freeze(gradHandles.map(wrapMaybe));
    const gradOutputs = post ? Object.freeze(outputHandles!.map(wrapMaybe)) : [];
    let replaced = false;
    for (const hook of [...hooks.values()]) {
      const result: unknown = post ? (hook as NodeHook)(grads, gradOutputs) : (hook as NodePreHook)(grads);
      if (result == null || result === grads) continue;
      grads = Object.freeze(checkHookResults(grads, result, hook));
      replaced = true;
    }
    return replaced ? grads.map((g): Handle | null => (g === null ? null : g.h)) : null;
  };
}

// PyTorch's check_result for a tuple of gradients, with its messages.
function checkHookResults(grads: readonly (Tensor | null)[], result: unknown, hook: NodeHook | NodePreHook): (Tensor | null)[] {
  if (!Array.isArray(result)) throw new TypeError(`expected tuple, but hook returned '${describe(result)}'`);
  if (result.length !== grads.length) {
    throw new TorchError(`hook '${hookName(hook)}' has returned an incorrect number of values (got ${result.length}, but expected ${grads.length})`);
  }
  return result.map((r: unknown, i) => {
    if (r == null) return null;
    checkHookResult(grads[i], r, hook);
    return r;
  });
}

/** `torch.autograd.graph`: the autograd graph's nodes. */
export const graph = {
  /** A node of the autograd graph: what `Tensor.grad_fn` gives (torch.autograd.graph.Node). */
  Node,
};
