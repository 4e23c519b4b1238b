// nn.Parameter: a Tensor that a Module registers as a learnable parameter.
import { Tensor, subclassAliasOf } from '../tensor';
import { adopt } from '../memory';

export class Parameter extends Tensor {
  /** new nn.Parameter(data, requires_grad = true): shares data's storage, as in PyTorch. */
  constructor(data: Tensor, requires_grad = true) {
    super(...subclassAliasOf(data, 'data'));
    adopt(this);
    if (requires_grad) this.requires_grad_(true);
  }

  toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
