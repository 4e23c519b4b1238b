// Pooling layers, after torch/nn/modules/pooling.py. Like PyTorch they keep the arguments as
// given (an int stays an int), which is what their repr shows.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import * as F from '../functional/layers';
import { Ints, pyStr } from './utils';

export interface MaxPoolOptions<R extends boolean = boolean> {
  stride?: Ints | null;
  padding?: Ints;
  dilation?: Ints;
  return_indices?: R;
  ceil_mode?: boolean;
}

/** forward's result: the pooled tensor, or [pooled, indices] with return_indices: true. */
export type MaxPoolResult<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

abstract class _MaxPoolNd<R extends boolean> extends Module {
  kernel_size: Ints;
  stride: Ints;
  padding: Ints;
  dilation: Ints;
  return_indices: R;
  ceil_mode: boolean;

  constructor(name: string, kernel_size: Ints, args: unknown[]) {
    super();
    const [stride, padding, dilation, return_indices, ceil_mode] = params(name, args, ['stride', 'padding', 'dilation', 'return_indices', 'ceil_mode']);
    this.kernel_size = kernel_size;
    this.stride = (stride ?? kernel_size) as Ints;
    this.padding = (padding ?? 0) as Ints;
    this.dilation = (dilation ?? 1) as Ints;
    this.return_indices = (return_indices ?? false) as R;
    this.ceil_mode = (ceil_mode ?? false) as boolean;
  }

  protected pool(fn: typeof F.max_pool1d | typeof F.max_pool2d, input: Tensor): MaxPoolResult<R> {
    return (fn as (...a: unknown[]) => unknown)(input, this.kernel_size, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, ceil_mode: this.ceil_mode, return_indices: this.return_indices,
    }) as MaxPoolResult<R>;
  }

  extra_repr(): string {
    return `kernel_size=${pyStr(this.kernel_size)}, stride=${pyStr(this.stride)}, padding=${pyStr(this.padding)}, dilation=${pyStr(this.dilation)}, ceil_mode=${pyStr(this.ceil_mode)}`;
  }
}

type MaxPoolArg<R extends boolean> = Ints | boolean | null | MaxPoolOptions<R>;

/** new nn.MaxPool1d(kernel_size, stride = kernel_size, { padding, dilation, return_indices, ceil_mode }) */
export class MaxPool1d<R extends boolean = false> extends _MaxPoolNd<R> {
  constructor(kernel_size: Ints, ...args: MaxPoolArg<R>[]) {
    super('MaxPool1d', kernel_size, args);
  }
  forward(input: Tensor): MaxPoolResult<R> {
    return this.pool(F.max_pool1d, input);
  }
}

/** new nn.MaxPool2d(kernel_size, stride = kernel_size, { padding, dilation, return_indices, ceil_mode }) */
export class MaxPool2d<R extends boolean = false> extends _MaxPoolNd<R> {
  constructor(kernel_size: Ints, ...args: MaxPoolArg<R>[]) {
    super('MaxPool2d', kernel_size, args);
  }
  forward(input: Tensor): MaxPoolResult<R> {
    return this.pool(F.max_pool2d, input);
  }
}

export interface AvgPoolOptions {
  stride?: Ints | null;
  padding?: Ints;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** new nn.AvgPool2d(kernel_size, stride = kernel_size, { padding, ceil_mode, count_include_pad, divisor_override }) */
export class AvgPool2d extends Module {
  kernel_size: Ints;
  stride: Ints;
  padding: Ints;
  ceil_mode: boolean;
  count_include_pad: boolean;
  divisor_override: number | null;

  constructor(kernel_size: Ints, ...args: (Ints | boolean | null | AvgPoolOptions)[]) {
    super();
    const [stride, padding, ceil_mode, count_include_pad, divisor_override] = params('AvgPool2d', args,
      ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']);
    this.kernel_size = kernel_size;
    this.stride = (stride ?? kernel_size) as Ints;
    this.padding = (padding ?? 0) as Ints;
    this.ceil_mode = (ceil_mode ?? false) as boolean;
    this.count_include_pad = (count_include_pad ?? true) as boolean;
    this.divisor_override = (divisor_override ?? null) as number | null;
  }

  forward(input: Tensor): Tensor {
    return F.avg_pool2d(input, this.kernel_size, {
      stride: this.stride, padding: this.padding, ceil_mode: this.ceil_mode,
      count_include_pad: this.count_include_pad, divisor_override: this.divisor_override,
    });
  }

  extra_repr(): string {
    return `kernel_size=${pyStr(this.kernel_size)}, stride=${pyStr(this.stride)}, padding=${pyStr(this.padding)}`;
  }
}

/** new nn.AdaptiveAvgPool2d(output_size): output_size is n or [h, w]; null keeps that input size. */
export class AdaptiveAvgPool2d extends Module {
  output_size: number | (number | null)[];

  constructor(output_size: number | (number | null)[]) {
    super();
    this.output_size = output_size;
  }

  forward(input: Tensor): Tensor {
    return F.adaptive_avg_pool2d(input, this.output_size);
  }

  extra_repr(): string {
    return `output_size=${pyStr(this.output_size)}`;
  }
}
