// Grad mode and torch.autograd.grad. Grad mode is LibTorch's thread-local flag: no_grad(fn)
// turns it off for the synchronous extent of fn.
import { native } from './binding';
import { Tensor, wrapMaybe, hOf } from './tensor';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs fn with gradient recording off, like `with torch.no_grad():`. */
export function no_grad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on, like `with torch.enable_grad():`. */
export function enable_grad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function set_grad_enabled(enabled: boolean): void {
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

export const autograd = { grad };
