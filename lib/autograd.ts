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

/** Runs fn with gradient recording off, like `with torch.no_grad():`; async functions too. */
export function no_grad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on, like `with torch.enable_grad():`; async functions too. */
export function enable_grad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Sets grad mode for the current context: inside no_grad/enable_grad until it ends, else globally. */
export function set_grad_enabled(enabled: boolean): void {
  const store = context.getStore();
  if (store) store.enabled = enabled;
  else globalEnabled = enabled;
  native.setGradEnabled(enabled);
}

export function is_grad_enabled(): boolean {
  return native.isGradEnabled();
}

export interface GradOptions {
  grad_outputs?: (Tensor | null)[] | Tensor | null;
  retain_graph?: boolean;
  create_graph?: boolean;
  allow_unused?: boolean;
}

/** torch.autograd.grad(outputs, inputs, { grad_outputs, retain_graph, create_graph, allow_unused }) */
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

export { Function, FunctionCtx, gradcheck };

/** torch.autograd: grad, Function (custom ops with a JS backward), gradcheck. */
export const autograd = { grad, Function, FunctionCtx, gradcheck };
