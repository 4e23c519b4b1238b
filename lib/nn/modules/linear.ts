// nn.Identity, nn.Linear and nn.Bilinear, after torch/nn/modules/linear.py: same parameter
// names, registration order and reset_parameters() draws, so seeded weights equal PyTorch's.
import { Tensor } from '../../tensor';
import { params, type PyArgs } from '../../args';
import type { DeviceLike } from '../../device';
import type { DTypeLike } from '../../dtype';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import * as F from '../functional/layers';
import { FactoryOptions, newParameter, pyStr } from './utils';

/**
 * A placeholder that returns its input (PyTorch's nn.Identity).
 *
 * @see [torch.nn.Identity](https://pytorch.org/docs/stable/generated/torch.nn.Identity.html)
 */
export class Identity extends Module {
  /** Any arguments are accepted and ignored, as in PyTorch. */
  constructor(..._args: unknown[]) {
    super();
  }
  /** Returns input itself (the same Tensor object). */
  forward(input: Tensor): Tensor {
    return input;
  }
}

/** Linear's and Bilinear's keyword arguments (and `device`, `dtype` from FactoryOptions). */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/** Linear's and Bilinear's positionals after the feature counts: bias, device, dtype, then options. */
export type LinearArgs = PyArgs<[bias: boolean, device: DeviceLike | null, dtype: DTypeLike | null], LinearOptions>;

/**
 * An affine map y = x A^T + b (PyTorch's nn.Linear).
 *
 * `new nn.Linear(in_features, out_features, { bias, device, dtype })`; the keywords may also be
 * given positionally, as in PyTorch. Same parameter names and seeded initial values as PyTorch.
 *
 * @see [torch.nn.Linear](https://pytorch.org/docs/stable/generated/torch.nn.Linear.html)
 */
export class Linear extends Module {
  /** Size of each input sample. */
  in_features: number;
  /** Size of each output sample. */
  out_features: number;
  /** [out_features, in_features], initialised from U(-1/sqrt(in_features), 1/sqrt(in_features)). */
  weight: Parameter;
  /** [out_features], or null when made with bias false. */
  bias: Parameter | null;

  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in_features Size of each input sample.
   * @param out_features Size of each output sample.
   * @param args PyTorch's keyword arguments (bias=true, device, dtype) positionally in PyTorch's
   *   order, or as a trailing options object.
   */
  constructor(in_features: number, out_features: number, ...args: LinearArgs) {
    super();
    const [bias, device, dtype] = params('Linear', args, ['bias', 'device', 'dtype']);
    const factory = { device, dtype } as FactoryOptions;
    this.in_features = in_features;
    this.out_features = out_features;
    this.weight = newParameter([out_features, in_features], factory);
    this.bias = bias ?? true ? newParameter([out_features], factory) : null;
    this.reset_parameters();
  }

  /** Draws weight and bias anew, as PyTorch's reset_parameters (same draws for the same seed). */
  reset_parameters(): void {
    // kaiming_uniform_ with a = sqrt(5) is U(-1/sqrt(in), 1/sqrt(in)), PyTorch's long-standing default.
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  /** F.linear(input, weight, bias): input [..., in_features] to [..., out_features]. */
  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  /** `in_features=3, out_features=4, bias=True`, as PyTorch prints it. */
  extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${pyStr(this.bias !== null)}`;
  }
}

/**
 * A bilinear map y = x1^T A x2 + b (PyTorch's nn.Bilinear).
 *
 * `new nn.Bilinear(in1_features, in2_features, out_features, { bias, device, dtype })`; the keywords
 * may also be given positionally, as in PyTorch.
 *
 * @see [torch.nn.Bilinear](https://pytorch.org/docs/stable/generated/torch.nn.Bilinear.html)
 */
export class Bilinear extends Module {
  /** Size of each first input sample. */
  in1_features: number;
  /** Size of each second input sample. */
  in2_features: number;
  /** Size of each output sample. */
  out_features: number;
  /** [out_features, in1_features, in2_features]. */
  weight: Parameter;
  /** [out_features], or null when made with bias false. */
  bias: Parameter | null;

  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in1_features Size of each first input sample.
   * @param in2_features Size of each second input sample.
   * @param out_features Size of each output sample.
   * @param args PyTorch's keyword arguments (bias=true, device, dtype) positionally in PyTorch's
   *   order, or as a trailing options object.
   */
  constructor(in1_features: number, in2_features: number, out_features: number, ...args: LinearArgs) {
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

  /** Draws weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch. */
  reset_parameters(): void {
    const bound = 1 / Math.sqrt(this.weight.size(1));
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }

  /** F.bilinear(input1, input2, weight, bias). */
  forward(input1: Tensor, input2: Tensor): Tensor {
    return F.bilinear(input1, input2, this.weight, this.bias);
  }

  /** `in1_features=..., in2_features=..., out_features=..., bias=True`, as PyTorch prints it. */
  extra_repr(): string {
    return `in1_features=${this.in1_features}, in2_features=${this.in2_features}, out_features=${this.out_features}, bias=${pyStr(this.bias !== null)}`;
  }
}
