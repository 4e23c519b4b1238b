// Argument checks for torch.nn.functional: the message names the Python argument, as PyTorch's
// parser does, before any operator sees the value.
import { Tensor, isTensor, describe, notATensorHint } from '../../tensor';

/** x itself when it is a Tensor; otherwise a TypeError naming the argument. */
export function requireTensor(x: unknown, name: string): Tensor {
  if (isTensor(x)) return x;
  throw new TypeError(`argument '${name}' must be a Tensor, not ${describe(x)}${notATensorHint(x)}`);
}

/** null for null/undefined (an omitted optional tensor), else as requireTensor. */
export function optionalTensor(x: unknown, name: string): Tensor | null {
  return x == null ? null : requireTensor(x, name);
}
