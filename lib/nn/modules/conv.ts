// nn.Conv1d/2d/3d and nn.ConvTranspose1d/2d/3d, after torch/nn/modules/conv.py: same
// validation messages, weight layout, reset_parameters() draws and extra_repr().
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import * as F from '../functional/layers';
import { FactoryOptions, Ints, _ntuple, _reverse_repeat_tuple, newParameter, pyStr } from './utils';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface ConvOptions extends FactoryOptions {
  stride?: Ints;
  padding?: Ints | 'same' | 'valid';
  dilation?: Ints;
  groups?: number;
  bias?: boolean;
  padding_mode?: PaddingMode;
}

export interface ConvTransposeOptions extends FactoryOptions {
  stride?: Ints;
  padding?: Ints;
  output_padding?: Ints;
  groups?: number;
  bias?: boolean;
  dilation?: Ints;
  padding_mode?: 'zeros';
}

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

/** What every convolution shares (PyTorch's _ConvNd). */
export abstract class _ConvNd extends Module {
  in_channels: number;
  out_channels: number;
  kernel_size: number[];
  stride: number[];
  padding: number[] | 'same' | 'valid';
  dilation: number[];
  transposed: boolean;
  output_padding: number[];
  groups: number;
  padding_mode: string;
  /** F.pad's argument when padding_mode is not 'zeros': padding for each side, last dim first. */
  _reversed_padding_repeated_twice: number[];
  weight: Parameter;
  bias: Parameter | null;

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
type ConvArg = Ints | string | boolean | ConvOptions;

function convConfig(name: string, args: ConvArg[]): ConvConfig {
  const [stride, padding, dilation, groups, bias, padding_mode, device, dtype] = params(name, args, CONV_ARGS);
  return {
    stride: (stride ?? 1) as Ints, padding: (padding ?? 0) as Ints, dilation: (dilation ?? 1) as Ints, transposed: false,
    output_padding: 0, groups: (groups ?? 1) as number, bias: (bias ?? true) as boolean,
    padding_mode: (padding_mode ?? 'zeros') as string, factory: { device, dtype } as FactoryOptions,
  };
}

abstract class _Conv extends _ConvNd {
  protected abstract convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor;

  _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
    const o = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.padding_mode !== 'zeros') {
      const padded = F.pad(input, this._reversed_padding_repeated_twice, { mode: this.padding_mode });
      return this.convFn(padded, weight, bias, { ...o, padding: 0 });
    }
    return this.convFn(input, weight, bias, { ...o, padding: this.padding });
  }

  forward(input: Tensor): Tensor {
    return this._conv_forward(input, this.weight, this.bias);
  }
}

/** new nn.Conv1d(in_channels, out_channels, kernel_size, { stride, padding, dilation, groups, bias, padding_mode }) */
export class Conv1d extends _Conv {
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvArg[]) {
    super(1, in_channels, out_channels, kernel_size, convConfig('Conv1d', args));
  }
  protected convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor {
    return F.conv1d(input, weight, bias, o);
  }
}

/** new nn.Conv2d(in_channels, out_channels, kernel_size, { stride, padding, dilation, groups, bias, padding_mode }) */
export class Conv2d extends _Conv {
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvArg[]) {
    super(2, in_channels, out_channels, kernel_size, convConfig('Conv2d', args));
  }
  protected convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor {
    return F.conv2d(input, weight, bias, o);
  }
}

/** new nn.Conv3d(in_channels, out_channels, kernel_size, { stride, padding, dilation, groups, bias, padding_mode }) */
export class Conv3d extends _Conv {
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvArg[]) {
    super(3, in_channels, out_channels, kernel_size, convConfig('Conv3d', args));
  }
  protected convFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvFnOptions): Tensor {
    return F.conv3d(input, weight, bias, o);
  }
}

// ---- transposed ---------------------------------------------------------------------------------

const CONV_T_ARGS = ['stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'padding_mode', 'device', 'dtype'];
type ConvTArg = Ints | string | boolean | ConvTransposeOptions;

function convTransposeConfig(name: string, args: ConvTArg[]): ConvConfig {
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
  protected abstract readonly spatialDims: number;
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

/** new nn.ConvTranspose1d(in_channels, out_channels, kernel_size, { stride, padding, output_padding, groups, bias, dilation }) */
export class ConvTranspose1d extends _ConvTransposeNd {
  protected readonly spatialDims = 1;
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvTArg[]) {
    super(1, in_channels, out_channels, kernel_size, convTransposeConfig('ConvTranspose1d', args));
  }
  protected convTFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvTransposeFnOptions): Tensor {
    return F.conv_transpose1d(input, weight, bias, o);
  }
}

/** new nn.ConvTranspose2d(in_channels, out_channels, kernel_size, { stride, padding, output_padding, groups, bias, dilation }) */
export class ConvTranspose2d extends _ConvTransposeNd {
  protected readonly spatialDims = 2;
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvTArg[]) {
    super(2, in_channels, out_channels, kernel_size, convTransposeConfig('ConvTranspose2d', args));
  }
  protected convTFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvTransposeFnOptions): Tensor {
    return F.conv_transpose2d(input, weight, bias, o);
  }
}

/** new nn.ConvTranspose3d(in_channels, out_channels, kernel_size, { stride, padding, output_padding, groups, bias, dilation }) */
export class ConvTranspose3d extends _ConvTransposeNd {
  protected readonly spatialDims = 3;
  constructor(in_channels: number, out_channels: number, kernel_size: Ints, ...args: ConvTArg[]) {
    super(3, in_channels, out_channels, kernel_size, convTransposeConfig('ConvTranspose3d', args));
  }
  protected convTFn(input: Tensor, weight: Tensor, bias: Tensor | null, o: F.ConvTransposeFnOptions): Tensor {
    return F.conv_transpose3d(input, weight, bias, o);
  }
}
