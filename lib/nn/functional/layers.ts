// torch.nn.functional: the stateless forms of the standard layers and activations. Each one
// calls the ATen operator PyTorch's own functional.py calls, so numerics, autograd and the RNG
// stream (dropout) are PyTorch's. Optional arguments go positionally or in a trailing options
// object, as Python's keyword arguments do: F.max_pool2d(x, 2, { stride: 1 }).
import { Tensor } from '../../tensor';
import { DTypeLike } from '../../dtype';
import { params } from '../../args';
import { warn } from '../../warnings';
import { no_grad } from '../../autograd';
import * as torch from '../../generated/torch_functions';
import * as _nn from '../../generated/nn_functions';
import { Ints, checkProbability } from '../modules/utils';
import { requireTensor, optionalTensor } from './check';

type Opts = Record<string, unknown>;

// ---- linear -------------------------------------------------------------------------------------

/**
 * linear(input, weight, bias?): input @ weight.T + bias
 *
 * Takes the same arguments as in Python.
 *
 * @see [torch.nn.functional.linear](https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html)
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return _nn.linear(requireTensor(input, 'input'), requireTensor(weight, 'weight'), optionalTensor(bias, 'bias'));
}

/**
 * bilinear(input1, input2, weight, bias?): x1^T A x2 + b per output feature
 *
 * Takes the same arguments as in Python.
 *
 * @see [torch.nn.functional.bilinear](https://pytorch.org/docs/stable/generated/torch.nn.functional.bilinear.html)
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return torch.bilinear(requireTensor(input1, 'input1'), requireTensor(input2, 'input2'), requireTensor(weight, 'weight'),
    optionalTensor(bias, 'bias'));
}

// ---- convolution --------------------------------------------------------------------------------

/**
 * A convolution's padding: numbers (one, or one per dimension), `'same'` (output as large as the
 * input, stride 1 only) or `'valid'` (no padding), as in PyTorch.
 */
export type ConvPadding = Ints | 'same' | 'valid';
/**
 * The keyword arguments of `F.conv1d/2d/3d`, as in PyTorch; they may also be given positionally after
 * `weight`.
 */
export interface ConvFnOptions {
  /** Bias added to the output (default none). */
  bias?: Tensor | null;
  /** Window or kernel step (default 1; for pooling, null or absent: `kernel_size`). */
  stride?: Ints;
  /** Implicit zero padding: numbers, or `'same'` / `'valid'` (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
}

// bias is positional-or-keyword, as in Python: F.conv2d(x, w, { stride: 2 }) has no bias.
// torch.convNd takes the `.padding` overload for a padding string and the plain one for ints.
const CONV = { conv1d: torch.conv1d, conv2d: torch.conv2d, conv3d: torch.conv3d } as Record<string, (...args: unknown[]) => Tensor>;

function convNd(name: 'conv1d' | 'conv2d' | 'conv3d', input: Tensor, weight: Tensor, args: unknown[]): Tensor {
  const [bias, stride, padding, dilation, groups] = params(name, args, ['bias', 'stride', 'padding', 'dilation', 'groups']);
  const x = requireTensor(input, 'input');
  const w = requireTensor(weight, 'weight');
  const b = optionalTensor(bias, 'bias');
  if (typeof padding === 'string' && padding !== 'same' && padding !== 'valid') {
    throw new RangeError(`Invalid padding string '${padding}', should be one of ['valid', 'same']`);
  }
  return CONV[name](x, w, b, stride ?? 1, padding ?? 0, dilation ?? 1, groups ?? 1);
}

/**
 * 1-D convolution (cross-correlation) of (N, C_in, L) input with a (C_out, C_in / groups, k) weight.
 * `conv1d(input, weight, bias?, stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.conv1d](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv1d.html)
 */
export function conv1d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | string | ConvFnOptions)[]): Tensor {
  return convNd('conv1d', input, weight, args);
}
/**
 * 2-D convolution (cross-correlation) of (N, C_in, H, W) input with a (C_out, C_in / groups, kH, kW) weight.
 * `conv2d(input, weight, bias?, stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.conv2d](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html)
 */
export function conv2d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | string | ConvFnOptions)[]): Tensor {
  return convNd('conv2d', input, weight, args);
}
/**
 * 3-D convolution (cross-correlation) of (N, C_in, D, H, W) input.
 * `conv3d(input, weight, bias?, stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.conv3d](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv3d.html)
 */
export function conv3d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | string | ConvFnOptions)[]): Tensor {
  return convNd('conv3d', input, weight, args);
}

/**
 * The keyword arguments of `F.conv_transpose1d/2d/3d`, as in PyTorch; they may also be given positionally
 * after `weight`.
 */
export interface ConvTransposeFnOptions {
  /** Bias added to the output (default none). */
  bias?: Tensor | null;
  /** Window or kernel step (default 1; for pooling, null or absent: `kernel_size`). */
  stride?: Ints;
  /** Implicit padding on both sides (default 0). */
  padding?: Ints;
  /** Extra size added to one side of each output dimension (default 0). */
  output_padding?: Ints;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
}

const CONV_TRANSPOSE = {
  conv_transpose1d: torch.conv_transpose1d, conv_transpose2d: torch.conv_transpose2d, conv_transpose3d: torch.conv_transpose3d,
} as Record<string, (...args: unknown[]) => Tensor>;

function convTransposeNd(name: 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d', input: Tensor, weight: Tensor, args: unknown[]): Tensor {
  // Python's order: groups comes before dilation here, unlike convNd.
  const [bias, stride, padding, output_padding, groups, dilation] = params(name, args, ['bias', 'stride', 'padding', 'output_padding', 'groups', 'dilation']);
  return CONV_TRANSPOSE[name](requireTensor(input, 'input'), requireTensor(weight, 'weight'), optionalTensor(bias, 'bias'),
    stride ?? 1, padding ?? 0, output_padding ?? 0, groups ?? 1, dilation ?? 1);
}

/**
 * 1-D transposed convolution (the gradient of conv1d with respect to its input).
 * conv_transpose1d(input, weight, bias?, stride = 1, padding = 0, output_padding = 0, groups = 1, dilation =
 * 1)
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.conv_transpose1d](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv_transpose1d.html)
 */
export function conv_transpose1d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | ConvTransposeFnOptions)[]): Tensor {
  return convTransposeNd('conv_transpose1d', input, weight, args);
}
/**
 * 2-D transposed convolution (the gradient of conv2d with respect to its input).
 * conv_transpose2d(input, weight, bias?, stride = 1, padding = 0, output_padding = 0, groups = 1, dilation =
 * 1)
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.conv_transpose2d](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv_transpose2d.html)
 */
export function conv_transpose2d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | ConvTransposeFnOptions)[]): Tensor {
  return convTransposeNd('conv_transpose2d', input, weight, args);
}
/**
 * 3-D transposed convolution (the gradient of conv3d with respect to its input).
 * conv_transpose3d(input, weight, bias?, stride = 1, padding = 0, output_padding = 0, groups = 1, dilation =
 * 1)
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.conv_transpose3d](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv_transpose3d.html)
 */
export function conv_transpose3d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | ConvTransposeFnOptions)[]): Tensor {
  return convTransposeNd('conv_transpose3d', input, weight, args);
}

// ---- pooling ------------------------------------------------------------------------------------

/**
 * The keyword arguments of `F.max_pool1d/2d`, as in PyTorch; they may also be given positionally after
 * `kernel_size`.
 */
export interface MaxPoolFnOptions {
  /** Window or kernel step (default 1; for pooling, null or absent: `kernel_size`). */
  stride?: Ints | null;
  /** Implicit -inf padding on both sides (default 0). */
  padding?: Ints;
  /** Spacing between kernel elements (default 1). */
  dilation?: Ints;
  /** Round output sizes up instead of down (default false). */
  ceil_mode?: boolean;
  /** Also return the argmax indices (default false). */
  return_indices?: boolean;
}
type MaxPoolArg = Ints | boolean | null | MaxPoolFnOptions;

type PoolFn<R> = (input: Tensor, kernel_size: Ints, stride: Ints, padding: Ints, dilation: Ints, ceil_mode: boolean) => R;
const MAX_POOL = {
  max_pool1d: [torch.max_pool1d, torch.max_pool1d_with_indices],
  max_pool2d: [torch.max_pool2d, _nn.max_pool2d_with_indices],
} as unknown as Record<string, [PoolFn<Tensor>, PoolFn<[Tensor, Tensor]>]>;

function maxPool(name: 'max_pool1d' | 'max_pool2d', input: Tensor, kernel_size: Ints, args: unknown[]): Tensor | [Tensor, Tensor] {
  const [stride, padding, dilation, ceil_mode, return_indices] = params(name, args, ['stride', 'padding', 'dilation', 'ceil_mode', 'return_indices']);
  const x = requireTensor(input, 'input');
  const [pool, poolWithIndices] = MAX_POOL[name];
  // An empty stride tells ATen to use kernel_size, which is PyTorch's default.
  const rest = [kernel_size, (stride ?? []) as Ints, (padding ?? 0) as Ints, (dilation ?? 1) as Ints, (ceil_mode ?? false) as boolean] as const;
  if (return_indices) {
    const [out, indices] = poolWithIndices(x, ...rest);
    return [out, indices];
  }
  return pool(x, ...rest);
}

/**
 * 1-D max pooling: the maximum over each window; `[output, indices]` with `return_indices: true`.
 * max_pool1d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1, ceil_mode = false,
 * return_indices = false)
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.max_pool1d](https://pytorch.org/docs/stable/generated/torch.nn.functional.max_pool1d.html)
 */
export function max_pool1d(input: Tensor, kernel_size: Ints, options: MaxPoolFnOptions & { return_indices: true }): [Tensor, Tensor];
/** `max_pool1d` without `return_indices: true`: the pooled tensor alone. */
export function max_pool1d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor;
export function max_pool1d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor | [Tensor, Tensor] {
  return maxPool('max_pool1d', input, kernel_size, args);
}
/**
 * 2-D max pooling: the maximum over each window; `[output, indices]` with `return_indices: true`.
 * max_pool2d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1, ceil_mode = false,
 * return_indices = false)
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.max_pool2d](https://pytorch.org/docs/stable/generated/torch.nn.functional.max_pool2d.html)
 */
export function max_pool2d(input: Tensor, kernel_size: Ints, options: MaxPoolFnOptions & { return_indices: true }): [Tensor, Tensor];
/** `max_pool2d` without `return_indices: true`: the pooled tensor alone. */
export function max_pool2d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor;
export function max_pool2d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor | [Tensor, Tensor] {
  return maxPool('max_pool2d', input, kernel_size, args);
}
/**
 * max_pool1d_with_indices(...): [output, indices]
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.max_pool1d_with_indices](https://pytorch.org/docs/stable/generated/torch.nn.functional.max_pool1d_with_indices.html)
 */
export function max_pool1d_with_indices(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): [Tensor, Tensor] {
  return maxPool('max_pool1d', input, kernel_size, mergeOptions(args, { return_indices: true })) as [Tensor, Tensor];
}
/**
 * max_pool2d_with_indices(...): [output, indices]
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.max_pool2d_with_indices](https://pytorch.org/docs/stable/generated/torch.nn.functional.max_pool2d_with_indices.html)
 */
export function max_pool2d_with_indices(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): [Tensor, Tensor] {
  return maxPool('max_pool2d', input, kernel_size, mergeOptions(args, { return_indices: true })) as [Tensor, Tensor];
}

function mergeOptions(args: unknown[], extra: Opts): unknown[] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && !Array.isArray(last) && !(last instanceof Tensor)) {
    return [...args.slice(0, -1), { ...(last as Opts), ...extra }];
  }
  return [...args, extra];
}

/**
 * The keyword arguments of `F.avg_pool2d`, as in PyTorch; they may also be given positionally after
 * `kernel_size`.
 */
export interface AvgPoolFnOptions {
  /** Window or kernel step (default 1; for pooling, null or absent: `kernel_size`). */
  stride?: Ints | null;
  /** Implicit padding on both sides (default 0). */
  padding?: Ints;
  /** Round output sizes up instead of down (default false). */
  ceil_mode?: boolean;
  /** Count the zero padding in the averages (default true). */
  count_include_pad?: boolean;
  /** A divisor to use instead of the window size (default null). */
  divisor_override?: number | null;
}

/**
 * 2-D average pooling: the mean over each window.
 * avg_pool2d(input, kernel_size, stride = kernel_size, padding = 0, ceil_mode = false, count_include_pad =
 * true, divisor_override = null)
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.avg_pool2d](https://pytorch.org/docs/stable/generated/torch.nn.functional.avg_pool2d.html)
 */
export function avg_pool2d(input: Tensor, kernel_size: Ints, ...args: (Ints | boolean | null | AvgPoolFnOptions)[]): Tensor {
  const [stride, padding, ceil_mode, count_include_pad, divisor_override] = params('avg_pool2d', args,
    ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']);
  return _nn.avg_pool2d(requireTensor(input, 'input'), kernel_size, (stride ?? []) as Ints, (padding ?? 0) as Ints,
    (ceil_mode ?? false) as boolean, (count_include_pad ?? true) as boolean, (divisor_override ?? null) as number | null);
}

/**
 * adaptive_avg_pool2d(input, output_size): output_size is n or [h, w], where null keeps the input's size.
 *
 * Takes the same arguments as in Python.
 *
 * @see [torch.nn.functional.adaptive_avg_pool2d](https://pytorch.org/docs/stable/generated/torch.nn.functional.adaptive_avg_pool2d.html)
 */
export function adaptive_avg_pool2d(input: Tensor, output_size: number | (number | null)[]): Tensor {
  const x = requireTensor(input, 'input');
  let size: number[];
  if (Array.isArray(output_size)) {
    const shape = input.shape;
    size = output_size.map((s, i) => s ?? shape[shape.length - output_size.length + i]);
  } else {
    size = [output_size, output_size];
  }
  return _nn.adaptive_avg_pool2d(x, size);
}

// ---- normalization ------------------------------------------------------------------------------

function verifyBatchSize(size: number[]): void {
  let prod = size[0];
  for (let i = 2; i < size.length; i++) prod *= size[i];
  if (prod === 1) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size torch.Size([${size.join(', ')}])`);
  }
}

/**
 * The keyword arguments of `F.batch_norm`, as in PyTorch; they may also be given positionally after
 * `running_var`.
 */
export interface BatchNormFnOptions {
  /** Per-channel scale (default none). */
  weight?: Tensor | null;
  /** Per-channel shift (default none). */
  bias?: Tensor | null;
  /** Use the batch statistics and update the running ones (default false). */
  training?: boolean;
  /** Weight of the current batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
}

/**
 * batch_norm(input, running_mean, running_var, weight?, bias?, training = false, momentum = 0.1, eps = 1e-5).
 * In training mode the running statistics (when given) are updated in place.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.batch_norm](https://pytorch.org/docs/stable/generated/torch.nn.functional.batch_norm.html)
 */
export function batch_norm(input: Tensor, running_mean: Tensor | null, running_var: Tensor | null,
  ...args: (Tensor | null | boolean | number | BatchNormFnOptions)[]): Tensor {
  const [weight, bias, training, momentum, eps] = params('batch_norm', args, ['weight', 'bias', 'training', 'momentum', 'eps']);
  const x = requireTensor(input, 'input');
  if (training) verifyBatchSize(x.shape);
  return torch.batch_norm(x, optionalTensor(weight, 'weight'), optionalTensor(bias, 'bias'), optionalTensor(running_mean, 'running_mean'),
    optionalTensor(running_var, 'running_var'), Boolean(training), (momentum ?? 0.1) as number, (eps ?? 1e-5) as number, true);
}

/** The keyword arguments of `F.layer_norm` and `F.group_norm`, as in PyTorch. */
export interface LayerNormFnOptions {
  /** Element-wise scale over `normalized_shape` (or per channel, for group_norm) (default none). */
  weight?: Tensor | null;
  /** Element-wise shift (default none). */
  bias?: Tensor | null;
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
}

/**
 * layer_norm(input, normalized_shape, weight?, bias?, eps = 1e-5) over the last dimensions.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.layer_norm](https://pytorch.org/docs/stable/generated/torch.nn.functional.layer_norm.html)
 */
export function layer_norm(input: Tensor, normalized_shape: Ints, ...args: (Tensor | null | number | LayerNormFnOptions)[]): Tensor {
  const [weight, bias, eps] = params('layer_norm', args, ['weight', 'bias', 'eps']);
  const shape = Array.isArray(normalized_shape) ? normalized_shape : [normalized_shape];
  return torch.layer_norm(requireTensor(input, 'input'), shape, optionalTensor(weight, 'weight'), optionalTensor(bias, 'bias'),
    { eps: (eps ?? 1e-5) as number, cudnn_enable: true });
}

/**
 * Group normalization: normalises each group of channels of each sample, then scales and shifts per channel.
 * `group_norm(input, num_groups, weight?, bias?, eps = 1e-5)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.group_norm](https://pytorch.org/docs/stable/generated/torch.nn.functional.group_norm.html)
 */
export function group_norm(input: Tensor, num_groups: number, ...args: (Tensor | null | number | LayerNormFnOptions)[]): Tensor {
  const [weight, bias, eps] = params('group_norm', args, ['weight', 'bias', 'eps']);
  const size = input.shape;
  if (size.length < 2) throw new RangeError(`Expected at least 2 dimensions for input tensor but received ${size.length}`);
  verifyBatchSize([Math.floor((size[0] * size[1]) / num_groups), num_groups, ...size.slice(2)]);
  return torch.group_norm(requireTensor(input, 'input'), num_groups, optionalTensor(weight, 'weight'), optionalTensor(bias, 'bias'),
    { eps: (eps ?? 1e-5) as number, cudnn_enabled: true });
}

// ---- dropout and embedding ----------------------------------------------------------------------

/** The keyword arguments of `F.dropout`, as in PyTorch. */
export interface DropoutFnOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Apply dropout (default true); false returns the input. */
  training?: boolean;
  /** Modify the input in place (default false). */
  inplace?: boolean;
}

/**
 * dropout(input, p = 0.5, training = true, inplace = false): ATen's dropout, so masks match PyTorch's for a
 * seed.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.dropout](https://pytorch.org/docs/stable/generated/torch.nn.functional.dropout.html)
 */
export function dropout(input: Tensor, ...args: (number | boolean | DropoutFnOptions)[]): Tensor {
  const [p, training, inplace] = params('dropout', args, ['p', 'training', 'inplace']);
  const prob = (p ?? 0.5) as number;
  checkProbability(prob);
  const train = (training ?? true) as boolean;
  const x = requireTensor(input, 'input');
  if (inplace) {
    torch.dropout_(x, prob, train);
    return x;
  }
  return torch.dropout(x, prob, train);
}


/** The keyword arguments of `F.embedding`, as in PyTorch; they may also be given positionally after `weight`. */
export interface EmbeddingFnOptions {
  /** A row whose gradient is not accumulated (default none). */
  padding_idx?: number | null;
  /** Renormalise looked-up rows whose norm exceeds this, in place (default none). */
  max_norm?: number | null;
  /** The p of the norm for `max_norm` (default 2). */
  norm_type?: number;
  /** Scale gradients by the inverse frequency of the indices (default false). */
  scale_grad_by_freq?: boolean;
  /** Sparse gradient for the weight (default false). */
  sparse?: boolean;
}

/**
 * Looks up rows of `weight` by the integer indices in `input`.
 * embedding(input, weight, padding_idx?, max_norm?, norm_type = 2, scale_grad_by_freq = false, sparse =
 * false)
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.embedding](https://pytorch.org/docs/stable/generated/torch.nn.functional.embedding.html)
 */
export function embedding(input: Tensor, weight: Tensor, ...args: (number | boolean | null | EmbeddingFnOptions)[]): Tensor {
  const [padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse] = params('embedding', args,
    ['padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse']);
  const num = weight.size(0);
  let pad = -1;
  if (padding_idx != null) {
    pad = padding_idx as number;
    if (pad >= num || pad < -num) throw new RangeError('Padding_idx must be within num_embeddings');
    if (pad < 0) pad += num;
  }
  let indices = requireTensor(input, 'input');
  const w = requireTensor(weight, 'weight');
  if (max_norm != null) {
    // Renormalises the rows being looked up, in place and outside autograd, as PyTorch does.
    const contiguous = indices.contiguous();
    indices = contiguous;
    no_grad(() => torch.embedding_renorm_(w, contiguous, max_norm as number, (norm_type ?? 2) as number));
  }
  return torch.embedding(w, indices, pad, (scale_grad_by_freq ?? false) as boolean, (sparse ?? false) as boolean);
}

/**
 * one_hot(tensor, num_classes = -1): int64 one-hot rows; -1 infers the count from the largest value.
 *
 * Takes the same arguments as in Python.
 *
 * @see [torch.nn.functional.one_hot](https://pytorch.org/docs/stable/generated/torch.nn.functional.one_hot.html)
 */
export function one_hot(tensor: Tensor, num_classes = -1): Tensor {
  return _nn.one_hot(requireTensor(tensor, 'tensor'), num_classes);
}

/**
 * pad(input, pad, mode = 'constant', value = 0): pad lists [left, right, top, bottom, ...] from the last dim.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.pad](https://pytorch.org/docs/stable/generated/torch.nn.functional.pad.html)
 */
export function pad(input: Tensor, pad: number[], ...args: (string | number | null | { mode?: string; value?: number | null })[]): Tensor {
  const [mode, value] = params('pad', args, ['mode', 'value']);
  if (!Array.isArray(pad) || pad.length % 2 !== 0) throw new RangeError('Padding length must be divisible by 2');
  if (pad.length / 2 > input.dim()) throw new RangeError('Padding length too large');
  const m = (mode ?? 'constant') as string;
  if (m === 'constant') return torch.constant_pad_nd(requireTensor(input, 'input'), pad, (value ?? 0) as number);
  if (!['reflect', 'replicate', 'circular'].includes(m)) throw new RangeError(`Unrecognised padding mode ${m}`);
  return _nn.pad(requireTensor(input, 'input'), pad, m, (value ?? null) as number | null);
}

// ---- activations --------------------------------------------------------------------------------

/**
 * The rectified linear unit, max(0, x), element-wise. `relu(input, inplace = false)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.relu](https://pytorch.org/docs/stable/generated/torch.nn.functional.relu.html)
 */
export function relu(input: Tensor, ...args: (boolean | { inplace?: boolean })[]): Tensor {
  const [inplace] = params('relu', args, ['inplace']);
  const x = requireTensor(input, 'input');
  return inplace ? x.relu_() : x.relu();
}

/**
 * The Gaussian error linear unit, x * Phi(x), exact or tanh-approximated. `gelu(input, { approximate: 'none' | 'tanh' })`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.gelu](https://pytorch.org/docs/stable/generated/torch.nn.functional.gelu.html)
 */
export function gelu(input: Tensor, ...args: (string | { approximate?: 'none' | 'tanh' })[]): Tensor {
  const [approximate] = params('gelu', args, ['approximate']);
  const a = (approximate ?? 'none') as string;
  if (a !== 'none' && a !== 'tanh') throw new RangeError(`approximate argument must be either none or tanh.`);
  return _nn.gelu(requireTensor(input, 'input'), { approximate: a });
}

/**
 * The sigmoid linear unit (swish), x * sigmoid(x), element-wise. `silu(input, inplace = false)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.silu](https://pytorch.org/docs/stable/generated/torch.nn.functional.silu.html)
 */
export function silu(input: Tensor, ...args: (boolean | { inplace?: boolean })[]): Tensor {
  const [inplace] = params('silu', args, ['inplace']);
  const x = requireTensor(input, 'input');
  if (inplace) {
    _nn.silu_(x);
    return x;
  }
  return _nn.silu(x);
}

/**
 * tanh(input): the hyperbolic tangent, element-wise.
 *
 * Takes the same arguments as in Python.
 *
 * @see [torch.nn.functional.tanh](https://pytorch.org/docs/stable/generated/torch.nn.functional.tanh.html)
 */
export function tanh(input: Tensor): Tensor {
  return requireTensor(input, 'input').tanh();
}

/**
 * sigmoid(input): the logistic sigmoid 1 / (1 + exp(-x)), element-wise.
 *
 * Takes the same arguments as in Python.
 *
 * @see [torch.nn.functional.sigmoid](https://pytorch.org/docs/stable/generated/torch.nn.functional.sigmoid.html)
 */
export function sigmoid(input: Tensor): Tensor {
  return requireTensor(input, 'input').sigmoid();
}

/**
 * The leaky ReLU: x for x >= 0, negative_slope * x otherwise. `leaky_relu(input, negative_slope = 0.01, inplace = false)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.leaky_relu](https://pytorch.org/docs/stable/generated/torch.nn.functional.leaky_relu.html)
 */
export function leaky_relu(input: Tensor, ...args: (number | boolean | { negative_slope?: number; inplace?: boolean })[]): Tensor {
  const [negative_slope, inplace] = params('leaky_relu', args, ['negative_slope', 'inplace']);
  const x = requireTensor(input, 'input');
  const slope = (negative_slope ?? 0.01) as number;
  if (inplace) {
    _nn.leaky_relu_(x, slope);
    return x;
  }
  return _nn.leaky_relu(x, slope);
}

/**
 * softplus(input, beta = 1, threshold = 20): log(1 + exp(beta * x)) / beta, linear above threshold.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.softplus](https://pytorch.org/docs/stable/generated/torch.nn.functional.softplus.html)
 */
export function softplus(input: Tensor, ...args: (number | { beta?: number; threshold?: number })[]): Tensor {
  const [beta, threshold] = params('softplus', args, ['beta', 'threshold']);
  return _nn.softplus(requireTensor(input, 'input'), (beta ?? 1) as number, (threshold ?? 20) as number);
}

/**
 * The exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise. `elu(input, alpha = 1.0, inplace = false)`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.elu](https://pytorch.org/docs/stable/generated/torch.nn.functional.elu.html)
 */
export function elu(input: Tensor, ...args: (number | boolean | { alpha?: number; inplace?: boolean })[]): Tensor {
  const [alpha, inplace] = params('elu', args, ['alpha', 'inplace']);
  const x = requireTensor(input, 'input');
  const a = (alpha ?? 1.0) as number;
  if (inplace) {
    _nn.elu_(x, a);
    return x;
  }
  return _nn.elu(x, a);
}

/**
 * PyTorch's implicit dim choice when softmax gets dim=None (deprecated there too).
 * @internal
 */
export function _get_softmax_dim(name: string, ndim: number): number {
  warn(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/** The keyword arguments of `F.softmax` and `F.log_softmax`, as in PyTorch. */
export interface SoftmaxFnOptions {
  /** The dimension along which to normalise; null picks the legacy implicit one, with a warning. */
  dim?: number | null;
  /** Cast the input to this dtype first (default none). */
  dtype?: unknown;
}

function softmaxLike(name: 'softmax' | 'log_softmax', input: Tensor, args: unknown[]): Tensor {
  const [dim, , dtype] = params(name, args, ['dim', '_stacklevel', 'dtype']);
  const x = requireTensor(input, 'input');
  const d = dim == null ? _get_softmax_dim(name, x.dim()) : (dim as number);
  return x[name](d, (dtype ?? null) as DTypeLike | null);
}

/**
 * Softmax along `dim`, so each slice sums to 1. `softmax(input, dim)` or `softmax(input, { dim, dtype })`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.softmax](https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html)
 */
export function softmax(input: Tensor, ...args: (number | null | SoftmaxFnOptions)[]): Tensor {
  return softmaxLike('softmax', input, args);
}

/**
 * log(softmax(x)) along `dim`, computed stably. `log_softmax(input, dim)` or `log_softmax(input, { dim, dtype })`.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.log_softmax](https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html)
 */
export function log_softmax(input: Tensor, ...args: (number | null | SoftmaxFnOptions)[]): Tensor {
  return softmaxLike('log_softmax', input, args);
}
