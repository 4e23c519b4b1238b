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

/** new nn.ReLU({ inplace }) */
export class ReLU extends Module {
  inplace: boolean;
  constructor(...args: InplaceArg[]) {
    super();
    this.inplace = inplaceOption('ReLU', args);
  }
  forward(input: Tensor): Tensor {
    return F.relu(input, { inplace: this.inplace });
  }
  extra_repr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** new nn.GELU({ approximate: 'none' | 'tanh' }) */
export class GELU extends Module {
  approximate: 'none' | 'tanh';
  constructor(...args: (string | { approximate?: 'none' | 'tanh' })[]) {
    super();
    const [approximate] = params('GELU', args, ['approximate']);
    this.approximate = (approximate ?? 'none') as 'none' | 'tanh';
  }
  forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  extra_repr(): string {
    return `approximate=${pyRepr(this.approximate)}`;
  }
}

/** new nn.SiLU({ inplace }): x * sigmoid(x) */
export class SiLU extends Module {
  inplace: boolean;
  constructor(...args: InplaceArg[]) {
    super();
    this.inplace = inplaceOption('SiLU', args);
  }
  forward(input: Tensor): Tensor {
    return F.silu(input, { inplace: this.inplace });
  }
  extra_repr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}

/** new nn.LeakyReLU(negative_slope = 0.01, { inplace }) */
export class LeakyReLU extends Module {
  negative_slope: number;
  inplace: boolean;
  constructor(...args: (number | boolean | { negative_slope?: number; inplace?: boolean })[]) {
    super();
    const [negative_slope, inplace] = params('LeakyReLU', args, ['negative_slope', 'inplace']);
    this.negative_slope = (negative_slope ?? 0.01) as number;
    this.inplace = (inplace ?? false) as boolean;
  }
  forward(input: Tensor): Tensor {
    return F.leaky_relu(input, { negative_slope: this.negative_slope, inplace: this.inplace });
  }
  extra_repr(): string {
    return `negative_slope=${pyFloat(this.negative_slope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** new nn.Softplus(beta = 1, threshold = 20) */
export class Softplus extends Module {
  beta: number;
  threshold: number;
  constructor(...args: (number | { beta?: number; threshold?: number })[]) {
    super();
    const [beta, threshold] = params('Softplus', args, ['beta', 'threshold']);
    this.beta = (beta ?? 1) as number;
    this.threshold = (threshold ?? 20) as number;
  }
  forward(input: Tensor): Tensor {
    return F.softplus(input, { beta: this.beta, threshold: this.threshold });
  }
  extra_repr(): string {
    // PyTorch formats the values as given; its defaults are the ints 1 and 20.
    return `beta=${pyStr(this.beta)}, threshold=${pyStr(this.threshold)}`;
  }
}

/** new nn.ELU(alpha = 1.0, { inplace }) */
export class ELU extends Module {
  alpha: number;
  inplace: boolean;
  constructor(...args: (number | boolean | { alpha?: number; inplace?: boolean })[]) {
    super();
    const [alpha, inplace] = params('ELU', args, ['alpha', 'inplace']);
    this.alpha = (alpha ?? 1.0) as number;
    this.inplace = (inplace ?? false) as boolean;
  }
  forward(input: Tensor): Tensor {
    return F.elu(input, { alpha: this.alpha, inplace: this.inplace });
  }
  extra_repr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

type DimArg = number | null | { dim?: number | null };

/** new nn.Softmax(dim): dim null picks PyTorch's legacy implicit dim, with a warning. */
export class Softmax extends Module {
  dim: number | null;
  constructor(...args: DimArg[]) {
    super();
    const [dim] = params('Softmax', args, ['dim']);
    this.dim = (dim ?? null) as number | null;
  }
  forward(input: Tensor): Tensor {
    return F.softmax(input, { dim: this.dim });
  }
  extra_repr(): string {
    return `dim=${pyStr(this.dim)}`;
  }
}

/** new nn.LogSoftmax(dim) */
export class LogSoftmax extends Module {
  dim: number | null;
  constructor(...args: DimArg[]) {
    super();
    const [dim] = params('LogSoftmax', args, ['dim']);
    this.dim = (dim ?? null) as number | null;
  }
  forward(input: Tensor): Tensor {
    return F.log_softmax(input, { dim: this.dim });
  }
  extra_repr(): string {
    return `dim=${pyStr(this.dim)}`;
  }
}
