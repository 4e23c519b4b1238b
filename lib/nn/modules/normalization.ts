// BatchNorm1d/2d/3d, LayerNorm and GroupNorm, after torch/nn/modules/batchnorm.py and
// normalization.py: same parameters and buffers (names, order, initial values), the same
// running-statistics update (including momentum: null, a cumulative average) and extra_repr().
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { zeros, ones, tensor } from '../../creation';
import { int64 } from '../../dtype';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import * as F from '../functional/layers';
import { FactoryOptions, newParameter, newState, pyFloat, pyStr, factoryOptions } from './utils';
import { isPytorch2 } from '../../pytorch_version';

/** PyTorch 2.x's reprs of the norms name the bias keyword; 1.x's have no such keyword. */
function biasRepr(bias: Parameter | null, before = '', after = ', '): string {
  return isPytorch2 ? `${before}bias=${pyStr(bias !== null)}${after}` : '';
}

export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  track_running_stats?: boolean;
  /** PyTorch 2.x's keyword: false drops the bias while keeping the weight. */
  bias?: boolean;
}

type BatchNormArg = number | boolean | null | BatchNormOptions;

/** PyTorch's _BatchNorm: parameters weight/bias, buffers running_mean/running_var/num_batches_tracked. */
export abstract class _BatchNorm extends Module {
  num_features: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  track_running_stats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(name: string, num_features: number, args: BatchNormArg[]) {
    super();
    const [eps, momentum, affine, track_running_stats, device, dtype, bias] = params(name, args,
      ['eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype', 'bias']);
    const factory = factoryOptions({ device, dtype } as FactoryOptions);
    this.num_features = num_features;
    this.eps = (eps ?? 1e-5) as number;
    this.momentum = momentum === undefined ? 0.1 : (momentum as number | null);
    this.affine = (affine ?? true) as boolean;
    this.track_running_stats = (track_running_stats ?? true) as boolean;
    this.weight = this.affine ? newParameter([num_features], factory) : null;
    this.bias = this.affine && (bias ?? true) ? newParameter([num_features], factory) : null;
    if (this.track_running_stats) {
      this.register_buffer('running_mean', newState(zeros([num_features], factory)));
      this.register_buffer('running_var', newState(ones([num_features], factory)));
      this.register_buffer('num_batches_tracked', newState(tensor(0, { dtype: int64, device: factory.device })));
    } else {
      this.register_buffer('running_mean', null);
      this.register_buffer('running_var', null);
      this.register_buffer('num_batches_tracked', null);
    }
    this.reset_parameters();
  }

  reset_running_stats(): void {
    if (!this.track_running_stats) return;
    this.running_mean?.zero_();
    this.running_var?.fill_(1);
    this.num_batches_tracked?.zero_();
  }

  reset_parameters(): void {
    this.reset_running_stats();
    if (this.weight) {
      init.ones_(this.weight);
      if (this.bias) init.zeros_(this.bias);
    }
  }

  protected abstract _check_input_dim(input: Tensor): void;

  forward(input: Tensor): Tensor {
    this._check_input_dim(input);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.track_running_stats && this.num_batches_tracked) {
      this.num_batches_tracked.add_(1);
      // momentum null: a cumulative moving average, weighting every batch so far equally.
      factor = this.momentum === null ? 1.0 / Number(this.num_batches_tracked.item()) : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    // Running stats are used in eval mode, and updated in training mode when they are tracked.
    const useStats = !this.training || this.track_running_stats;
    return F.batch_norm(input, useStats ? this.running_mean : null, useStats ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: bnTraining, momentum: factor, eps: this.eps,
    });
  }

  extra_repr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.num_features}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyStr(this.affine)}, ` +
      `${biasRepr(this.bias)}track_running_stats=${pyStr(this.track_running_stats)}`;
  }
}

/** new nn.BatchNorm1d(num_features, { eps, momentum, affine, track_running_stats }) over (N, C) or (N, C, L). */
export class BatchNorm1d extends _BatchNorm {
  constructor(num_features: number, ...args: BatchNormArg[]) {
    super('BatchNorm1d', num_features, args);
  }
  protected _check_input_dim(input: Tensor): void {
    const d = input.dim();
    if (d !== 2 && d !== 3) throw new RangeError(`expected 2D or 3D input (got ${d}D input)`);
  }
}

/** new nn.BatchNorm2d(num_features, { eps, momentum, affine, track_running_stats }) over (N, C, H, W). */
export class BatchNorm2d extends _BatchNorm {
  constructor(num_features: number, ...args: BatchNormArg[]) {
    super('BatchNorm2d', num_features, args);
  }
  protected _check_input_dim(input: Tensor): void {
    const d = input.dim();
    if (d !== 4) throw new RangeError(`expected 4D input (got ${d}D input)`);
  }
}

/** new nn.BatchNorm3d(num_features, { eps, momentum, affine, track_running_stats }) over (N, C, D, H, W). */
export class BatchNorm3d extends _BatchNorm {
  constructor(num_features: number, ...args: BatchNormArg[]) {
    super('BatchNorm3d', num_features, args);
  }
  protected _check_input_dim(input: Tensor): void {
    const d = input.dim();
    if (d !== 5) throw new RangeError(`expected 5D input (got ${d}D input)`);
  }
}

export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  elementwise_affine?: boolean;
  /** LibTorch 2.1+'s option: false drops the bias while keeping the weight. */
  bias?: boolean;
}

/** new nn.LayerNorm(normalized_shape, { eps, elementwise_affine, bias }) over the last dims. */
export class LayerNorm extends Module {
  normalized_shape: number[];
  eps: number;
  elementwise_affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalized_shape: number | number[], ...args: (number | boolean | LayerNormOptions)[]) {
    super();
    const [eps, elementwise_affine, bias, device, dtype] = params('LayerNorm', args, ['eps', 'elementwise_affine', 'bias', 'device', 'dtype']);
    const factory = factoryOptions({ device, dtype } as FactoryOptions);
    this.normalized_shape = Array.isArray(normalized_shape) ? normalized_shape.slice() : [normalized_shape];
    this.eps = (eps ?? 1e-5) as number;
    this.elementwise_affine = (elementwise_affine ?? true) as boolean;
    this.weight = this.elementwise_affine ? newParameter(this.normalized_shape, factory) : null;
    this.bias = this.elementwise_affine && (bias ?? true) ? newParameter(this.normalized_shape, factory) : null;
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return F.layer_norm(input, this.normalized_shape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  extra_repr(): string {
    return `${pyStr(this.normalized_shape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyStr(this.elementwise_affine)}${biasRepr(this.bias, ', ', '')}`;
  }
}

export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  affine?: boolean;
  /** PyTorch 2.x's keyword: false drops the bias while keeping the weight. */
  bias?: boolean;
}

/** new nn.GroupNorm(num_groups, num_channels, { eps, affine, bias }) */
export class GroupNorm extends Module {
  num_groups: number;
  num_channels: number;
  eps: number;
  affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(num_groups: number, num_channels: number, ...args: (number | boolean | GroupNormOptions)[]) {
    super();
    if (num_channels % num_groups !== 0) throw new RangeError('num_channels must be divisible by num_groups');
    const [eps, affine, device, dtype, bias] = params('GroupNorm', args, ['eps', 'affine', 'device', 'dtype', 'bias']);
    const factory = factoryOptions({ device, dtype } as FactoryOptions);
    this.num_groups = num_groups;
    this.num_channels = num_channels;
    this.eps = (eps ?? 1e-5) as number;
    this.affine = (affine ?? true) as boolean;
    this.weight = this.affine ? newParameter([num_channels], factory) : null;
    this.bias = this.affine && (bias ?? true) ? newParameter([num_channels], factory) : null;
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return F.group_norm(input, this.num_groups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${pyFloat(this.eps)}, affine=${pyStr(this.affine)}${biasRepr(this.bias, ', ', '')}`;
  }
}
