// nn.Flatten and nn.Unflatten, after torch/nn/modules/flatten.py.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import { pyStr } from './utils';

/**
 * Flattens dimensions `start_dim` to `end_dim` into one (default 1 to -1, keeping the batch
 * dimension).
 *
 * `new nn.Flatten(start_dim?, end_dim?)` or `new nn.Flatten({ start_dim, end_dim })`.
 *
 * @see [torch.nn.Flatten](https://pytorch.org/docs/stable/generated/torch.nn.Flatten.html)
 */
export class Flatten extends Module {
  /** First dimension flattened. */
  start_dim: number;
  /** Last dimension flattened. */
  end_dim: number;

  /** `start_dim` (default 1) and `end_dim` (default -1), positionally or in an options object. */
  constructor(...args: (number | { start_dim?: number; end_dim?: number })[]) {
    super();
    const [start_dim, end_dim] = params('Flatten', args, ['start_dim', 'end_dim']);
    this.start_dim = (start_dim ?? 1) as number;
    this.end_dim = (end_dim ?? -1) as number;
  }

  /** Returns `input.flatten(start_dim, end_dim)`. */
  forward(input: Tensor): Tensor {
    return input.flatten(this.start_dim, this.end_dim);
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`;
  }
}

/**
 * Expands dimension `dim` into `unflattened_size`: the inverse of `Flatten`.
 *
 * `new nn.Unflatten(dim, unflattened_size)`, with an array where PyTorch takes a tuple (named
 * shapes are not supported).
 *
 * @see [torch.nn.Unflatten](https://pytorch.org/docs/stable/generated/torch.nn.Unflatten.html)
 */
export class Unflatten extends Module {
  /** The dimension expanded. */
  dim: number;
  /** The shape it expands into. */
  unflattened_size: number[];

  /** The dimension and the shape it becomes (integers; their product must equal its size). */
  constructor(dim: number, unflattened_size: number[]) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`invalid argument 'dim': expected an int, got ${String(dim)}`);
    if (!Array.isArray(unflattened_size)) throw new TypeError('unflattened_size must be tuple');
    unflattened_size.forEach((s, i) => {
      if (!Number.isInteger(s)) throw new TypeError(`unflattened_size must be tuple of ints, but found element of type ${typeof s} at pos ${i}`);
    });
    this.dim = dim;
    this.unflattened_size = unflattened_size.slice();
  }

  /** Returns `input.unflatten(dim, unflattened_size)`. */
  forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattened_size);
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `dim=${this.dim}, unflattened_size=${pyStr(this.unflattened_size)}`;
  }
}
