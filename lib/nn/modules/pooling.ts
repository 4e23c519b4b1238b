// Pooling layers, after torch/nn/modules/pooling.py. Like PyTorch they keep the arguments as
// given (an int stays an int), which is what their repr shows.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import * as F from '../functional/layers';
import { Ints, pyStr } from './utils';

/**
 * The keyword arguments of `nn.MaxPool1d/2d`, as in PyTorch; `R` is the type of `return_indices`,
 * which decides what `forward` returns.
 */
export interface MaxPoolOptions<R extends boolean = boolean> {
  /** Window step (default, or null: `kernel_size`). */
  stride?: Ints | null;
  /** Implicit -inf padding on both sides (default 0). */
  padding?: Ints;
  /** Spacing between window elements (default 1). */
  dilation?: Ints;
  /** Also return the argmax indices, for `nn.MaxUnpool` (default false). */
  return_indices?: R;
  /** Round the output size up instead of down (default false). */
  ceil_mode?: boolean;
}

/** forward's result: the pooled tensor, or [pooled, indices] with return_indices: true. */
export type MaxPoolResult<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

/** The base of the MaxPool modules, PyTorch's `_MaxPoolNd`. */
abstract class _MaxPoolNd<R extends boolean> extends Module {
  /** Window size, as given. */
  kernel_size: Ints;
  /** Window step, as given (`kernel_size` by default). */
  stride: Ints;
  /** Padding, as given. */
  padding: Ints;
  /** Dilation, as given. */
  dilation: Ints;
  /** Whether `forward` also returns the indices. */
  return_indices: R;
  /** Whether output sizes round up. */
  ceil_mode: boolean;

  /** Called by the subclasses with their name, for messages. */
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

  /** @internal */
  protected pool(fn: typeof F.max_pool1d | typeof F.max_pool2d, input: Tensor): MaxPoolResult<R> {
    return (fn as (...a: unknown[]) => unknown)(input, this.kernel_size, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, ceil_mode: this.ceil_mode, return_indices: this.return_indices,
    }) as MaxPoolResult<R>;
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `kernel_size=${pyStr(this.kernel_size)}, stride=${pyStr(this.stride)}, padding=${pyStr(this.padding)}, dilation=${pyStr(this.dilation)}, ceil_mode=${pyStr(this.ceil_mode)}`;
  }
}

type MaxPoolArg<R extends boolean> = Ints | boolean | null | MaxPoolOptions<R>;

/**
 * 1-D max pooling: the maximum over each `kernel_size` window.
 *
 * `new nn.MaxPool1d(kernel_size, stride?, padding?, dilation?, return_indices?, ceil_mode?)` or with
 * those after `kernel_size` in an options object ({@link MaxPoolOptions}), as PyTorch's keyword
 * arguments. `stride` defaults to `kernel_size`. With `return_indices: true`, `forward` returns
 * `[output, indices]` (typed so), an array where PyTorch has a tuple.
 *
 * @see [torch.nn.MaxPool1d](https://pytorch.org/docs/stable/generated/torch.nn.MaxPool1d.html)
 */
export class MaxPool1d<R extends boolean = false> extends _MaxPoolNd<R> {
  /** `kernel_size`, then PyTorch's positional arguments or a {@link MaxPoolOptions}. */
  constructor(kernel_size: Ints, ...args: MaxPoolArg<R>[]) {
    super('MaxPool1d', kernel_size, args);
  }
  /** Pools (N, C, L) or (C, L) input. */
  forward(input: Tensor): MaxPoolResult<R> {
    return this.pool(F.max_pool1d, input);
  }
}

/**
 * 2-D max pooling: the maximum over each `kernel_size` window.
 *
 * `new nn.MaxPool2d(kernel_size, stride?, padding?, dilation?, return_indices?, ceil_mode?)` or with
 * those after `kernel_size` in an options object ({@link MaxPoolOptions}), as PyTorch's keyword
 * arguments. `stride` defaults to `kernel_size`. With `return_indices: true`, `forward` returns
 * `[output, indices]` (typed so), an array where PyTorch has a tuple.
 *
 * @see [torch.nn.MaxPool2d](https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html)
 */
export class MaxPool2d<R extends boolean = false> extends _MaxPoolNd<R> {
  /** `kernel_size`, then PyTorch's positional arguments or a {@link MaxPoolOptions}. */
  constructor(kernel_size: Ints, ...args: MaxPoolArg<R>[]) {
    super('MaxPool2d', kernel_size, args);
  }
  /** Pools (N, C, H, W) or (C, H, W) input. */
  forward(input: Tensor): MaxPoolResult<R> {
    return this.pool(F.max_pool2d, input);
  }
}

/** The keyword arguments of `nn.AvgPool2d`, as in PyTorch. */
export interface AvgPoolOptions {
  /** Window step (default, or null: `kernel_size`). */
  stride?: Ints | null;
  /** Implicit zero padding on both sides (default 0). */
  padding?: Ints;
  /** Round the output size up instead of down (default false). */
  ceil_mode?: boolean;
  /** Count the zero padding in the averages (default true). */
  count_include_pad?: boolean;
  /** A divisor to use instead of the window size (default null). */
  divisor_override?: number | null;
}

/**
 * 2-D average pooling: the mean over each `kernel_size` window.
 *
 * `new nn.AvgPool2d(kernel_size, stride?, padding?, ceil_mode?, count_include_pad?,
 * divisor_override?)` or with those after `kernel_size` in an options object ({@link AvgPoolOptions}).
 *
 * @see [torch.nn.AvgPool2d](https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html)
 */
export class AvgPool2d extends Module {
  /** Window size, as given. */
  kernel_size: Ints;
  /** Window step, as given. */
  stride: Ints;
  /** Padding, as given. */
  padding: Ints;
  /** Whether output sizes round up. */
  ceil_mode: boolean;
  /** Whether padding counts in the averages. */
  count_include_pad: boolean;
  /** The divisor override, or null. */
  divisor_override: number | null;

  /** `kernel_size`, then PyTorch's positional arguments or an {@link AvgPoolOptions}. */
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

  /** Pools (N, C, H, W) or (C, H, W) input. */
  forward(input: Tensor): Tensor {
    return F.avg_pool2d(input, this.kernel_size, {
      stride: this.stride, padding: this.padding, ceil_mode: this.ceil_mode,
      count_include_pad: this.count_include_pad, divisor_override: this.divisor_override,
    });
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `kernel_size=${pyStr(this.kernel_size)}, stride=${pyStr(this.stride)}, padding=${pyStr(this.padding)}`;
  }
}

/**
 * 2-D adaptive average pooling: averages into a fixed output size whatever the input size.
 *
 * `new nn.AdaptiveAvgPool2d(output_size)`: a number for a square output or `[h, w]`, where `null`
 * keeps that input dimension (PyTorch's `None`).
 *
 * @see [torch.nn.AdaptiveAvgPool2d](https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html)
 */
export class AdaptiveAvgPool2d extends Module {
  /** The output size, as given. */
  output_size: number | (number | null)[];

  /** The output size: `n` or `[h, w]`, `null` keeping an input dimension. */
  constructor(output_size: number | (number | null)[]) {
    super();
    this.output_size = output_size;
  }

  /** Pools (N, C, H, W) or (C, H, W) input to `output_size`. */
  forward(input: Tensor): Tensor {
    return F.adaptive_avg_pool2d(input, this.output_size);
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    return `output_size=${pyStr(this.output_size)}`;
  }
}
