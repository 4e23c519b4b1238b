// nn.Module. Submodules and Parameters assigned as fields (`conv1 = new nn.Conv2d(...)`) are
// found by walking the object's own properties in definition order, which is the order
// PyTorch registers them in; state_dict keys therefore match a PyTorch port's exactly.
// Buffers are explicit (register_buffer), as in PyTorch.
import { Tensor } from '../tensor';
import { DType, DTypeLike, toDType } from '../dtype';
import { Device, DeviceLike } from '../device';
import { no_grad, is_grad_enabled } from '../autograd';
import { Function as AutogradFunction, FunctionCtx } from '../autograd_function';
import { TorchError } from '../errors';
import { isOptions } from '../args';
import { warn } from '../warnings';
import { RemovableHandle } from '../utils/hooks';
import type { Node } from '../autograd_graph';
import { isPytorch2 } from '../pytorch_version';
import { Parameter } from './parameter';

/** A module's state_dict: parameters and persistent buffers by dotted name ('conv1.weight'). */
export type StateDict = Record<string, Tensor>;

/** What load_state_dict returns (PyTorch's NamedTuple `_IncompatibleKeys`). */
export interface LoadResult {
  /** Keys the module has and the state_dict lacked (only when strict is false). */
  missing_keys: string[];
  /** Keys the state_dict has and the module lacks (only when strict is false). */
  unexpected_keys: string[];
}

/** Internal: the key of a module's buffer Map (lib/nn/deepcopy.ts rebinds buffer accessors with it). */
export const BUFFERS = Symbol('buffers');
const NON_PERSISTENT = Symbol('nonPersistent');
const HOOKS = Symbol('hooks');

/** A keyword-options object as forward hooks see it: the call's trailing plain object. */
type Kwargs = Record<string, unknown>;

/**
 * A forward pre-hook, `hook(module, args)`: runs before forward with its positional arguments;
 * returns null/undefined (no change), a new array of arguments, or one value (the only argument).
 */
export type ForwardPreHook<M = Module> = (module: M, args: unknown[]) => unknown;

/**
 * A forward pre-hook registered `with_kwargs`, `hook(module, args, kwargs)`: returns null/undefined
 * or a new `[args, kwargs]` pair.
 */
export type ForwardPreHookWithKwargs<M = Module> = (module: M, args: unknown[], kwargs: Kwargs) => [unknown[], Kwargs] | null | undefined | void;

/** A forward hook, `hook(module, args, output)`: returns null/undefined or a replacement output. */
export type ForwardHook<M = Module, Out = unknown> = (module: M, args: unknown[], output: Out) => unknown;

/** A forward hook registered `with_kwargs`, `hook(module, args, kwargs, output)`. */
export type ForwardHookWithKwargs<M = Module, Out = unknown> = (module: M, args: unknown[], kwargs: Kwargs, output: Out) => unknown;

/**
 * Gradients as backward hooks see them (PyTorch's tuples): one entry per positional input, or per
 * output (a forward returning one tensor has one), null where that is not a tensor or got no
 * gradient (PyTorch's None). Frozen: a hook returns a new array instead of changing it.
 */
export type Grads = readonly (Tensor | null)[];

/**
 * A full backward hook, `hook(module, grad_input, grad_output)`: runs once the gradients with
 * respect to the module's inputs are computed; returns null/undefined or a replacement
 * grad_input of the same length (its null entries pass no gradient).
 */
export type BackwardHook<M = Module> = (module: M, grad_input: Grads, grad_output: Grads) => readonly (Tensor | null | undefined)[] | null | undefined | void;

/**
 * A backward pre-hook, `hook(module, grad_output)`: runs once the gradients with respect to the
 * module's outputs are computed; returns null/undefined or a replacement grad_output of the same
 * length, which the module's own backward then receives.
 */
export type BackwardPreHook<M = Module> = (module: M, grad_output: Grads) => readonly (Tensor | null | undefined)[] | null | undefined | void;

/**
 * A hook as `_forward_hooks`, `_backward_hooks` and the other hook Maps hold it: any of the
 * kinds, for inspection (a call needs a cast to its kind).
 */
export type RegisteredHook = (...args: never[]) => unknown;

type AnyHook = (module: Module, ...rest: unknown[]) => unknown;

/**
 * A module's hooks, kept under a symbol (created on the first registration), as PyTorch's seven
 * OrderedDicts keyed by handle id.
 */
interface HookState {
  forward_pre_hooks: Map<number, RegisteredHook>;
  forward_pre_hooks_with_kwargs: Map<number, true>;
  forward_hooks: Map<number, RegisteredHook>;
  forward_hooks_with_kwargs: Map<number, true>;
  forward_hooks_always_called: Map<number, true>;
  backward_pre_hooks: Map<number, RegisteredHook>;
  backward_hooks: Map<number, RegisteredHook>;
  /**
   * What `backward_hooks` holds: full hooks (true), register_backward_hook's (false), none yet
   * (undefined); a module has one kind only, as PyTorch's `_is_full_backward_hook` says.
   */
  is_full_backward_hook: boolean | undefined;
  /** The own `forward` property the instance had when the hooks wrapped it (one a user assigned). */
  own_forward: PropertyDescriptor | undefined;
}

/**
 * Base class for all neural-network modules (PyTorch's nn.Module).
 *
 * Differences from PyTorch: a module is called with `m.forward(x)` (JS objects are not
 * callable); submodules and parameters are found from the object's own fields rather than
 * registered by `__setattr__`; `named_*` `remove_duplicate` and `get_submodule` are absent.
 *
 * Hooks: forward hooks and forward pre-hooks (`register_forward_hook`,
 * `register_forward_pre_hook`) run whenever `m.forward(...)` is called on a module that has them,
 * by its parent or a container too, and so do the backward hooks' preparations
 * (`register_full_backward_hook`, `register_full_backward_pre_hook`). A module with hooks has its
 * own `forward` property, installed by the first registration and removed with the last hook; a
 * module without hooks has none, so its forward costs nothing extra. The deprecated
 * `register_backward_hook` puts its hooks on the grad_fn of the module's output at each call, as
 * PyTorch does. State_dict hooks and the global `register_module_*_hook`s are absent.
 *
 * @see [torch.nn.Module](https://pytorch.org/docs/stable/generated/torch.nn.Module.html)
 */
export class Module<In extends unknown[] = unknown[], Out = unknown> {
  /** Training mode (true) or evaluation mode (false); set with train() / eval(). */
  training = true;
  private readonly [BUFFERS] = new Map<string, Tensor | null>();
  private readonly [NON_PERSISTENT] = new Set<string>();

  /**
   * The computation; every subclass defines its own, with its own signature.
   *
   * Typing: this is a method (not a property) taking `unknown[]` and returning `unknown`.
   * TypeScript compares method parameters bivariantly, so a subclass may declare any forward
   * (`forward(x: Tensor): Tensor`, `forward(src: Tensor, has_mask = true)`) without TS2416,
   * while a call on a concrete module type gets that module's own signature. On a value typed
   * only as `Module`, forward takes anything and returns `unknown`, which the caller narrows.
   * (`any` here would switch checking off for every caller; `never[]` would make a plain
   * `Module`'s forward uncallable, e.g. inside Sequential.)
   *
   * A variable that holds "some module mapping a tensor to a tensor" can say so with the type
   * parameters: `let model: nn.Module<[Tensor], Tensor> = new Net()` (any module whose forward
   * fits is assignable), and then `model.forward(x)` is a Tensor.
   *
   * Caveat: a subclass of a *built-in* module is compared with that module's forward, so its
   * override must stay compatible with it (parameter types related one way or the other).
   */
  forward(...args: In): Out {
    void args;
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  // ---- registration -------------------------------------------------------------------------

  /** Adds a parameter (or null) as attribute `name`; same as assigning a field. */
  register_parameter(name: string, param: Parameter | null): void {
    checkName(name, this);
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`cannot assign '${describe(param)}' object to parameter '${name}' (torch.nn.Parameter or null required)`);
    }
    (this as any)[name] = param;
  }

  /** Adds a submodule (or null) as attribute `name`; same as assigning a field. */
  register_module(name: string, module: Module | null): void {
    checkName(name, this);
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${describe(module)} is not a Module subclass`);
    (this as any)[name] = module;
  }

  /** PyTorch's alias of register_module. */
  add_module(name: string, module: Module | null): void {
    this.register_module(name, module);
  }

  /** A tensor that is state but not a parameter (running_mean...). persistent ones go in state_dict. */
  register_buffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    checkName(name, this);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`cannot assign '${describe(tensor)}' object to buffer '${name}' (torch Tensor or null required)`);
    const buffers = this[BUFFERS];
    if (!buffers.has(name)) {
      Object.defineProperty(this, name, {
        get: () => buffers.get(name) ?? null,
        set: (v: Tensor | null) => buffers.set(name, v),
        enumerable: false,
        configurable: true,
      });
    }
    buffers.set(name, tensor);
    if (options.persistent === false) this[NON_PERSISTENT].add(name);
    else this[NON_PERSISTENT].delete(name);
  }

  // ---- forward hooks ------------------------------------------------------------------------

  /**
   * Registers `hook(module, args)` to run before every `forward` call, in registration order
   * (`prepend`: before the hooks already there). `args` are the positional arguments as an array
   * (PyTorch's tuple): a trailing plain object is the call's keyword options, left out of `args`
   * and passed on to forward (a shallow copy, as Python's `**kwargs`). The hook returns null/undefined (no change), a new array
   * of arguments, or any other value as the one argument. With `with_kwargs: true` the hook is
   * `hook(module, args, kwargs)` (kwargs: a copy of the trailing options object, `{}` without
   * one) and returns null/undefined or a new `[args, kwargs]` pair; forward then gets the
   * options object when the call had one or kwargs is not empty.
   *
   * Returns a handle whose `remove()` (or `using`) removes the hook.
   * @see [torch.nn.Module.register_forward_pre_hook](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_forward_pre_hook)
   */
  register_forward_pre_hook(hook: ForwardPreHook<this>, options?: { prepend?: boolean; with_kwargs?: false }): RemovableHandle;
  /** `with_kwargs: true`: `hook(module, args, kwargs)` returns null/undefined or a new `[args, kwargs]`. */
  register_forward_pre_hook(hook: ForwardPreHookWithKwargs<this>, options: { prepend?: boolean; with_kwargs: true }): RemovableHandle;
  register_forward_pre_hook(hook: ForwardPreHook<this> | ForwardPreHookWithKwargs<this>, options: { prepend?: boolean; with_kwargs?: boolean } = {}): RemovableHandle {
    const opts = hookOptions('register_forward_pre_hook', hook, options, ['prepend', 'with_kwargs']);
    const s = hookState(this);
    const handle = addHook(this, s.forward_pre_hooks, hook, opts.prepend, [s.forward_pre_hooks_with_kwargs]);
    if (opts.with_kwargs) s.forward_pre_hooks_with_kwargs.set(handle.id, true);
    return handle;
  }

  /**
   * Registers `hook(module, args, output)` to run after every `forward` call, in registration
   * order (`prepend`: before the hooks already there); a hook that returns something other than
   * null/undefined replaces the output. `args` are the positional arguments forward got (after
   * the pre-hooks), without a trailing options object; `with_kwargs: true` makes the hook
   * `hook(module, args, kwargs, output)`. `always_call: true` runs the hook also when forward (or
   * an earlier hook) throws, with `output` undefined; its own error is then only a warning, and
   * the first error is rethrown.
   *
   * Returns a handle whose `remove()` (or `using`) removes the hook.
   * @see [torch.nn.Module.register_forward_hook](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_forward_hook)
   */
  register_forward_hook(hook: ForwardHook<this, ReturnType<this['forward']>>, options?: { prepend?: boolean; with_kwargs?: false; always_call?: boolean }): RemovableHandle;
  /** `with_kwargs: true`: `hook(module, args, kwargs, output)`. */
  register_forward_hook(hook: ForwardHookWithKwargs<this, ReturnType<this['forward']>>, options: { prepend?: boolean; with_kwargs: true; always_call?: boolean }): RemovableHandle;
  register_forward_hook(
    hook: ForwardHook<this, ReturnType<this['forward']>> | ForwardHookWithKwargs<this, ReturnType<this['forward']>>,
    options: { prepend?: boolean; with_kwargs?: boolean; always_call?: boolean } = {},
  ): RemovableHandle {
    const opts = hookOptions('register_forward_hook', hook, options, ['prepend', 'with_kwargs', 'always_call']);
    const s = hookState(this);
    const handle = addHook(this, s.forward_hooks, hook, opts.prepend, [s.forward_hooks_with_kwargs, s.forward_hooks_always_called]);
    if (opts.with_kwargs) s.forward_hooks_with_kwargs.set(handle.id, true);
    if (opts.always_call) s.forward_hooks_always_called.set(handle.id, true);
    return handle;
  }

  /**
   * The forward pre-hooks by handle id, in the order they run (PyTorch's OrderedDict). Read it to
   * inspect the hooks; register and remove them through register_forward_pre_hook and handles.
   */
  get _forward_pre_hooks(): Map<number, RegisteredHook> {
    return hookState(this).forward_pre_hooks;
  }

  /** The ids of the forward pre-hooks registered `with_kwargs`. */
  get _forward_pre_hooks_with_kwargs(): Map<number, true> {
    return hookState(this).forward_pre_hooks_with_kwargs;
  }

  /** The forward hooks by handle id, in the order they run (PyTorch's OrderedDict). */
  get _forward_hooks(): Map<number, RegisteredHook> {
    return hookState(this).forward_hooks;
  }

  /** The ids of the forward hooks registered `with_kwargs`. */
  get _forward_hooks_with_kwargs(): Map<number, true> {
    return hookState(this).forward_hooks_with_kwargs;
  }

  /** The ids of the forward hooks registered `always_call`. */
  get _forward_hooks_always_called(): Map<number, true> {
    return hookState(this).forward_hooks_always_called;
  }

  // ---- backward hooks -----------------------------------------------------------------------

  /**
   * Registers `hook(module, grad_output)` to run each time the gradients with respect to the
   * module's outputs are computed, in registration order (`prepend`: before the hooks already
   * there). `grad_output` has one entry per output (an array output: per element), null where it
   * is not a tensor or got no gradient; the hook returns null/undefined or a new array of the same
   * length that the module's backward then receives instead.
   *
   * As in PyTorch, forward gets a view of each tensor argument and the caller a view of each
   * output tensor (grad_fn `BackwardHookFunctionBackward`): modifying those in place is an error.
   * The hooks that run are those registered when forward was called.
   *
   * Returns a handle whose `remove()` (or `using`) removes the hook.
   * @see [torch.nn.Module.register_full_backward_pre_hook](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_pre_hook)
   */
  register_full_backward_pre_hook(hook: BackwardPreHook<this>, options: { prepend?: boolean } = {}): RemovableHandle {
    const opts = hookOptions('register_full_backward_pre_hook', hook, options, ['prepend']);
    return addHook(this, hookState(this).backward_pre_hooks, hook, opts.prepend);
  }

  /**
   * Registers `hook(module, grad_input, grad_output)` to run each time the gradients with respect
   * to the module's positional inputs are computed, in registration order (`prepend`: before the
   * hooks already there). `grad_input` has one entry per positional argument (the trailing
   * options object is not one), null where it is not a tensor; a tensor argument that does not
   * require grad gets zeros, as in PyTorch. The hook returns null/undefined or a new array of the
   * same length whose tensors are passed on instead (a null entry passes none). When no input
   * requires grad, the hooks run once the output gradients are known, with grad_input all null
   * (PyTorch's warning says so), and must not replace it. No hook runs for an output that does
   * not require grad. Inputs and outputs are views, as for register_full_backward_pre_hook.
   *
   * Returns a handle whose `remove()` (or `using`) removes the hook.
   * @see [torch.nn.Module.register_full_backward_hook](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook)
   */
  register_full_backward_hook(hook: BackwardHook<this>, options: { prepend?: boolean } = {}): RemovableHandle {
    const opts = hookOptions('register_full_backward_hook', hook, options, ['prepend']);
    return addHook(this, backwardHooksOfKind(this, true), hook, opts.prepend);
  }

  /**
   * Deprecated in PyTorch in favour of {@link register_full_backward_hook}: registers
   * `hook(module, grad_input, grad_output)` on the grad_fn of the module's output at each call
   * (`grad_fn.register_hook`; the output's first tensor, in an array or object). So `grad_input`
   * and `grad_output` are the gradients of that last operation's inputs and outputs, which are the
   * module's only when forward is one operation on its inputs; PyTorch's warnings say when they
   * are not (a FutureWarning on LibTorch 2.x, a UserWarning on 1.13). The hook may return a
   * replacement grad_input, checked as a node hook's. A module cannot have both kinds.
   *
   * Returns a handle whose `remove()` (or `using`) removes the hook from later calls.
   * @see [torch.nn.Module.register_backward_hook](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.register_backward_hook)
   */
  register_backward_hook(hook: BackwardHook<this>): RemovableHandle {
    hookOptions('register_backward_hook', hook, {}, []);
    return addHook(this, backwardHooksOfKind(this, false), hook, false);
  }

  /** The backward pre-hooks by handle id, in the order they run (PyTorch's OrderedDict). */
  get _backward_pre_hooks(): Map<number, RegisteredHook> {
    return hookState(this).backward_pre_hooks;
  }

  /** The backward hooks by handle id (full ones, or register_backward_hook's), in the order they run (PyTorch's OrderedDict). */
  get _backward_hooks(): Map<number, RegisteredHook> {
    return hookState(this).backward_hooks;
  }

  // ---- traversal ----------------------------------------------------------------------------

  /** Own parameters in registration order (null ones skipped). */
  protected *_ownParameters(): IterableIterator<[string, Parameter]> {
    for (const key of Object.keys(this)) {
      const v = (this as any)[key];
      if (v instanceof Parameter) yield [key, v];
    }
  }

  /** Own registered buffers in registration order (null ones skipped). */
  protected *_ownBuffers(): IterableIterator<[string, Tensor]> {
    for (const [k, v] of this[BUFFERS]) if (v) yield [k, v];
  }

  /** The direct submodules with their attribute names, in definition order. */
  *named_children(): IterableIterator<[string, Module]> {
    for (const key of Object.keys(this)) {
      const v = (this as any)[key];
      if (v instanceof Module) yield [key, v];
    }
  }

  /** The direct submodules, in definition order. */
  *children(): IterableIterator<Module> {
    for (const [, m] of this.named_children()) yield m;
  }

  /** This module and every submodule, depth first, with dotted names ('' for this one); each once. */
  *named_modules(memo = new Set<Module>(), prefix = ''): IterableIterator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, m] of this.named_children()) yield* m.named_modules(memo, prefix ? `${prefix}.${name}` : name);
  }

  /** This module and every submodule, depth first, each once. */
  *modules(): IterableIterator<Module> {
    for (const [, m] of this.named_modules()) yield m;
  }

  /** The parameters with dotted names ('fc1.weight'), each once; recurse false: this module's own only. */
  *named_parameters(prefix = '', recurse = true): IterableIterator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.named_modules(new Set(), prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, p] of m._ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${k}` : k, p];
      }
    }
  }

  /** The parameters, as an array (what optimizers take). */
  parameters(recurse = true): Parameter[] {
    return [...this.named_parameters('', recurse)].map(([, p]) => p);
  }

  /** The buffers with dotted names ('bn.running_mean'). */
  *named_buffers(prefix = '', recurse = true): IterableIterator<[string, Tensor]> {
    const mods: Iterable<[string, Module]> = recurse ? this.named_modules(new Set(), prefix) : [[prefix, this]];
    for (const [mp, m] of mods) for (const [k, b] of m._ownBuffers()) yield [mp ? `${mp}.${k}` : k, b];
  }

  /** The buffers, as an array. */
  buffers(recurse = true): Tensor[] {
    return [...this.named_buffers('', recurse)].map(([, b]) => b);
  }

  // ---- modes and gradients ------------------------------------------------------------------

  /** Sets training mode (true) or evaluation mode (false) on this module and every submodule. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError('training mode is expected to be boolean');
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** train(false): evaluation mode (dropout off, batch norm uses its running statistics). */
  eval(): this {
    return this.train(false);
  }

  /** Clears the parameters' gradients: to null (the default, as in PyTorch 2.x) or to zeros. */
  zero_grad(set_to_none = true): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (!g) continue;
      if (set_to_none) p.grad = null;
      else no_grad(() => g.zero_());
      g.dispose();
    }
  }

  /** Sets requires_grad on every parameter. */
  requires_grad_(requires_grad = true): this {
    for (const p of this.parameters()) p.requires_grad_(requires_grad);
    return this;
  }

  /** Calls fn on every submodule, children first, then on this module. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- device and dtype ---------------------------------------------------------------------

  /** to(device), to(dtype), to(device, dtype): converts parameters and buffers in place. */
  to(...args: (DeviceLike | DTypeLike | { device?: DeviceLike; dtype?: DTypeLike })[]): this {
    let device: DeviceLike | undefined;
    let dtype: DType | undefined;
    for (const a of args) {
      if (a instanceof DType) dtype = a;
      else if (a instanceof Device) device = a;
      else if (typeof a === 'string') {
        try {
          dtype = toDType(a);
        } catch {
          device = new Device(a);
        }
      } else if (a && typeof a === 'object') {
        if (a.device !== undefined) device = a.device;
        if (a.dtype !== undefined) dtype = toDType(a.dtype);
      }
    }
    if (dtype && !dtype.is_floating_point && !dtype.is_complex) {
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=${dtype}`);
    }
    // Only floating-point tensors change dtype, as in PyTorch.
    const convert = (t: Tensor) => t.to({ device, dtype: dtype && t.is_floating_point() ? dtype : undefined });
    return this._apply(convert);
  }

  /** to('cuda') or to('cuda:<device>'). */
  cuda(device?: number): this {
    return this.to(device === undefined ? 'cuda' : `cuda:${device}`);
  }

  /** to('cpu'). */
  cpu(): this {
    return this.to('cpu');
  }

  /** Casts floating-point parameters and buffers to float32. */
  float(): this {
    return this._apply((t) => (t.is_floating_point() ? t.float() : t.clone()));
  }

  /** Casts floating-point parameters and buffers to float64. */
  double(): this {
    return this._apply((t) => (t.is_floating_point() ? t.double() : t.clone()));
  }

  /** Casts floating-point parameters and buffers to float16. */
  half(): this {
    return this._apply((t) => (t.is_floating_point() ? t.half() : t.clone()));
  }

  /**
   * Applies fn to every parameter (keeping the Parameter objects) and buffer. Submodules first,
   * each through its own _apply, as PyTorch recurses: a module that must follow up on moved
   * weights (an RNN flattens them for cuDNN) overrides it. `done` holds the modules already
   * converted, so that a module reached twice is converted once.
   */
  protected _apply(fn: (t: Tensor) => Tensor, done = new Set<Module>()): this {
    if (done.has(this)) return this;
    done.add(this);
    for (const c of this.children()) c._apply(fn, done);
    no_grad(() => {
      for (const [, p] of this._ownParameters()) {
        const moved = fn(p);
        p.data = moved; // the Parameter object stays; its data becomes moved's
        moved.dispose();
        const g = p.grad;
        if (g) {
          const mg = fn(g);
          p.grad = null;
          p.grad = mg;
          mg.dispose();
          g.dispose();
        }
      }
      for (const [k, b] of this._ownBuffers()) {
        this[BUFFERS].set(k, fn(b));
        b.dispose();
      }
    });
    return this;
  }

  // ---- state --------------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, as detached tensors sharing storage
   * (keep_vars: the Parameters themselves). A plain object, where PyTorch returns an OrderedDict.
   * https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.state_dict
   */
  state_dict(options: { prefix?: string; keep_vars?: boolean } = {}): StateDict {
    const out: StateDict = {};
    const visit = (m: Module, prefix: string) => {
      for (const [k, p] of m._ownParameters()) out[prefix + k] = options.keep_vars ? p : p.detach();
      for (const [k, b] of m._ownBuffers()) {
        if (!m[NON_PERSISTENT].has(k)) out[prefix + k] = options.keep_vars ? b : b.detach();
      }
      for (const [name, c] of m.named_children()) visit(c, `${prefix}${name}.`);
    };
    visit(this, options.prefix ?? '');
    return out;
  }

  /**
   * Copies values from a state_dict (a plain object or a Map, e.g. from torch.load) into this
   * module's parameters and buffers. strict (default) raises on missing or unexpected keys,
   * with PyTorch's message; shape mismatches always raise.
   * https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.load_state_dict
   *
   * Takes `unknown` on purpose: its usual argument is `torch.load(path)`, whose type is
   * `unknown`, and every entry is checked here at run time (a non-object, or a value that is not
   * a Tensor, is an error naming it), so `model.load_state_dict(torch.load('net.pt'))` needs no
   * cast. `assign` is not supported.
   */
  load_state_dict(state_dict: StateDict | ReadonlyMap<string, Tensor> | unknown, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    if (state_dict === null || typeof state_dict !== 'object' || Array.isArray(state_dict) || state_dict instanceof Tensor) {
      throw new TypeError(`Expected state_dict to be dict-like (an object or a Map of tensors), got ${describe(state_dict)}.`);
    }
    const entries: ReadonlyMap<string, unknown> = state_dict instanceof Map ? state_dict : new Map(Object.entries(state_dict));
    const own = this.state_dict({ keep_vars: true });
    const missing = Object.keys(own).filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !(k in own));
    const errors: string[] = [];
    no_grad(() => {
      for (const [k, target] of Object.entries(own)) {
        const src = entries.get(k);
        if (src === undefined) continue;
        if (!(src instanceof Tensor)) {
          errors.push(`While copying the parameter named "${k}", expected torch.Tensor or Tensor-like object from checkpoint but received ${describe(src)}`);
          continue;
        }
        const want = target.shape;
        const got = src.shape;
        if (want.length !== got.length || want.some((s, i) => s !== got[i])) {
          errors.push(`size mismatch for ${k}: copying a param with shape torch.Size([${got.join(', ')}]) from checkpoint, the shape in current model is torch.Size([${want.join(', ')}]).`);
          continue;
        }
        target.copy_(src);
      }
    });
    if (strict) {
      if (unexpected.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(', ')}. `);
      if (missing.length) errors.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(', ')}. `);
    }
    if (errors.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    }
    return { missing_keys: missing, unexpected_keys: unexpected };
  }

  // ---- printing -----------------------------------------------------------------------------

  /** Extra text inside the module's repr, e.g. Linear's "in_features=3, out_features=4, bias=True". */
  extra_repr(): string {
    return '';
  }

  /** The name the repr starts with: the class name. */
  _get_name(): string {
    return this.constructor.name;
  }

  /** PyTorch's module repr: the class name, extra_repr() and the children, indented. */
  toString(): string {
    const extra = this.extra_repr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = [...this.named_children()].map(([k, m]) => `(${k}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let main = `${this._get_name()}(`;
    if (lines.length) {
      if (extraLines.length === 1 && !childLines.length) main += extraLines[0];
      else main += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${main})`;
  }

  /** What console.log shows: the repr. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// ---- forward hooks ---------------------------------------------------------------------------

/** The module's hook Maps, created on first use. */
function hookState(m: Module): HookState {
  const slot = m as unknown as { [HOOKS]?: HookState };
  return (slot[HOOKS] ??= {
    forward_pre_hooks: new Map(),
    forward_pre_hooks_with_kwargs: new Map(),
    forward_hooks: new Map(),
    forward_hooks_with_kwargs: new Map(),
    forward_hooks_always_called: new Map(),
    backward_pre_hooks: new Map(),
    backward_hooks: new Map(),
    is_full_backward_hook: undefined,
    own_forward: undefined,
  });
}

/** The module's backward hooks Map for hooks of kind `full`, which must be its kind. */
function backwardHooksOfKind(m: Module, full: boolean): Map<number, RegisteredHook> {
  const s = hookState(m);
  if (s.is_full_backward_hook === !full) {
    throw new TorchError('Cannot use both regular backward hooks and full backward hooks on a single Module. Please use only one of them.');
  }
  s.is_full_backward_hook = full;
  return s.backward_hooks;
}

/** What a handle from a module's register_*_hook is: removing its last hook unwraps forward. */
class ModuleHookHandle extends RemovableHandle {
  private readonly moduleRef: WeakRef<Module>;
  constructor(module: Module, hooks: Map<number, unknown>, extra: Map<number, unknown>[]) {
    super(hooks, { extra_dict: extra });
    this.moduleRef = new WeakRef(module);
  }

  remove(): void {
    super.remove();
    const m = this.moduleRef.deref();
    if (m) unwrapForward(m);
  }
}

function hookOptions(fname: string, hook: unknown, options: unknown, names: string[]): Record<string, unknown> {
  if (typeof hook !== 'function') throw new TypeError(`${fname}(): hook must be a function, got ${describe(hook)}`);
  if (!isOptions(options, (v) => v instanceof Tensor)) throw new TypeError(`${fname}(): options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) if (!names.includes(k)) throw new TypeError(`${fname}() got an unexpected keyword argument '${k}'`);
  return options;
}

/**
 * Stores `hook` in `hooks` under a new handle's id (first with `prepend`) and wraps forward; the
 * handle's `remove()` also deletes the id from `extra` (the Maps of the hook's flags).
 */
function addHook(m: Module, hooks: Map<number, RegisteredHook>, hook: unknown, prepend: unknown, extra: Map<number, true>[] = []): RemovableHandle {
  const handle = new ModuleHookHandle(m, hooks, extra);
  hooks.set(handle.id, hook as AnyHook);
  if (prepend) moveToFront(hooks, handle.id);
  wrapForward(m, hookState(m));
  return handle;
}

function hasHooks(s: HookState): boolean {
  return s.forward_pre_hooks.size + s.forward_hooks.size + s.backward_pre_hooks.size + s.backward_hooks.size > 0;
}

/** PyTorch's `move_to_end(id, last=False)`, in the same Map (handles and users hold it). */
function moveToFront<V>(map: Map<number, V>, id: number): void {
  const entries = [...map];
  map.clear();
  map.set(id, entries[entries.length - 1][1]);
  for (const [k, v] of entries) if (k !== id) map.set(k, v);
}

/**
 * Gives the module an own `forward` that runs its hooks around the forward it had: the one its
 * class gives (looked up on the prototype chain at each call), or the own one a user assigned.
 * Non-enumerable, so field walking (parameters, state_dict) never sees it.
 */
function wrapForward(m: Module, s: HookState): void {
  const d = Object.getOwnPropertyDescriptor(m, 'forward');
  if (d?.value === hookedForward) return;
  s.own_forward = d;
  Object.defineProperty(m, 'forward', { value: hookedForward, writable: true, enumerable: false, configurable: true });
}

/**
 * Once the last hook is gone, puts back what wrapForward replaced. A forward a user assigned
 * over the wrapper stays (it may call the wrapper, which then only passes the call on).
 */
function unwrapForward(m: Module): void {
  const s = (m as unknown as { [HOOKS]?: HookState })[HOOKS];
  if (!s || hasHooks(s)) return;
  if (Object.getOwnPropertyDescriptor(m, 'forward')?.value !== hookedForward) return;
  if (s.own_forward) Object.defineProperty(m, 'forward', s.own_forward);
  else delete (m as { forward?: unknown }).forward;
  s.own_forward = undefined;
}

/**
 * The `forward` of a module with hooks. One shared function that finds everything through
 * `this`, so that a deepcopy (which shares functions and copies the hook Maps) runs the copy's
 * hooks around the copy's forward.
 */
function hookedForward(this: Module, ...callArgs: unknown[]): unknown {
  const s = (this as unknown as { [HOOKS]?: HookState })[HOOKS];
  const own = s?.own_forward;
  const inner = (own ? ('value' in own ? own.value : own.get?.call(this)) : Object.getPrototypeOf(this).forward) as (...a: unknown[]) => unknown;
  if (!s || !hasHooks(s)) return inner.apply(this, callArgs);
  return runWithHooks(this, s, inner, callArgs);
}

/**
 * Module._call_impl: pre-hooks, forward, hooks; always_call hooks also after an error. With
 * backward hooks, the tensor arguments (after the pre-hooks) and the output (after the hooks) go
 * through BackwardHookFunction, whose graph nodes run the backward hooks.
 */
function runWithHooks(m: Module, s: HookState, inner: (...a: unknown[]) => unknown, callArgs: unknown[]): unknown {
  // The backward hooks of this call are those registered now, as PyTorch takes their list here.
  const full = s.is_full_backward_hook !== false;
  const nonFullHooks = full ? [] : ([...s.backward_hooks.values()] as AnyHook[]);
  const backwardHook = (full && s.backward_hooks.size) || s.backward_pre_hooks.size
    ? new BackwardHookState(m, full ? ([...s.backward_hooks.values()] as AnyHook[]) : [], [...s.backward_pre_hooks.values()] as AnyHook[])
    : null;
  const last = callArgs[callArgs.length - 1];
  const hadKwargs = callArgs.length > 0 && isOptions(last, (v) => v instanceof Tensor);
  let args = hadKwargs ? callArgs.slice(0, -1) : callArgs;
  let kwargs: Kwargs = hadKwargs ? { ...(last as Kwargs) } : {};
  let result: unknown;
  const called = new Set<number>();
  try {
    // Snapshots, as PyTorch iterates a tuple of the items: a hook added or removed by a hook
    // changes the next call, not this one.
    for (const [id, h] of [...s.forward_pre_hooks]) {
      const hook = h as AnyHook;
      if (s.forward_pre_hooks_with_kwargs.has(id)) {
        const r = hook(m, args, kwargs);
        if (r === null || r === undefined) continue;
        if (!Array.isArray(r) || r.length !== 2 || !Array.isArray(r[0]) || !isOptions(r[1], (v) => v instanceof Tensor)) {
          throw new Error(`forward pre-hook must return null or an array [new_args, new_kwargs] (an array and an object), but got ${show(r)}.`);
        }
        [args, kwargs] = r as [unknown[], Kwargs];
      } else {
        const r = hook(m, args);
        if (r !== null && r !== undefined) args = Array.isArray(r) ? r : [r];
      }
    }
    if (backwardHook) args = backwardHook.setup_input_hook(args);
    result = inner.apply(m, hadKwargs || Object.keys(kwargs).length > 0 ? [...args, kwargs] : args);
    for (const [id, h] of [...s.forward_hooks]) {
      const hook = h as AnyHook;
      if (s.forward_hooks_always_called.has(id)) called.add(id);
      const r = s.forward_hooks_with_kwargs.has(id) ? hook(m, args, kwargs, result) : hook(m, args, result);
      if (r !== null && r !== undefined) result = r;
    }
    if (backwardHook) {
      if (!(result instanceof Tensor || Array.isArray(result))) {
        warn(`For backward hooks to be called, module output should be a Tensor or an array of Tensors but received ${describe(result)}`);
      }
      result = backwardHook.setup_output_hook(result);
    }
    if (nonFullHooks.length) hookOutputGradFn(m, nonFullHooks, args, result);
    return result;
  } catch (e) {
    for (const [id, h] of [...s.forward_hooks]) {
      const hook = h as AnyHook;
      if (!s.forward_hooks_always_called.has(id) || called.has(id)) continue;
      try {
        const r = s.forward_hooks_with_kwargs.has(id) ? hook(m, args, kwargs, result) : hook(m, args, result);
        if (r !== null && r !== undefined) result = r;
      } catch (hookError) {
        warn(`module forward hook with \`\`always_call=True\`\` raised an exception that was silenced as another error was raised in forward: ${(hookError as Error)?.message ?? String(hookError)}`);
      }
    }
    throw e;
  }
}

// ---- backward hooks --------------------------------------------------------------------------

/**
 * register_backward_hook's hooks for this call (Module._call_impl): on the grad_fn of the output's
 * first tensor, each called with the module through a WeakRef (PyTorch's _WrappedHook), so that
 * the graph does not keep the module.
 */
function hookOutputGradFn(m: Module, hooks: AnyHook[], args: unknown[], result: unknown): void {
  let out = result;
  while (!(out instanceof Tensor)) {
    if (Array.isArray(out)) out = out[0];
    else if (typeof out === 'object' && out !== null) out = Object.values(out).find((v) => v instanceof Tensor);
    else throw new TypeError(`'${describe(out)}' object is not subscriptable`);
  }
  const gradFn = out.grad_fn;
  if (gradFn === null) return;
  const moduleRef = new WeakRef(m);
  for (const hook of hooks) {
    gradFn.register_hook(function wrappedHook(gradInputs, gradOutputs) {
      const module = moduleRef.deref();
      if (module === undefined) throw new TorchError('You are trying to call the hook of a dead Module!');
      return hook(module, gradInputs, gradOutputs) as (Tensor | null)[] | null | undefined;
    });
  }
  warnNonFullBackwardHook(args, result, gradFn);
}

/** PyTorch's _maybe_warn_non_full_backward_hook: where grad_input or grad_output will not be the module's. */
function warnNonFullBackwardHook(inputs: unknown[], result: unknown, gradFn: Node): void {
  const category = isPytorch2 ? 'FutureWarning' : 'UserWarning';
  const outputs = result instanceof Tensor ? [result] : result;
  if (!Array.isArray(outputs) || !outputs.every((r) => r instanceof Tensor)) {
    warn('Using non-full backward hooks on a Module that does not return a single Tensor or a tuple of Tensors is deprecated and will be removed in future versions. This hook will be missing some of the grad_output. Please use register_full_backward_hook to get the documented behavior.', category);
    return;
  }
  if (!inputs.every((i) => i instanceof Tensor)) {
    warn('Using non-full backward hooks on a Module that does not take as input a single Tensor or a tuple of Tensors is deprecated and will be removed in future versions. This hook will be missing some of the grad_input. Please use register_full_backward_hook to get the documented behavior.', category);
    return;
  }
  const gradFnsOf = (ts: Tensor[]) => new Set(ts.map((t) => t.grad_fn).filter((n) => n !== null));
  const outGradFns = gradFnsOf(outputs);
  if (outGradFns.size === 0 || (outGradFns.size === 1 && !outGradFns.has(gradFn))) {
    warn('Using a non-full backward hook when outputs are nested in python data structure is deprecated and will be removed in future versions. This hook will be missing some grad_output.', category);
  } else if (outGradFns.size > 1) {
    warn('Using a non-full backward hook when outputs are generated by different autograd Nodes is deprecated and will be removed in future versions. This hook will be missing some grad_output. Please use register_full_backward_hook to get the documented behavior.', category);
  } else {
    const inputGradFns: Set<Node | null> = gradFnsOf(inputs as Tensor[]);
    const nextFunctions = new Set(gradFn.next_functions.map(([n]) => n));
    if (inputGradFns.size !== nextFunctions.size || [...inputGradFns].some((n) => !nextFunctions.has(n))) {
      warn('Using a non-full backward hook when the forward contains multiple autograd Nodes is deprecated and will be removed in future versions. This hook will be missing some grad_input. Please use register_full_backward_hook to get the documented behavior.', category);
    }
  }
}

/** Which side of the module a BackwardHookFunction stands on. */
type HookSide = 'input' | 'output';

/**
 * PyTorch's nn/modules/_functions.py BackwardHookFunction: the identity on tensors, returning
 * views of them, whose graph node (`BackwardHookFunctionBackward`) hands the gradients to the
 * call's BackwardHookState. PyTorch registers a post-hook on the node; here backward itself runs
 * the hooks, which comes to the same: the node's result is what the hooks returned. The output
 * side leaves missing gradients null, as the post-hook sees the node's incoming gradients; the
 * input side gets them materialized (zeros), as the post-hook sees the node's results.
 */
class BackwardHookFunction extends AutogradFunction {
  static forward(ctx: FunctionCtx, state: BackwardHookState, side: HookSide, ...tensors: Tensor[]): Tensor[] {
    ctx.mark_non_differentiable(...tensors.filter((t) => !t.requires_grad));
    if (side === 'output') ctx.set_materialize_grads(false);
    ctx.state = state;
    ctx.side = side;
    return tensors;
  }

  static backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
    const state = ctx.state as BackwardHookState;
    // null for the two arguments that are not tensors.
    return [null, null, ...(ctx.side === 'input' ? state.input_grads(grads) : state.output_grads(grads))];
  }
}

/** What BackwardHookState keeps of each tensor it wrapped, to check a hook's replacement against. */
interface TensorMeta {
  type: string;
  shape: number[];
}

/**
 * PyTorch's torch.utils.hooks.BackwardHook, one per forward call: wraps the call's tensor inputs
 * and outputs in BackwardHookFunction and, during backward, runs the pre-hooks when the output
 * gradients arrive and the full backward hooks when the input gradients do. `grad_outputs` links
 * the two: set on the output side, read and cleared on the input side.
 */
class BackwardHookState {
  private grad_outputs: Grads | null = null;
  private n_outputs = -1;
  private output_tensors_index: number[] | null = null;
  private output_meta: TensorMeta[] = [];
  private n_inputs = -1;
  private input_tensors_index: number[] | null = null;
  private input_meta: TensorMeta[] = [];

  constructor(private readonly module: Module, private readonly user_hooks: AnyHook[], private readonly user_pre_hooks: AnyHook[]) {}

  /** The positional arguments, their tensors replaced by views that run the hooks in backward. */
  setup_input_hook(args: unknown[]): unknown[] {
    const { res, tensors_idx, meta } = this.applyOnTensors('input', args);
    this.n_inputs = args.length;
    this.input_tensors_index = tensors_idx;
    this.input_meta = meta;
    return res;
  }

  /** The output (a tensor, or an array treated as PyTorch's tuple), its tensors made views. */
  setup_output_hook(result: unknown): unknown {
    const outputs = Array.isArray(result) ? result : [result];
    const { res, tensors_idx, meta } = this.applyOnTensors('output', outputs);
    this.n_outputs = outputs.length;
    this.output_tensors_index = tensors_idx;
    this.output_meta = meta;
    return Array.isArray(result) ? res : res[0];
  }

  /**
   * Passes the tensors among `args` through BackwardHookFunction when one requires grad (and grad
   * mode is on); `tensors_idx` is null when none does, and `args` come back as they were.
   */
  private applyOnTensors(side: HookSide, args: unknown[]): { res: unknown[]; tensors_idx: number[] | null; meta: TensorMeta[] } {
    const tensors_idx: number[] = [];
    const tensors: Tensor[] = [];
    args.forEach((a, i) => {
      if (a instanceof Tensor) {
        tensors_idx.push(i);
        tensors.push(a);
      }
    });
    if (!(tensors.some((t) => t.requires_grad) && is_grad_enabled())) return { res: args, tensors_idx: null, meta: [] };
    const views = BackwardHookFunction.apply(this, side, ...tensors) as Tensor[];
    const res = [...args];
    tensors_idx.forEach((i, k) => (res[i] = views[k]));
    return { res, tensors_idx, meta: tensors.map((t) => ({ type: t.type(), shape: t.shape })) };
  }

  /** The output side's node: records grad_output and runs the pre-hooks (PyTorch's output hook). */
  output_grads(grads: (Tensor | null)[]): (Tensor | null)[] {
    const index = this.output_tensors_index!;
    let grad_outputs = packWithNull(index, grads, this.n_outputs);
    for (const hook of this.user_pre_hooks) {
      const out = hook(this.module, grad_outputs);
      if (out === null || out === undefined) continue;
      grad_outputs = checkHookGrads(out, grad_outputs.length, 'Backward pre hook returned an invalid number of grad_output');
    }
    this.grad_outputs = grad_outputs;
    if (this.input_tensors_index === null) {
      // No input requires grad, so no input-side node will run: the hooks run now.
      warn('Full backward hook is firing when gradients are computed with respect to module outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.');
      const grad_inputs = packWithNull([], [], this.n_inputs);
      for (const hook of this.user_hooks) {
        const res = hook(this.module, grad_inputs, grad_outputs);
        if (res !== null && res !== undefined && !(Array.isArray(res) && res.every((g) => g === null || g === undefined))) {
          throw new TorchError('Backward hook for Modules where no input requires gradient should always return None or None for all gradients.');
        }
      }
      this.grad_outputs = null;
    }
    return unpackChecked(index, grad_outputs, this.output_meta);
  }

  /** The input side's node: runs the full backward hooks on grad_input (PyTorch's user hook). */
  input_grads(grads: (Tensor | null)[]): (Tensor | null)[] {
    // Gradients that reach the inputs without passing through the outputs (a double backward)
    // pass unchanged.
    if (this.grad_outputs === null) return grads;
    const index = this.input_tensors_index!;
    let grad_inputs = packWithNull(index, grads, this.n_inputs);
    for (const hook of this.user_hooks) {
      const out = hook(this.module, grad_inputs, this.grad_outputs);
      if (out === null || out === undefined) continue;
      grad_inputs = checkHookGrads(out, grad_inputs.length, 'Backward hook returned an invalid number of grad_input');
    }
    this.grad_outputs = null;
    return unpackChecked(index, grad_inputs, this.input_meta);
  }
}

/** PyTorch's `_pack_with_none`: `values` placed at `indices` of an array of `size` nulls. */
function packWithNull(indices: number[], values: (Tensor | null)[], size: number): Grads {
  const res: (Tensor | null)[] = new Array(size).fill(null);
  indices.forEach((idx, k) => (res[idx] = values[k]));
  return Object.freeze(res);
}

/** A hook's replacement gradients: an array of `expected` entries, undefined read as null. */
function checkHookGrads(out: unknown, expected: number, what: string): Grads {
  if (!Array.isArray(out)) throw new TypeError(`a backward hook must return null, undefined or an array of gradients, but got ${describe(out)}`);
  if (out.length !== expected) throw new TorchError(`${what}, got ${out.length}, but expected ${expected}`);
  return Object.freeze(out.map((g) => g ?? null));
}

/**
 * PyTorch's `_unpack_none` with the checks its hook machinery then makes on each gradient
 * (python_hook.cpp's check_single_result; PyTorch names the hook 'hook', its own wrapper): a
 * tensor of the dtype, device and size the wrapped tensor had, or null.
 */
function unpackChecked(indices: number[], values: Grads, meta: TensorMeta[]): (Tensor | null)[] {
  return indices.map((idx, k) => {
    const g: unknown = values[idx];
    if (g === null) return null;
    if (!(g instanceof Tensor)) throw new TypeError(`expected Variable, but hook returned '${describe(g)}'`);
    if (g.type() !== meta[k].type) throw new TorchError(`hook 'hook' has changed the type of value (was ${meta[k].type} got ${g.type()})`);
    const shape = g.shape;
    if (shape.length !== meta[k].shape.length || shape.some((n, i) => n !== meta[k].shape[i])) throw new TorchError("hook 'hook' has changed the size of value");
    return g;
  });
}

/** A short description of a hook's bad return value for an error message. */
function show(x: unknown): string {
  if (Array.isArray(x)) return `an array of length ${x.length}${x.length === 2 ? ` holding ${describe(x[0])} and ${describe(x[1])}` : ''}`;
  return describe(x);
}

function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  return [lines[0], ...lines.slice(1).map((l) => ' '.repeat(n) + l)].join('\n');
}

function checkName(name: string, m: Module): void {
  if (typeof name !== 'string') throw new TypeError(`name should be a string. Got ${typeof name}`);
  if (name.includes('.')) throw new Error('name can\'t contain "."');
  if (name === '') throw new Error('name can\'t be empty string ""');
  void m;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}
