// nn.Dropout, after torch/nn/modules/dropout.py: ATen's dropout in training mode (so a seed
// gives PyTorch's mask), the identity in eval mode.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import * as F from '../functional/layers';
import { checkProbability, pyFloat, pyStr } from './utils';

/**
 * Dropout: in training, zeroes each element with probability `p` and scales the rest by
 * 1 / (1 - p); the identity in eval mode. Uses ATen's dropout, so a seed gives PyTorch's mask.
 *
 * `new nn.Dropout(p?, inplace?)` or `new nn.Dropout({ p, inplace })`, as PyTorch's keyword arguments.
 *
 * @see [torch.nn.Dropout](https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html)
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  p: number;
  /** Whether to modify the input in place. */
  inplace: boolean;

  /** `p` (default 0.5) and `inplace` (default false), positionally or in an options object. */
  constructor(...args: (number | boolean | { p?: number; inplace?: boolean })[]) {
    super();
    const [p, inplace] = params('Dropout', args, ['p', 'inplace']);
    const prob = (p ?? 0.5) as number;
    checkProbability(prob);
    this.p = prob;
    this.inplace = (inplace ?? false) as boolean;
  }

  /** Applies dropout in training mode; returns `input` unchanged in eval mode. */
  forward(input: Tensor): Tensor {
    return F.dropout(input, { p: this.p, training: this.training, inplace: this.inplace });
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyStr(this.inplace)}`;
  }
}
