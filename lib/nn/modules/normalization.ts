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

/**
 * The keyword arguments of `nn.BatchNorm1d/2d/3d`, as in PyTorch; `eps`, `momentum`, `affine` and
 * `track_running_stats` may also be given positionally after `num_features`.
 */
export interface BatchNormOptions extends FactoryOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** Weight of the current batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Whether the module has a learnable weight and bias (default true). */
  affine?: boolean;
  /** Whether to keep running mean and variance for eval mode (default true). */
  track_running_stats?: boolean;
  /** PyTorch 2.x's keyword: false drops the bias while keeping the weight (default true). */
  bias?: boolean;
}

type BatchNormArg = number | boolean | null | BatchNormOptions;

/**
 * PyTorch's `_BatchNorm`, the base of the BatchNorm modules: parameters `weight`/`bias`, buffers
 * `running_mean`, `running_var` and `num_batches_tracked`, under PyTorch's names.
 */
export abstract class _BatchNorm extends Module {
  /** Number of channels (C). */
  num_features: number;
  /** Added to the variance for numerical stability. */
  eps: number;
  /** Running-statistics momentum; null for a cumulative average. */
  momentum: number | null;
  /** Whether there is a learnable weight and bias. */
  affine: boolean;
  /** Whether running statistics are kept. */
  track_running_stats: boolean;
  /** Per-channel scale (ones at start), or null without `affine`. */
  weight: Parameter | null;
  /** Per-channel shift (zeros at start), or null. */
  bias: Parameter | null;
  /** Running mean per channel (a buffer), or null without `track_running_stats`. */
  declare running_mean: Tensor | null;
  /** Running variance per channel (a buffer), or null. */
  declare running_var: Tensor | null;
  /** Number of training batches seen (an int64 buffer), or null. */
  declare num_batches_tracked: Tensor | null;

  /** Called by the subclasses with their name, for messages. */
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

  /** Resets the running mean to 0, variance to 1 and the batch count to 0. */
  reset_running_stats(): void {
    if (!this.track_running_stats) return;
    this.running_mean?.zero_();
    this.running_var?.fill_(1);
    this.num_batches_tracked?.zero_();
  }

  /** Resets the running statistics, the weight to ones and the bias to zeros. */
  reset_parameters(): void {
    this.reset_running_stats();
    if (this.weight) {
      init.ones_(this.weight);
      if (this.bias) init.zeros_(this.bias);
    }
  }

  /**
   * Throws a RangeError unless the input has this module's rank.
   * @internal
   */
  protected abstract _check_input_dim(input: Tensor): void;

  /**
   * Normalises `input` with batch statistics (training) or the running ones (eval), updating the
   * running statistics in training.
   */
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

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.num_features}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyStr(this.affine)}, ` +
      `${biasRepr(this.bias)}track_running_stats=${pyStr(this.track_running_stats)}`;
  }
}

/**
 * Batch normalization over (N, C) or (N, C, L) input: each channel normalised by the batch's mean and
 * variance
 * (running estimates in eval mode), then scaled and shifted.
 *
 * `new nn.BatchNorm1d(num_features, eps?, momentum?, affine?, track_running_stats?)` or with those, `bias`,
 * `device` and `dtype` in an options object ({@link BatchNormOptions}), as PyTorch's keyword arguments.
 *
 * @see [torch.nn.BatchNorm1d](https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html)
 */
export class BatchNorm1d extends _BatchNorm {
  /** `num_features` (C), then PyTorch's positional arguments or a {@link BatchNormOptions}. */
  constructor(num_features: number, ...args: BatchNormArg[]) {
    super('BatchNorm1d', num_features, args);
  }
  /** @internal */
  protected _check_input_dim(input: Tensor): void {
    const d = input.dim();
    if (d !== 2 && d !== 3) throw new RangeError(`expected 2D or 3D input (got ${d}D input)`);
  }
}

/**
 * Batch normalization over (N, C, H, W) input: each channel normalised by the batch's mean and variance
 * (running estimates in eval mode), then scaled and shifted.
 *
 * `new nn.BatchNorm2d(num_features, eps?, momentum?, affine?, track_running_stats?)` or with those, `bias`,
 * `device` and `dtype` in an options object ({@link BatchNormOptions}), as PyTorch's keyword arguments.
 *
 * @see [torch.nn.BatchNorm2d](https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html)
 */
export class BatchNorm2d extends _BatchNorm {
  /** `num_features` (C), then PyTorch's positional arguments or a {@link BatchNormOptions}. */
  constructor(num_features: number, ...args: BatchNormArg[]) {
    super('BatchNorm2d', num_features, args);
  }
  /** @internal */
  protected _check_input_dim(input: Tensor): void {
    const d = input.dim();
    if (d !== 4) throw new RangeError(`expected 4D input (got ${d}D input)`);
  }
}

/**
 * Batch normalization over (N, C, D, H, W) input: each channel normalised by the batch's mean and variance
 * (running estimates in eval mode), then scaled and shifted.
 *
 * `new nn.BatchNorm3d(num_features, eps?, momentum?, affine?, track_running_stats?)` or with those, `bias`,
 * `device` and `dtype` in an options object ({@link BatchNormOptions}), as PyTorch's keyword arguments.
 *
 * @see [torch.nn.BatchNorm3d](https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm3d.html)
 */
export class BatchNorm3d extends _BatchNorm {
  /** `num_features` (C), then PyTorch's positional arguments or a {@link BatchNormOptions}. */
  constructor(num_features: number, ...args: BatchNormArg[]) {
    super('BatchNorm3d', num_features, args);
  }
  /** @internal */
  protected _check_input_dim(input: Tensor): void {
    const d = input.dim();
    if (d !== 5) throw new RangeError(`expected 5D input (got ${d}D input)`);
  }
}

/**
 * The keyword arguments of `nn.LayerNorm`, as in PyTorch; `eps`, `elementwise_affine` and `bias`
 * may also be given positionally.
 */
export interface LayerNormOptions extends FactoryOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** Whether there is a learnable per-element weight and bias (default true). */
  elementwise_affine?: boolean;
  /** False drops the bias while keeping the weight (default true; LibTorch 2.1+). */
  bias?: boolean;
}

/**
 * Layer normalization: normalises over the last dimensions (`normalized_shape`) of each sample,
 * then scales and shifts per element.
 *
 * `new nn.LayerNorm(normalized_shape, eps?, elementwise_affine?, bias?)` or with those, `device`
 * and `dtype` in an options object ({@link LayerNormOptions}).
 *
 * @see [torch.nn.LayerNorm](https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html)
 */
export class LayerNorm extends Module {
  /** The trailing shape normalised over. */
  normalized_shape: number[];
  /** Added to the variance for numerical stability. */
  eps: number;
  /** Whether there is a learnable weight and bias. */
  elementwise_affine: boolean;
  /** Per-element scale (ones at start), or null. */
  weight: Parameter | null;
  /** Per-element shift (zeros at start), or null. */
  bias: Parameter | null;

  /**
   * The trailing shape (a number for the last dimension), then PyTorch's positional arguments or a
   * {@link LayerNormOptions}.
   */
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

  /** Resets the weight to ones and the bias to zeros. */
  reset_parameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  /** Normalises `input` over its last `normalized_shape.length` dimensions. */
  forward(input: Tensor): Tensor {
    return F.layer_norm(input, this.normalized_shape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `${pyStr(this.normalized_shape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyStr(this.elementwise_affine)}${biasRepr(this.bias, ', ', '')}`;
  }
}

/**
 * The keyword arguments of `nn.GroupNorm`, as in PyTorch; `eps` and `affine` may also be given
 * positionally.
 */
export interface GroupNormOptions extends FactoryOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** Whether there is a learnable per-channel weight and bias (default true). */
  affine?: boolean;
  /** PyTorch 2.x's keyword: false drops the bias while keeping the weight (default true). */
  bias?: boolean;
}

/**
 * Group normalization: splits the channels into `num_groups` groups and normalises each group of
 * each sample, then scales and shifts per channel.
 *
 * `new nn.GroupNorm(num_groups, num_channels, eps?, affine?)` or with those, `bias`, `device` and
 * `dtype` in an options object ({@link GroupNormOptions}).
 *
 * @see [torch.nn.GroupNorm](https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html)
 */
export class GroupNorm extends Module {
  /** Number of channel groups. */
  num_groups: number;
  /** Number of channels (C), a multiple of `num_groups`. */
  num_channels: number;
  /** Added to the variance for numerical stability. */
  eps: number;
  /** Whether there is a learnable weight and bias. */
  affine: boolean;
  /** Per-channel scale (ones at start), or null. */
  weight: Parameter | null;
  /** Per-channel shift (zeros at start), or null. */
  bias: Parameter | null;

  /** The group and channel counts, then PyTorch's positional arguments or a {@link GroupNormOptions}. */
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

  /** Resets the weight to ones and the bias to zeros. */
  reset_parameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  /** Normalises `input` (N, C, *) per sample and channel group. */
  forward(input: Tensor): Tensor {
    return F.group_norm(input, this.num_groups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${pyFloat(this.eps)}, affine=${pyStr(this.affine)}${biasRepr(this.bias, ', ', '')}`;
  }
}
