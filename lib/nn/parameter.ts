// nn.Parameter: a Tensor that a Module registers as a learnable parameter.
import { Tensor, subclassAliasOf } from '../tensor';
import { adopt } from '../memory';

/**
 * A Tensor that a Module registers as a learnable parameter: it shows in `parameters()` and
 * `state_dict()`, and requires grad by default.
 *
 * @see [torch.nn.parameter.Parameter](https://pytorch.org/docs/stable/generated/torch.nn.parameter.Parameter.html)
 */
export class Parameter extends Tensor {
  /** `new nn.Parameter(data, requires_grad = true)`: shares `data`'s storage, as in PyTorch. */
  constructor(data: Tensor, requires_grad = true) {
    super(...subclassAliasOf(data, 'data'));
    adopt(this);
    if (requires_grad) this.requires_grad_(true);
  }

  /** Prints as PyTorch's repr: `Parameter containing:` then the tensor. */
  toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
