// nn.Conv1d/2d/3d and nn.ConvTranspose1d/2d/3d, after torch/nn/modules/conv.py: same
// validation messages, weight layout, reset_parameters() draws and extra_repr().
import { Tensor } from '../../tensor';
import { params, type PyArgs } from '../../args';
import type { DeviceLike } from '../../device';
import type { DTypeLike } from '../../dtype';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import * as F from '../functional/layers';
import { FactoryOptions, Ints, _ntuple, _reverse_repeat_tuple, newParameter, pyStr } from './utils';

/** How a convolution pads its input: with zeros, or by reflecting, replicating or wrapping it. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Conv1d/2d/3d keyword arguments (PyTorch's, same defaults). */
export interface ConvOptions extends FactoryOptions {
  /** Stride of the convolution (default 1); one number for every dimension or one per dimension. */
  stride?: Ints;
  /** Implicit padding on both sides (default 0), or 'valid' (none) / 'same' (output size = input size, stride 1 only). */
  padding?: Ints | 'same' | 'valid';
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
  /** Blocked connections from input to output channels (default 1); divides both channel counts. */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Padding mode (default 'zeros'). */
  padding_mode?: PaddingMode;
}

/** ConvTranspose1d/2d/3d keyword arguments (PyTorch's, same defaults). */
export interface ConvTransposeOptions extends FactoryOptions {
  /** Stride of the convolution (default 1). */
  stride?: Ints;
  /** dilation * (kernel_size - 1) - padding zeros are added to both sides of the input (default 0). */
  padding?: Ints;
  /** Extra size added to one side of the output (default 0). */
  output_padding?: Ints;
  /** Blocked connections from input to output channels (default 1). */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
  /** Only 'zeros', as in PyTorch. */
  padding_mode?: 'zeros';
}

/**
 * Conv1d/2d/3d's arguments after kernel_size, positionally in PyTorch's order (stride, padding,
 * dilation, groups, bias, padding_mode, device, dtype), then an options object.
 */
export type ConvArgs = PyArgs<
  [stride: Ints, padding: Ints | 'same' | 'valid', dilation: Ints, groups: number, bias: boolean, padding_mode: PaddingMode, device: DeviceLike | null, dtype: DTypeLike | null],
  ConvOptions
>;

/**
 * ConvTranspose1d/2d/3d's arguments after kernel_size, positionally in PyTorch's order (stride,
 * padding, output_padding, groups, bias, dilation, padding_mode, device, dtype), then options.
 */
export type ConvTransposeArgs = PyArgs<
  [stride: Ints, padding: Ints, output_padding: Ints, groups: number, bias: boolean, dilation: Ints, padding_mode: 'zeros', device: DeviceLike | null, dtype: DTypeLike | null],
  ConvTransposeOptions
>;

const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

interface ConvConfig {
  stride: Ints;
  padding: Ints | 'same' | 'valid';
  dilation: Ints;
  transposed: boolean;
  output_padding: Ints;
  groups: number;
  bias: boolean;
  padding_mode: string;
  factory: FactoryOptions;
}

/** What every convolution shares (PyTorch's _ConvNd); the fields are PyTorch's attributes, as normalised tuples. */
export abstract class _ConvNd extends Module {
  /** Channels of the input (C_in). */
  in_channels: number;
  /** Channels of the output (C_out). */
  out_channels: number;
  /** Kernel size per spatial dimension (a number argument is repeated for each dimension). */
  kernel_size: number[];
  /** Stride per spatial dimension. */
  stride: number[];
  /** Implicit padding per spatial dimension, or the string 'same' / 'valid' as given. */
  padding: number[] | 'same' | 'valid';
  /** Spacing between kernel elements per spatial dimension. */
  dilation: number[];
  /** True for ConvTranspose*d; decides the weight layout. */
  transposed: boolean;
  /** Extra output size on one side per spatial dimension (all zeros for Conv*d). */
  output_padding: number[];
  /** Number of blocked groups of channels. */
  groups: number;
  /** 'zeros', 'reflect', 'replicate' or 'circular'. */
  padding_mode: string;
  /** F.pad's argument when padding_mode is not 'zeros': padding for each side, last dim first. */
  _reversed_padding_repeated_twice: number[];
  /**
   * The learnable kernel: [out_channels, in_channels / groups, ...kernel_size] for Conv*d,
   * [in_channels, out_channels / groups, ...kernel_size] for ConvTranspose*d.
   */
  weight: Parameter;
  /** The learnable bias of shape [out_channels], or null when built with `bias: false`. */
  bias: Parameter | null;

  /**
   * Validates and normalises the shared arguments, allocates weight and bias and draws them
   * (reset_parameters()). Subclasses pass their number of spatial dimensions `n`.
   */
  protected constructor(n: number, in_channels: number, out_channels: number, kernel_size: Ints, c: ConvConfig) {
    super();
    const { groups } = c;
    if (!Number.isInteger(groups) || groups <= 0) throw new RangeError('groups must be a positive integer');
    if (in_channels % groups !== 0) throw new RangeError('in_channels must be divisible by groups');
    if (out_channels % groups !== 0) throw new RangeError('out_channels must be divisible by groups');
    const stride = _ntuple(n, c.stride, 'stride');
    const dilation = _ntuple(n, c.dilation, 'dilation');
    const kernel = _ntuple(n, kernel_size, 'kernel_size');
    if (typeof c.padding === 'string') {
      if (c.padding !== 'same' && c.padding !== 'valid') {
        throw new RangeError(`Invalid padding string '${c.padding}', should be one of ['valid', 'same']`);
      }
      if (c.padding === 'same' && stride.some((s) => s !== 1)) {
        throw new RangeError("padding='same' is not supported for strided convolutions");
      }
    }
    if (!PADDING_MODES.includes(c.padding_mode)) {
      throw new RangeError(`padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got padding_mode='${c.padding_mode}'`);
    }
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = kernel;
    this.stride = stride;
    this.padding = typeof c.padding === 'string' ? c.padding : _ntuple(n, c.padding, 'padding');
    this.dilation = dilation;
    this.transposed = c.transposed;
    this.output_padding = _ntuple(n, c.output_padding, 'output_padding');
    this.groups = groups;
    this.padding_mode = c.padding_mode;
    this._reversed_padding_repeated_twice = reversedPadding(this.padding, kernel, dilation);
    const shape = c.transposed
      ? [in_channels, out_channels / groups, ...kernel]
      : [out_channels, in_channels / groups, ...kernel];
    this.weight = newParameter(shape, c.factory);
    this.bias = c.bias ? newParameter([out_channels], c.factory) : null;
    this.reset_parameters();
  }

  /** Draws weight and bias anew, as PyTorch's reset_parameters (same draws for the same seed). */
  reset_parameters(): void {
    // kaiming_uniform_ with a = sqrt(5) is U(-1/sqrt(k), 1/sqrt(k)), k = fan_in, as in PyTorch.
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }

  /** The constructor arguments that differ from the defaults, as PyTorch prints them. */
  extra_repr(): string {
    let s = `${this.in_channels}, ${this.out_channels}, kernel_size=${pyStr(this.kernel_size)}, stride=${pyStr(this.stride)}`;
    const p = this.padding;
    if (typeof p === 'string') s += `, padding=${p}`;
    else if (p.some((v) => v !== 0)) s += `, padding=${pyStr(p)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyStr(this.dilation)}`;
    if (this.output_padding.some((v) => v !== 0)) s += `, output_padding=${pyStr(this.output_padding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.padding_mode !== 'zeros') s += `, padding_mode=${this.padding_mode}`;
    return s;
  }
}

function reversedPadding(padding: number[] | 'same' | 'valid', kernel: number[], dilation: number[]): number[] {
  if (padding === 'valid') return new Array<number>(kernel.length * 2).fill(0);
  if (padding === 'same') {
    // 'same' may be lopsided for even kernels: the extra element goes on the right, as in PyTorch.
    const out: number[] = [];
    for (let i = kernel.length - 1; i >= 0; i--) {
      const total = dilation[i] * (kernel[i] - 1);
      const left = Math.floor(total / 2);
      out.push(left, total - left);
    }
    return out;
  }
  return _reverse_repeat_tuple(padding, 2);
}

const CONV_ARGS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode', 'device', 'dtype'];
function convConfig(name: string, args: ConvArgs): ConvConfig {
  const [stride, padding, dilation, groups, bias, padding_mode, device, dtype] = params(name, args, CONV_ARGS);
  return {
    stride: (stride ?? 1) as Ints, padding: (padding ?? 0) as Ints, dilation: (dilation ?? 1) as Ints, transposed: false,
    output_padding: 0, groups: (groups ?? 1) as number, bias: (bias ?? true) as boolean,
    padding_mode: (padding_mode ?? 'zeros') as string, factory: { device, dtype } as FactoryOptions,
  };
}

abstract class _Conv extends _ConvNd {
  /** @internal The functional convolution of this dimensionality (F.conv1d/2d/3d). */
  protected abstract convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor;

  /** @internal The convolution with the given weight and bias (PyTorch's _conv_forward). */
  _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
    const o = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.padding_mode !== 'zeros') {
      const padded = F.pad(input, this._reversed_padding_repeated_twice, { mode: this.padding_mode });
      return this.convFn(padded, weight, bias, { ...o, padding: 0 });
    }
    return this.convFn(input, weight, bias, { ...o, padding: this.padding });
  }

  /** The convolution of input ([N, C_in, ...] or unbatched [C_in, ...]). */
  forward(input: Tensor): Tensor {
    return this._conv_forward(input, this.weight, this.bias);
  }
}

/**
 * A 1-D convolution over an input of several channels (PyTorch's nn.Conv1d).
 *
 * `new nn.Conv1d(in_channels, out_channels, kernel_size, { stride, padding, dilation, groups, bias, padding_mode, device, dtype })`;
 * the keywords may also be given positionally, in PyTorch's order. Same weights as PyTorch for the same seed.
 *
 * @see [torch.nn.Conv1d](https://pytorch.org/docs/stable/generated/torch.nn.Conv1d.html)
 */
export class Conv1d extends _Conv {
  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in_channels Channels of the input.
   * @param out_channels Channels produced by the convolution.
   * @param kernel_size Size of the kernel: one number for every dimension, or 1 number.
   * @param args PyTorch's keyword arguments (stride=1, padding=0, dilation=1, groups=1, bias=true,
   *   padding_mode='zeros', device, dtype) positionally in PyTorch's order, or as a trailing options object.
   */
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvArgs) {
    super(1, in_channels, out_channels, kernel_size, convConfig('Conv1d', args));
  }
  /** @internal */
  protected convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor {
    return F.conv1d(input, weight, bias, o);
  }
}

/**
 * A 2-D convolution over an input of several channels (PyTorch's nn.Conv2d).
 *
 * `new nn.Conv2d(in_channels, out_channels, kernel_size, { stride, padding, dilation, groups, bias, padding_mode, device, dtype })`;
 * the keywords may also be given positionally, in PyTorch's order. Same weights as PyTorch for the same seed.
 *
 * @see [torch.nn.Conv2d](https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html)
 */
export class Conv2d extends _Conv {
  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in_channels Channels of the input.
   * @param out_channels Channels produced by the convolution.
   * @param kernel_size Size of the kernel: one number for every dimension, or 2 numbers.
   * @param args PyTorch's keyword arguments (stride=1, padding=0, dilation=1, groups=1, bias=true,
   *   padding_mode='zeros', device, dtype) positionally in PyTorch's order, or as a trailing options object.
   */
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvArgs) {
    super(2, in_channels, out_channels, kernel_size, convConfig('Conv2d', args));
  }
  /** @internal */
  protected convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor {
    return F.conv2d(input, weight, bias, o);
  }
}

/**
 * A 3-D convolution over an input of several channels (PyTorch's nn.Conv3d).
 *
 * `new nn.Conv3d(in_channels, out_channels, kernel_size, { stride, padding, dilation, groups, bias, padding_mode, device, dtype })`;
 * the keywords may also be given positionally, in PyTorch's order. Same weights as PyTorch for the same seed.
 *
 * @see [torch.nn.Conv3d](https://pytorch.org/docs/stable/generated/torch.nn.Conv3d.html)
 */
export class Conv3d extends _Conv {
  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in_channels Channels of the input.
   * @param out_channels Channels produced by the convolution.
   * @param kernel_size Size of the kernel: one number for every dimension, or 3 numbers.
   * @param args PyTorch's keyword arguments (stride=1, padding=0, dilation=1, groups=1, bias=true,
   *   padding_mode='zeros', device, dtype) positionally in PyTorch's order, or as a trailing options object.
   */
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvArgs) {
    super(3, in_channels, out_channels, kernel_size, convConfig('Conv3d', args));
  }
  /** @internal */
  protected convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor {
    return F.conv3d(input, weight, bias, o);
  }
}

// ---- transposed ---------------------------------------------------------------------------------

const CONV_T_ARGS = ['stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'padding_mode', 'device', 'dtype'];
function convTransposeConfig(name: string, args: ConvTransposeArgs): ConvConfig {
  const [stride, padding, output_padding, groups, bias, dilation, padding_mode, device, dtype] = params(name, args, CONV_T_ARGS);
  const mode = (padding_mode ?? 'zeros') as string;
  if (mode !== 'zeros') throw new RangeError(`Only "zeros" padding mode is supported for ${name}`);
  if (typeof padding === 'string') throw new TypeError(`${name}: padding must be an int or a list of ints, not '${padding}'`);
  return {
    stride: (stride ?? 1) as Ints, padding: (padding ?? 0) as Ints, dilation: (dilation ?? 1) as Ints, transposed: true,
    output_padding: (output_padding ?? 0) as Ints, groups: (groups ?? 1) as number, bias: (bias ?? true) as boolean,
    padding_mode: mode, factory: { device, dtype } as FactoryOptions,
  };
}

abstract class _ConvTransposeNd extends _ConvNd {
  /** @internal Number of spatial dimensions (1, 2 or 3). */
  protected abstract readonly spatialDims: number;
  /** @internal The functional transposed convolution of this dimensionality (F.conv_transposeNd). */
  protected abstract convTFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvTransposeFnOptions): Tensor;

  /** The output_padding that makes the output output_size (spatial, or with batch and channel dims). */
  _output_padding(input: Tensor, output_size: number[] | null | undefined): number[] {
    if (output_size == null) return this.output_padding;
    const n = this.spatialDims;
    const shape = input.shape;
    const nonSpatial = input.dim() === n + 2 ? 2 : 1;
    let size = output_size;
    if (size.length === nonSpatial + n) size = size.slice(nonSpatial);
    if (size.length !== n) {
      throw new RangeError(`ConvTranspose${n}D: for ${input.dim()}D input, output_size must have ${n} or ${nonSpatial + n} elements (got ${output_size.length})`);
    }
    const pad = this.padding as number[];
    const minSizes = [...Array(n).keys()].map((d) =>
      (shape[d + nonSpatial] - 1) * this.stride[d] - 2 * pad[d] + this.dilation[d] * (this.kernel_size[d] - 1) + 1);
    const maxSizes = minSizes.map((m, d) => m + this.stride[d] - 1);
    size.forEach((s, i) => {
      if (s < minSizes[i] || s > maxSizes[i]) {
        throw new RangeError(`requested an output size of [${size.join(', ')}], but valid sizes range from [${minSizes.join(', ')}] to [${maxSizes.join(', ')}] (for an input of torch.Size([${shape.slice(2).join(', ')}]))`);
      }
    });
    return size.map((s, d) => s - minSizes[d]);
  }

  /** forward(input, output_size?): output_size picks among the sizes a strided transpose can give. */
  forward(input: Tensor, output_size?: number[] | null): Tensor {
    const output_padding = this._output_padding(input, output_size);
    return this.convTFn(input, this.weight, this.bias, {
      stride: this.stride, padding: this.padding as number[], output_padding, groups: this.groups, dilation: this.dilation,
    });
  }
}

/**
 * A 1-D transposed convolution (the gradient of Conv1d with respect to its input; PyTorch's nn.ConvTranspose1d).
 *
 * `new nn.ConvTranspose1d(in_channels, out_channels, kernel_size, { stride, padding, output_padding, groups, bias, dilation, device, dtype })`;
 * the keywords may also be given positionally, in PyTorch's order. forward(input, output_size?) as in PyTorch.
 * Same weights as PyTorch for the same seed.
 *
 * @see [torch.nn.ConvTranspose1d](https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose1d.html)
 */
export class ConvTranspose1d extends _ConvTransposeNd {
  /** @internal */
  protected readonly spatialDims = 1;
  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in_channels Channels of the input.
   * @param out_channels Channels produced by the convolution.
   * @param kernel_size Size of the kernel: one number for every dimension, or 1 number.
   * @param args PyTorch's keyword arguments (stride=1, padding=0, output_padding=0, groups=1, bias=true,
   *   dilation=1, padding_mode='zeros', device, dtype) positionally in PyTorch's order, or as a trailing
   *   options object. padding_mode accepts only 'zeros' (as in PyTorch) and padding only numbers.
   */
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvTransposeArgs) {
    super(1, in_channels, out_channels, kernel_size, convTransposeConfig('ConvTranspose1d', args));
  }
  /** @internal */
  protected convTFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvTransposeFnOptions): Tensor {
    return F.conv_transpose1d(input, weight, bias, o);
  }
}

/**
 * A 2-D transposed convolution (the gradient of Conv2d with respect to its input; PyTorch's nn.ConvTranspose2d).
 *
 * `new nn.ConvTranspose2d(in_channels, out_channels, kernel_size, { stride, padding, output_padding, groups, bias, dilation, device, dtype })`;
 * the keywords may also be given positionally, in PyTorch's order. forward(input, output_size?) as in PyTorch.
 * Same weights as PyTorch for the same seed.
 *
 * @see [torch.nn.ConvTranspose2d](https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose2d.html)
 */
export class ConvTranspose2d extends _ConvTransposeNd {
  /** @internal */
  protected readonly spatialDims = 2;
  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in_channels Channels of the input.
   * @param out_channels Channels produced by the convolution.
   * @param kernel_size Size of the kernel: one number for every dimension, or 2 numbers.
   * @param args PyTorch's keyword arguments (stride=1, padding=0, output_padding=0, groups=1, bias=true,
   *   dilation=1, padding_mode='zeros', device, dtype) positionally in PyTorch's order, or as a trailing
   *   options object. padding_mode accepts only 'zeros' (as in PyTorch) and padding only numbers.
   */
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvTransposeArgs) {
    super(2, in_channels, out_channels, kernel_size, convTransposeConfig('ConvTranspose2d', args));
  }
  /** @internal */
  protected convTFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvTransposeFnOptions): Tensor {
    return F.conv_transpose2d(input, weight, bias, o);
  }
}

/**
 * A 3-D transposed convolution (the gradient of Conv3d with respect to its input; PyTorch's nn.ConvTranspose3d).
 *
 * `new nn.ConvTranspose3d(in_channels, out_channels, kernel_size, { stride, padding, output_padding, groups, bias, dilation, device, dtype })`;
 * the keywords may also be given positionally, in PyTorch's order. forward(input, output_size?) as in PyTorch.
 * Same weights as PyTorch for the same seed.
 *
 * @see [torch.nn.ConvTranspose3d](https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose3d.html)
 */
export class ConvTranspose3d extends _ConvTransposeNd {
  /** @internal */
  protected readonly spatialDims = 3;
  /**
   * Creates the layer and draws weight and bias as PyTorch does.
   *
   * @param in_channels Channels of the input.
   * @param out_channels Channels produced by the convolution.
   * @param kernel_size Size of the kernel: one number for every dimension, or 3 numbers.
   * @param args PyTorch's keyword arguments (stride=1, padding=0, output_padding=0, groups=1, bias=true,
   *   dilation=1, padding_mode='zeros', device, dtype) positionally in PyTorch's order, or as a trailing
   *   options object. padding_mode accepts only 'zeros' (as in PyTorch) and padding only numbers.
   */
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvTransposeArgs) {
    super(3, in_channels, out_channels, kernel_size, convTransposeConfig('ConvTranspose3d', args));
  }
  /** @internal */
  protected convTFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvTransposeFnOptions): Tensor {
    return F.conv_transpose3d(input, weight, bias, o);
  }
}
