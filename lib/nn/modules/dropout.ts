// nn.Dropout, after torch/nn/modules/dropout.py: ATen's dropout in training mode (so a seed
// gives PyTorch's mask), the identity in eval mode.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import * as F from '../functional/layers';
import { checkProbability, pyFloat, pyStr } from './utils';

/** new nn.Dropout(p = 0.5, { inplace }) */
export class Dropout extends Module {
  p: number;
  inplace: boolean;

  constructor(...args: (number | boolean | { p?: number; inplace?: boolean })[]) {
    super();
    const [p, inplace] = params('Dropout', args, ['p', 'inplace']);
    const prob = (p ?? 0.5) as number;
    checkProbability(prob);
    this.p = prob;
    this.inplace = (inplace ?? false) as boolean;
  }

  forward(input: Tensor): Tensor {
    return F.dropout(input, { p: this.p, training: this.training, inplace: this.inplace });
  }

  extra_repr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyStr(this.inplace)}`;
  }
}
