// nn.Flatten and nn.Unflatten, after torch/nn/modules/flatten.py.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import { pyStr } from './utils';

/** Flattens dims start_dim..end_dim (default 1..-1, keeping the batch dim). */
export class Flatten extends Module {
  start_dim: number;
  end_dim: number;

  constructor(...args: (number | { start_dim?: number; end_dim?: number })[]) {
    super();
    const [start_dim, end_dim] = params('Flatten', args, ['start_dim', 'end_dim']);
    this.start_dim = (start_dim ?? 1) as number;
    this.end_dim = (end_dim ?? -1) as number;
  }

  forward(input: Tensor): Tensor {
    return input.flatten(this.start_dim, this.end_dim);
  }

  extra_repr(): string {
    return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`;
  }
}

/** Expands dim into unflattened_size: new nn.Unflatten(1, [2, 5]). */
export class Unflatten extends Module {
  dim: number;
  unflattened_size: number[];

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

  forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattened_size);
  }

  extra_repr(): string {
    return `dim=${this.dim}, unflattened_size=${pyStr(this.unflattened_size)}`;
  }
}
