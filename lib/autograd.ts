// Grad mode and torch.autograd.grad.
//
// The rule: no_grad(fn) / enable_grad(fn) set grad mode for everything fn does, including the
// continuations of an async fn (code after each await), and nothing else. LibTorch's grad mode
// is one thread-local flag, so while an async no_grad is pending an async hook re-applies the
// right mode whenever a callback runs: inside the function's async context its mode, elsewhere
// the global one (set_grad_enabled). Synchronous use costs no hook at all.
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { native } from './binding';
import { Tensor, wrapMaybe, hOf } from './tensor';
import { Function, FunctionCtx } from './autograd_function';
import { gradcheck } from './autograd_gradcheck';
import { graph } from './autograd_graph';

const context = new AsyncLocalStorage<{ enabled: boolean }>();
let globalEnabled = true;
let pendingAsync = 0;
const hook = createHook({
  before() {
    native.setGradEnabled(context.getStore()?.enabled ?? globalEnabled);
  },
});

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = native.setGradEnabled(enabled);
  let result: T;
  try {
    result = context.run({ enabled }, fn);
  } finally {
    native.setGradEnabled(previous);
  }
  if (result instanceof Promise) {
    if (pendingAsync++ === 0) hook.enable();
    return result.finally(() => {
      if (--pendingAsync === 0) hook.disable();
    }) as T;
  }
  return result;
}

/**
 * Runs `fn` with gradient recording off, like `with torch.no_grad():`, and returns its result. For an
 * async function the mode holds for its continuations too (code after each await), and nothing else.
 * Differs from PyTorch: a function wrapper, not a context manager or decorator.
 * @see https://pytorch.org/docs/stable/generated/torch.no_grad.html
 */
export function no_grad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs `fn` with gradient recording on, like `with torch.enable_grad():` (inside no_grad, say), and
 * returns its result; async functions too, as with {@link no_grad}.
 * @see https://pytorch.org/docs/stable/generated/torch.enable_grad.html
 */
export function enable_grad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/**
 * Sets grad mode: inside no_grad/enable_grad until that call ends, else globally. Differs from
 * PyTorch: a plain setter, not also a context manager.
 * @see https://pytorch.org/docs/stable/generated/torch.set_grad_enabled.html
 */
export function set_grad_enabled(enabled: boolean): void {
  const store = context.getStore();
  if (store) store.enabled = enabled;
  else globalEnabled = enabled;
  native.setGradEnabled(enabled);
}

/**
 * Whether gradient recording is on now.
 * @see https://pytorch.org/docs/stable/generated/torch.is_grad_enabled.html
 */
export function is_grad_enabled(): boolean {
  return native.isGradEnabled();
}

/** The keyword arguments of {@link grad}. */
export interface GradOptions {
  /** The vector in the vector-Jacobian product, one per output (null for a scalar output's implicit 1). */
  grad_outputs?: (Tensor | null)[] | Tensor | null;
  /** Keep the graph for another backward (default: the value of create_graph). */
  retain_graph?: boolean;
  /** Record the derivative's graph, for higher-order derivatives (default false). */
  create_graph?: boolean;
  /** Give null for an input the outputs do not depend on, instead of throwing (default false). */
  allow_unused?: boolean;
}

/**
 * `torch.autograd.grad(outputs, inputs, { grad_outputs, retain_graph, create_graph, allow_unused })`:
 * the gradients of `outputs` with respect to `inputs`, without accumulating into `.grad`. One tensor
 * or an array each; the result is always an array (null for an unused input with allow_unused).
 * Differs from PyTorch: no `only_inputs`, `is_grads_batched` or `materialize_grads`.
 * @see https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const go = options.grad_outputs;
  const gradOutputs = go == null ? null : (Array.isArray(go) ? go : [go]).map((g) => (g == null ? null : hOf(g, 'grad_outputs')));
  const result = native.grad(
    outs.map((t) => hOf(t, 'outputs')),
    ins.map((t) => hOf(t, 'inputs')),
    gradOutputs,
    options.retain_graph,
    options.create_graph ?? false,
    options.allow_unused ?? false,
  );
  return result.map(wrapMaybe);
}

export { Function, FunctionCtx, gradcheck, graph };

/**
 * `torch.autograd`: `grad`, `Function` (custom ops with a JS forward and backward),
 * `gradcheck` and `graph.Node` (what `Tensor.grad_fn` gives).
 * @see https://pytorch.org/docs/stable/autograd.html
 */
export const autograd = {
  /**
   * `torch.autograd.grad(outputs, inputs, { grad_outputs, retain_graph, create_graph, allow_unused })`:
   * the gradients of `outputs` with respect to `inputs`, without accumulating into `.grad`. One
   * tensor or an array each; the result is always an array (null for an unused input with
   * allow_unused). Differs from PyTorch: no `only_inputs`, `is_grads_batched` or `materialize_grads`.
   * @see https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
   */
  grad,
  /** The base class of custom autograd operations: static forward(ctx, ...args) and backward(ctx, ...grads). */
  Function,
  /** The context object passed to a Function's forward and backward. */
  FunctionCtx,
  /** Checks analytical gradients against finite differences (torch.autograd.gradcheck). */
  gradcheck,
  /** The autograd graph: `graph.Node`, the class of `grad_fn` and its `next_functions`. */
  graph,
};
