// nn.Identity, nn.Linear and nn.Bilinear, after torch/nn/modules/linear.py: same parameter
// names, registration order and reset_parameters() draws, so seeded weights equal PyTorch's.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import * as F from '../functional/layers';
import { FactoryOptions, newParameter, pyStr } from './utils';

/** A placeholder that returns its input; constructor arguments are accepted and ignored. */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input;
  }
}

export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}

/** y = x A^T + b. new nn.Linear(in_features, out_features, { bias }) */
export class Linear extends Module {
  in_features: number;
  out_features: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in_features: number, out_features: number, ...args: (boolean | LinearOptions)[]) {
    super();
    const [bias, device, dtype] = params('Linear', args, ['bias', 'device', 'dtype']);
    const factory = { device, dtype } as FactoryOptions;
    this.in_features = in_features;
    this.out_features = out_features;
    this.weight = newParameter([out_features, in_features], factory);
    this.bias = bias ?? true ? newParameter([out_features], factory) : null;
    this.reset_parameters();
  }

  reset_parameters(): void {
    // kaiming_uniform_ with a = sqrt(5) is U(-1/sqrt(in), 1/sqrt(in)), PyTorch's long-standing default.
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${pyStr(this.bias !== null)}`;
  }
}

/** y = x1^T A x2 + b. new nn.Bilinear(in1_features, in2_features, out_features, { bias }) */
export class Bilinear extends Module {
  in1_features: number;
  in2_features: number;
  out_features: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in1_features: number, in2_features: number, out_features: number, ...args: (boolean | LinearOptions)[]) {
    super();
    const [bias, device, dtype] = params('Bilinear', args, ['bias', 'device', 'dtype']);
    const factory = { device, dtype } as FactoryOptions;
    this.in1_features = in1_features;
    this.in2_features = in2_features;
    this.out_features = out_features;
    this.weight = newParameter([out_features, in1_features, in2_features], factory);
    this.bias = bias ?? true ? newParameter([out_features], factory) : null;
    this.reset_parameters();
  }

  reset_parameters(): void {
    const bound = 1 / Math.sqrt(this.weight.size(1));
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }

  forward(input1: Tensor, input2: Tensor): Tensor {
    return F.bilinear(input1, input2, this.weight, this.bias);
  }

  extra_repr(): string {
    return `in1_features=${this.in1_features}, in2_features=${this.in2_features}, out_features=${this.out_features}, bias=${pyStr(this.bias !== null)}`;
  }
}
