// nn.Parameter: a Tensor that a Module registers as a learnable parameter.
import { native } from '../binding';
import { Tensor, hOf } from '../tensor';
import { adopt } from '../memory';
import { op, call } from '../ops';

export class Parameter extends Tensor {
  /** new nn.Parameter(data, requires_grad = true): shares data's storage, as in PyTorch. */
  constructor(data: Tensor, requires_grad = true) {
    super(call(op('detach').get(), hOf(data, 'data')));
    adopt(this);
    if (requires_grad) native.setRequiresGrad(this.h, true);
  }

  toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
