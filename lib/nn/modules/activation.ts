// Activation layers, after torch/nn/modules/activation.py: thin modules over the functional
// forms, with PyTorch's constructor arguments and extra_repr().
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import * as F from '../functional/layers';
import { pyFloat, pyRepr, pyStr } from './utils';

type InplaceArg = boolean | { inplace?: boolean };

function inplaceOption(name: string, args: InplaceArg[]): boolean {
  const [inplace] = params(name, args, ['inplace']);
  return (inplace ?? false) as boolean;
}

/**
 * The rectified linear unit, max(0, x), element-wise.
 *
 * `new nn.ReLU(inplace?)` or `new nn.ReLU({ inplace })`.
 *
 * @see [torch.nn.ReLU](https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html)
 */
export class ReLU extends Module {
  /** Whether to modify the input in place. */
  inplace: boolean;
  /** `inplace` (default false), positionally or as `{ inplace }`. */
  constructor(...args: InplaceArg[]) {
    super();
    this.inplace = inplaceOption('ReLU', args);
  }
  /** Returns relu(`input`). */
  forward(input: Tensor): Tensor {
    return F.relu(input, { inplace: this.inplace });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/**
 * The Gaussian error linear unit, x * Phi(x), exact or with the tanh approximation.
 *
 * `new nn.GELU(approximate?)` or `new nn.GELU({ approximate })`, `'none'` (default) or `'tanh'`.
 *
 * @see [torch.nn.GELU](https://pytorch.org/docs/stable/generated/torch.nn.GELU.html)
 */
export class GELU extends Module {
  /** `'none'` for the exact form, `'tanh'` for the approximation. */
  approximate: 'none' | 'tanh';
  /** `approximate` (default `'none'`), positionally or as `{ approximate }`. */
  constructor(...args: (string | { approximate?: 'none' | 'tanh' })[]) {
    super();
    const [approximate] = params('GELU', args, ['approximate']);
    this.approximate = (approximate ?? 'none') as 'none' | 'tanh';
  }
  /** Returns gelu(`input`). */
  forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `approximate=${pyRepr(this.approximate)}`;
  }
}

/**
 * The sigmoid linear unit (swish), x * sigmoid(x), element-wise.
 *
 * `new nn.SiLU(inplace?)` or `new nn.SiLU({ inplace })`.
 *
 * @see [torch.nn.SiLU](https://pytorch.org/docs/stable/generated/torch.nn.SiLU.html)
 */
export class SiLU extends Module {
  /** Whether to modify the input in place. */
  inplace: boolean;
  /** `inplace` (default false), positionally or as `{ inplace }`. */
  constructor(...args: InplaceArg[]) {
    super();
    this.inplace = inplaceOption('SiLU', args);
  }
  /** Returns silu(`input`). */
  forward(input: Tensor): Tensor {
    return F.silu(input, { inplace: this.inplace });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/**
 * The hyperbolic tangent, element-wise.
 *
 * `new nn.Tanh()`.
 *
 * @see [torch.nn.Tanh](https://pytorch.org/docs/stable/generated/torch.nn.Tanh.html)
 */
export class Tanh extends Module {
  /** Returns tanh(`input`). */
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

/**
 * The logistic sigmoid, 1 / (1 + exp(-x)), element-wise.
 *
 * `new nn.Sigmoid()`.
 *
 * @see [torch.nn.Sigmoid](https://pytorch.org/docs/stable/generated/torch.nn.Sigmoid.html)
 */
export class Sigmoid extends Module {
  /** Returns sigmoid(`input`). */
  forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}

/**
 * The leaky ReLU: x for x >= 0, `negative_slope` * x otherwise.
 *
 * `new nn.LeakyReLU(negative_slope?, inplace?)` or with `{ negative_slope, inplace }`.
 *
 * @see [torch.nn.LeakyReLU](https://pytorch.org/docs/stable/generated/torch.nn.LeakyReLU.html)
 */
export class LeakyReLU extends Module {
  /** Slope for negative inputs. */
  negative_slope: number;
  /** Whether to modify the input in place. */
  inplace: boolean;
  /** `negative_slope` (default 0.01) and `inplace` (default false), positionally or in an options object. */
  constructor(...args: (number | boolean | { negative_slope?: number; inplace?: boolean })[]) {
    super();
    const [negative_slope, inplace] = params('LeakyReLU', args, ['negative_slope', 'inplace']);
    this.negative_slope = (negative_slope ?? 0.01) as number;
    this.inplace = (inplace ?? false) as boolean;
  }
  /** Returns leaky_relu(`input`). */
  forward(input: Tensor): Tensor {
    return F.leaky_relu(input, { negative_slope: this.negative_slope, inplace: this.inplace });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `negative_slope=${pyFloat(this.negative_slope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/**
 * Softplus, log(1 + exp(beta * x)) / beta, linear above `threshold`.
 *
 * `new nn.Softplus(beta?, threshold?)` or with `{ beta, threshold }`.
 *
 * @see [torch.nn.Softplus](https://pytorch.org/docs/stable/generated/torch.nn.Softplus.html)
 */
export class Softplus extends Module {
  /** The beta of the formula. */
  beta: number;
  /** Above beta * x > threshold the result is x. */
  threshold: number;
  /** `beta` (default 1) and `threshold` (default 20), positionally or in an options object. */
  constructor(...args: (number | { beta?: number; threshold?: number })[]) {
    super();
    const [beta, threshold] = params('Softplus', args, ['beta', 'threshold']);
    this.beta = (beta ?? 1) as number;
    this.threshold = (threshold ?? 20) as number;
  }
  /** Returns softplus(`input`). */
  forward(input: Tensor): Tensor {
    return F.softplus(input, { beta: this.beta, threshold: this.threshold });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    // PyTorch formats the values as given; its defaults are the ints 1 and 20.
    return `beta=${pyStr(this.beta)}, threshold=${pyStr(this.threshold)}`;
  }
}

/**
 * The exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.
 *
 * `new nn.ELU(alpha?, inplace?)` or with `{ alpha, inplace }`.
 *
 * @see [torch.nn.ELU](https://pytorch.org/docs/stable/generated/torch.nn.ELU.html)
 */
export class ELU extends Module {
  /** The alpha of the formula. */
  alpha: number;
  /** Whether to modify the input in place. */
  inplace: boolean;
  /** `alpha` (default 1.0) and `inplace` (default false), positionally or in an options object. */
  constructor(...args: (number | boolean | { alpha?: number; inplace?: boolean })[]) {
    super();
    const [alpha, inplace] = params('ELU', args, ['alpha', 'inplace']);
    this.alpha = (alpha ?? 1.0) as number;
    this.inplace = (inplace ?? false) as boolean;
  }
  /** Returns elu(`input`). */
  forward(input: Tensor): Tensor {
    return F.elu(input, { alpha: this.alpha, inplace: this.inplace });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

type DimArg = number | null | { dim?: number | null };

/**
 * Softmax along `dim`: exp(x) / sum(exp(x)), so each slice sums to 1.
 *
 * `new nn.Softmax(dim)` or `new nn.Softmax({ dim })`. A `dim` of null picks PyTorch's legacy implicit
 * dimension, with its warning.
 *
 * @see [torch.nn.Softmax](https://pytorch.org/docs/stable/generated/torch.nn.Softmax.html)
 */
export class Softmax extends Module {
  /** The dimension normalised over (null: the legacy implicit choice). */
  dim: number | null;
  /** `dim`, positionally or as `{ dim }`. */
  constructor(...args: DimArg[]) {
    super();
    const [dim] = params('Softmax', args, ['dim']);
    this.dim = (dim ?? null) as number | null;
  }
  /** Returns softmax(`input`, `dim`). */
  forward(input: Tensor): Tensor {
    return F.softmax(input, { dim: this.dim });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `dim=${pyStr(this.dim)}`;
  }
}

/**
 * Log-softmax along `dim`: log(softmax(x)), computed stably.
 *
 * `new nn.LogSoftmax(dim)` or `new nn.LogSoftmax({ dim })`.
 *
 * @see [torch.nn.LogSoftmax](https://pytorch.org/docs/stable/generated/torch.nn.LogSoftmax.html)
 */
export class LogSoftmax extends Module {
  /** The dimension normalised over (null: the legacy implicit choice). */
  dim: number | null;
  /** `dim`, positionally or as `{ dim }`. */
  constructor(...args: DimArg[]) {
    super();
    const [dim] = params('LogSoftmax', args, ['dim']);
    this.dim = (dim ?? null) as number | null;
  }
  /** Returns log_softmax(`input`, `dim`). */
  forward(input: Tensor): Tensor {
    return F.log_softmax(input, { dim: this.dim });
  }
  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `dim=${pyStr(this.dim)}`;
  }
}
