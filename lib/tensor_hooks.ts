// Tensor.register_hook and Tensor.register_post_accumulate_grad_hook, as torch/_tensor.py writes
// them: a tensor's hooks live in one Map (PyTorch's `_backward_hooks` and
// `_post_accumulate_grad_hooks` dicts), and the first registration installs one native hook
// (native/tensor_hooks.cc), which runs them all in order. Removing a hook
// (RemovableHandle.remove()) deletes it from the Map.
import { native, Handle } from './binding';
import { TorchError } from './errors';
import { RemovableHandle } from './utils/hooks';
import { Tensor, describe, wrap, wrapMaybe } from './tensor';

/** A tensor's backward hook: gets the gradient, and may return a tensor to use in its place. */
export type TensorHook = (grad: Tensor) => Tensor | null | undefined | void;

// Per JS tensor, as PyTorch's dict is per Python tensor. A WeakMap, not a field, so that tensors
// without hooks (nearly all) carry nothing.
const hooksOf = new WeakMap<Tensor, Map<number, TensorHook>>();

/** @internal Tensor.register_hook. */
export function registerHook(t: Tensor, hook: TensorHook): RemovableHandle {
  if (typeof hook !== 'function') throw new TypeError(`register_hook(hook): hook must be a function, got ${describe(hook)}`);
  if (!t.requires_grad) throw new TorchError("cannot register a hook on a tensor that doesn't require gradient");
  let hooks = hooksOf.get(t);
  if (hooks === undefined) {
    hooks = new Map();
    native.registerHook(t.h, runHooks(hooks));
    hooksOf.set(t, hooks);
  }
  const handle = new RemovableHandle(hooks);
  hooks.set(handle.id, hook);
  return handle;
}

/**
 * What the native hook calls with the gradient's handle: the hooks in order, each given what the
 * previous returned. Made apart from registerHook so that the closure holds the Map and not the
 * tensor: the native side keeps this function as long as the tensor's autograd metadata lives,
 * and a closure over the tensor would keep the tensor alive through its own hook.
 */
function runHooks(hooks: Map<number, TensorHook>): (gradHandle: Handle | null) => Handle | null {
  return (gradHandle) => {
    // Wrapped at once, so that the scope (or the GC) owns the handle whatever happens next.
    let grad = wrapMaybe(gradHandle);
    let replaced = false;
    for (const hook of [...hooks.values()]) {
      const result = hook(grad as Tensor);
      if (result == null) continue;
      checkHookResult(grad, result, hook);
      grad = result;
      replaced = true;
    }
    return replaced ? grad!.h : null;
  };
}

/** A leaf's post-accumulate-grad hook: gets the tensor itself, after its `.grad` was updated. */
export type PostAccumulateGradHook = (tensor: Tensor) => void;

const postHooksOf = new WeakMap<Tensor, Map<number, PostAccumulateGradHook>>();

/** @internal Tensor.register_post_accumulate_grad_hook. */
export function registerPostAccumulateGradHook(t: Tensor, hook: PostAccumulateGradHook): RemovableHandle {
  if (typeof hook !== 'function') throw new TypeError(`register_post_accumulate_grad_hook(hook): hook must be a function, got ${describe(hook)}`);
  if (native.registerPostAccumulateGradHook === undefined) {
    throw new TorchError(`register_post_accumulate_grad_hook needs LibTorch 2.1 or later; this is ${native.libtorch.version}`, 'ERR_TORCH_NOT_IMPLEMENTED');
  }
  if (!t.requires_grad) throw new TorchError("cannot register a hook on a tensor that doesn't require gradient");
  if (t.grad_fn !== null) throw new TorchError('post accumulate grad hooks cannot be registered on non-leaf tensors');
  let hooks = postHooksOf.get(t);
  if (hooks === undefined) {
    hooks = new Map();
    native.registerPostAccumulateGradHook(t.h, runPostHooks(hooks, new WeakRef(t)));
    postHooksOf.set(t, hooks);
  }
  const handle = new RemovableHandle(hooks);
  hooks.set(handle.id, hook);
  return handle;
}

/**
 * What the native hook calls with a handle of the leaf: the hooks in order, each given the tensor
 * they were registered on (PyTorch passes that same object) while it is alive, else a new one
 * over the same memory. A WeakRef, for the reason runHooks holds no tensor.
 */
function runPostHooks(hooks: Map<number, PostAccumulateGradHook>, registeredOn: WeakRef<Tensor>): (h: Handle) => void {
  return (h) => {
    const fresh = wrap(h);
    const original = registeredOn.deref();
    if (original !== undefined) fresh.dispose();
    const tensor = original ?? fresh;
    for (const hook of [...hooks.values()]) {
      const result: unknown = hook(tensor);
      // PyTorch's message for a result other than None (a tensor passes its check).
      if (result != null && !(result instanceof Tensor)) throw new TypeError(`expected Variable, but hook returned '${describe(result)}'`);
    }
  };
}

/** @internal A hook's name in PyTorch's messages (Python's `__name__`). */
export function hookName(hook: (...args: never[]) => unknown): string {
  return hook.name || '<anonymous>';
}

/**
 * @internal PyTorch's check_single_result (torch/csrc/autograd/python_hook.cpp), with its
 * messages: a hook's non-null replacement for `grad`. Node hooks (lib/autograd_graph.ts) too.
 */
export function checkHookResult(grad: Tensor | null, result: unknown, hook: (...args: never[]) => unknown): asserts result is Tensor {
  if (grad === null) throw new TorchError("can't replace a None gradient with a non-None value");
  if (!(result instanceof Tensor)) throw new TypeError(`expected Variable, but hook returned '${describe(result)}'`);
  const name = hookName(hook);
  if (result.type() !== grad.type()) {
    throw new TorchError(`hook '${name}' has changed the type of value (was ${grad.type()} got ${result.type()})`);
  }
  const [a, b] = [grad.shape, result.shape];
  if (a.length !== b.length || a.some((n, i) => n !== b[i])) throw new TorchError(`hook '${name}' has changed the size of value`);
}
