// torch.autograd.Function: custom differentiable operations with forward and backward in JS.
//
//   class Exp extends torch.autograd.Function {
//     static forward(ctx, x) { const y = x.exp(); ctx.save_for_backward(y); return y; }
//     static backward(ctx, g) { const [y] = ctx.saved_tensors; return g.mul(y); }
//   }
//   const y = Exp.apply(x);
//
// forward runs here under no_grad; native/custom_function.cc then attaches a LibTorch graph node
// (named `ExpBackward`) the way PyTorch's Function.apply does, and keeps saved tensors as
// LibTorch SavedVariables. During a backward the node calls back into `runBackward` below,
// synchronously, on this JS thread.
import { native, Handle } from './binding';
import { Tensor, isTensor, wrap, wrapMaybe, describe } from './tensor';
import { no_grad, is_grad_enabled } from './autograd';

/** A tensor, or null/undefined where there is none (a saved slot, or a gradient not computed). */
type MaybeTensor = Tensor | null | undefined;

/**
 * The `ctx` that forward and backward receive, as PyTorch's FunctionCtx; any other attribute
 * (`ctx.k = 3`) is free for the user's state.
 * @see https://pytorch.org/docs/stable/generated/torch.autograd.function.FunctionCtx.save_for_backward.html
 */
export class FunctionCtx {
  /** Per forward argument: whether backward has to compute a gradient for it. */
  needs_input_grad: boolean[] = [];
  // What forward recorded, handed to native code by apply() and then dropped, so that the ctx
  // holds no tensor after forward (saved tensors live in the graph node).
  #toSave: MaybeTensor[] = [];
  #nonDifferentiable: Tensor[] = [];
  #dirty: Tensor[] = [];
  #materializeGrads = true;
  #saved: (Tensor | null)[] | null = null;
  #fnName: string;
  [attribute: string]: any;

  /** @internal made by Function.apply */
  constructor(fnName: string) {
    this.#fnName = fnName;
  }

  /** Keeps tensors (inputs, outputs or intermediates; null allowed) for backward, read back as ctx.saved_tensors. */
  save_for_backward(...tensors: MaybeTensor[]): void {
    tensors.forEach((t, i) => checkTensor(t, `${this.#fnName}: save_for_backward argument ${i}`, true));
    this.#toSave = tensors;
  }

  /** The tensors given to save_for_backward, in backward. */
  get saved_tensors(): (Tensor | null)[] {
    if (this.#saved === null) {
      throw new Error(`${this.#fnName}: ctx.saved_tensors can be read only inside backward (save them in forward with ctx.save_for_backward)`);
    }
    return this.#saved;
  }

  /** Outputs that are not differentiable: they do not require grad, and their gradient in backward is zeros (or null). */
  mark_non_differentiable(...tensors: Tensor[]): void {
    tensors.forEach((t, i) => checkTensor(t, `${this.#fnName}: mark_non_differentiable argument ${i}`, false));
    this.#nonDifferentiable.push(...tensors);
  }

  /** Inputs that forward modified in place (and returns). */
  mark_dirty(...tensors: Tensor[]): void {
    tensors.forEach((t, i) => checkTensor(t, `${this.#fnName}: mark_dirty argument ${i}`, false));
    this.#dirty.push(...tensors);
  }

  /** With false, backward receives null for outputs that got no gradient, instead of zeros. */
  set_materialize_grads(value: boolean): void {
    this.#materializeGrads = Boolean(value);
  }

  /** @internal what forward recorded, for native functionApply; clears it */
  static takeRecord(ctx: FunctionCtx) {
    const r = {
      toSave: ctx.#toSave.map((t) => (t == null ? null : t.h)),
      nonDifferentiable: ctx.#nonDifferentiable.map((t) => t.h),
      dirty: ctx.#dirty.map((t) => t.h),
      materializeGrads: ctx.#materializeGrads,
    };
    ctx.#toSave = [];
    ctx.#nonDifferentiable = [];
    ctx.#dirty = [];
    return r;
  }

  /** @internal sets (or clears) what saved_tensors returns while backward runs */
  static setSaved(ctx: FunctionCtx, saved: (Tensor | null)[] | null): void {
    ctx.#saved = saved;
  }
}

function checkTensor(t: unknown, what: string, nullable: boolean): void {
  if (nullable && t == null) return;
  if (!isTensor(t)) throw new TypeError(`${what} must be a Tensor${nullable ? ' or null' : ''}, not ${describe(t)}`);
}

/** What forward returns: one tensor or an array of tensors. */
type ForwardOutput = Tensor | Tensor[];
/** What backward returns: one gradient (or null) per forward argument. */
type BackwardOutput = MaybeTensor | MaybeTensor[];

/**
 * Base class of custom autograd functions, as PyTorch's `torch.autograd.Function`: subclass it with
 * `static forward(ctx, ...args)` and `static backward(ctx, ...gradOutputs)`, and call
 * `MyFn.apply(...args)`. Alternatively (PyTorch 2 style) `static forward(...args)` plus
 * `static setup_context(ctx, inputs, output)`. forward runs under no_grad; both must be synchronous.
 *
 * Differs from PyTorch: no `vjp`/`jvp`, `vmap` or `once_differentiable`; forward must return a
 * tensor or an array of tensors.
 * @see https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function
 */
export class Function {
  // Typed loosely: forward takes (ctx, ...args), or (...args) in the setup_context style.
  /**
   * Computes the outputs from `(ctx, ...args)` (or from `...args` alone when setup_context is
   * overridden). Must be overridden.
   */
  static forward(...args: any[]): ForwardOutput {
    throw notImplemented('You must implement the forward function for custom autograd.Function.');
  }

  /**
   * Given one gradient per output, returns one gradient (or null) per forward argument. Must be
   * overridden to use the function in a backward.
   */
  static backward(ctx: FunctionCtx, ...gradOutputs: any[]): BackwardOutput {
    throw notImplemented('You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.');
  }

  /**
   * Overridden to split forward (without ctx) from saving state for backward: receives the forward
   * arguments and its output.
   */
  static setup_context(ctx: FunctionCtx, inputs: unknown[], output: unknown): void {
    throw notImplemented('setup_context is not implemented.');
  }

  /**
   * Runs forward and records the operation for autograd; returns what forward returned. Bound to
   * its class, as Python's classmethod is: `const P3 = LegendrePolynomial3.apply; P3(x)` works.
   */
  static get apply(): (...args: any[]) => any {
    const cls = this;
    return (...args: any[]) => applyFunction(cls, args);
  }
}

function applyFunction(cls: typeof Function, args: any[]): any {
  if (cls === Function) throw new TypeError('autograd.Function.apply must be called on a subclass that defines forward and backward');
  const name = cls.name || 'Function';
  const ctx = new FunctionCtx(name);
  const executable = is_grad_enabled() && args.some((a) => isTensor(a) && a.requires_grad);
  ctx.needs_input_grad = args.map((a) => executable && isTensor(a) && a.requires_grad);

  const separateSetup = cls.setup_context !== Function.setup_context;
  const output: unknown = no_grad(() => {
    if (!separateSetup) return cls.forward(ctx, ...args);
    const out = cls.forward(...args);
    cls.setup_context(ctx, args, out);
    return out;
  });
  const single = isTensor(output);
  if (!single && !(Array.isArray(output) && output.every(isTensor))) {
    const what = output instanceof Promise ? 'a Promise (forward must be synchronous)' : Array.isArray(output) ? `an Array holding ${describe(output.find((o) => !isTensor(o)))}` : describe(output);
    throw new TypeError(`${name}.forward must return a Tensor or an array of Tensors, got ${what}`);
  }
  const outputs: Tensor[] = single ? [output as Tensor] : (output as Tensor[]);

  const record = FunctionCtx.takeRecord(ctx);
  const replaced = native.functionApply(
    name,
    args.map((a) => (isTensor(a) ? a.h : null)),
    outputs.map((t) => t.h),
    record.nonDifferentiable,
    record.dirty,
    record.toSave,
    record.materializeGrads,
    backwardCallback(cls, name, ctx),
  );
  // Usually the output tensors themselves now carry the history; an input returned unchanged
  // comes back as a new view of it, as in PyTorch.
  const results = outputs.map((t, i) => (replaced[i] === null ? t : wrap(replaced[i]!)));
  return single ? results[0] : results;
}

/**
 * The callback the graph node keeps. Made here rather than inside apply() so that its closure
 * holds only the class and ctx: a closure there would share apply's scope, arguments included,
 * and keep the input tensors alive as long as the graph.
 */
function backwardCallback(cls: typeof Function, name: string, ctx: FunctionCtx) {
  return (gradHandles: (Handle | null)[], savedHandles: (Handle | null)[]) => runBackward(cls, name, ctx, gradHandles, savedHandles);
}

/** Called by the graph node during a backward; returns one gradient handle (or null) per forward argument. */
function runBackward(cls: typeof Function, name: string, ctx: FunctionCtx, gradHandles: (Handle | null)[],
  savedHandles: (Handle | null)[]): (Handle | null)[] {
  // Wrapped at once, so that the scope (or the GC) owns these handles whatever happens next.
  const grads = gradHandles.map(wrapMaybe);
  const saved = savedHandles.map(wrapMaybe);
  FunctionCtx.setSaved(ctx, saved);
  let result: unknown;
  try {
    result = cls.backward(ctx, ...grads);
  } finally {
    FunctionCtx.setSaved(ctx, null);
  }
  if (result instanceof Promise) throw new TypeError(`${name}.backward must be synchronous, got a Promise`);
  const list = Array.isArray(result) ? result : [result];
  return list.map((g, i) => {
    if (g == null) return null;
    if (isTensor(g)) return g.h;
    throw new TypeError(`${name}.backward must return a Tensor or null per forward input, got ${describe(g)} at position ${i}`);
  });
}

function notImplemented(message: string): Error {
  const e = new Error(message);
  e.name = 'NotImplementedError';
  return e;
}
