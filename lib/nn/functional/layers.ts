// torch.nn.functional: the stateless forms of the standard layers and activations. Each one
// calls the ATen operator PyTorch's own functional.py calls, so numerics, autograd and the RNG
// stream (dropout) are PyTorch's. Optional arguments go positionally or in a trailing options
// object, as Python's keyword arguments do: F.max_pool2d(x, 2, { stride: 1 }).
import { Tensor, wrap, hOf } from '../../tensor';
import { op, call } from '../../ops';
import { params } from '../../args';
import { optDtype } from '../../tensor';
import { no_grad } from '../../autograd';
import { Ints, checkProbability } from '../modules/utils';

type Opts = Record<string, unknown>;

function optH(x: unknown, name: string): number | null {
  return x == null ? null : hOf(x, name);
}

// ---- linear -------------------------------------------------------------------------------------

/** linear(input, weight, bias?): input @ weight.T + bias */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(call(op('linear').get(), hOf(input, 'input'), hOf(weight, 'weight'), optH(bias, 'bias')));
}

/** bilinear(input1, input2, weight, bias?): x1^T A x2 + b per output feature */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(call(op('bilinear').get(), hOf(input1, 'input1'), hOf(input2, 'input2'), hOf(weight, 'weight'), optH(bias, 'bias')));
}

// ---- convolution --------------------------------------------------------------------------------

export type ConvPadding = Ints | 'same' | 'valid';
export interface ConvFnOptions {
  bias?: Tensor | null;
  stride?: Ints;
  padding?: ConvPadding;
  dilation?: Ints;
  groups?: number;
}

// bias is positional-or-keyword, as in Python: F.conv2d(x, w, { stride: 2 }) has no bias.
function convNd(name: string, input: Tensor, weight: Tensor, args: unknown[]): Tensor {
  const [bias, stride, padding, dilation, groups] = params(name, args, ['bias', 'stride', 'padding', 'dilation', 'groups']);
  const ih = hOf(input, 'input');
  const wh = hOf(weight, 'weight');
  const bh = optH(bias, 'bias');
  if (typeof padding === 'string') {
    if (padding !== 'same' && padding !== 'valid') {
      throw new RangeError(`Invalid padding string '${padding}', should be one of ['valid', 'same']`);
    }
    return wrap(call(op(`${name}.padding`).get(), ih, wh, bh, stride ?? 1, padding, dilation ?? 1, groups ?? 1));
  }
  return wrap(call(op(name).get(), ih, wh, bh, stride ?? 1, padding ?? 0, dilation ?? 1, groups ?? 1));
}

/** conv1d(input, weight, bias?, stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1) */
export function conv1d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | string | ConvFnOptions)[]): Tensor {
  return convNd('conv1d', input, weight, args);
}
/** conv2d(input, weight, bias?, stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1) */
export function conv2d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | string | ConvFnOptions)[]): Tensor {
  return convNd('conv2d', input, weight, args);
}
/** conv3d(input, weight, bias?, stride = 1, padding = 0 | 'same' | 'valid', dilation = 1, groups = 1) */
export function conv3d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | string | ConvFnOptions)[]): Tensor {
  return convNd('conv3d', input, weight, args);
}

export interface ConvTransposeFnOptions {
  bias?: Tensor | null;
  stride?: Ints;
  padding?: Ints;
  output_padding?: Ints;
  groups?: number;
  dilation?: Ints;
}

function convTransposeNd(name: string, input: Tensor, weight: Tensor, args: unknown[]): Tensor {
  // Python's order: groups comes before dilation here, unlike convNd.
  const [bias, stride, padding, output_padding, groups, dilation] = params(name, args, ['bias', 'stride', 'padding', 'output_padding', 'groups', 'dilation']);
  return wrap(call(op(`${name}.input`).get(), hOf(input, 'input'), hOf(weight, 'weight'), optH(bias, 'bias'),
    stride ?? 1, padding ?? 0, output_padding ?? 0, groups ?? 1, dilation ?? 1));
}

/** conv_transpose1d(input, weight, bias?, stride = 1, padding = 0, output_padding = 0, groups = 1, dilation = 1) */
export function conv_transpose1d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | ConvTransposeFnOptions)[]): Tensor {
  return convTransposeNd('conv_transpose1d', input, weight, args);
}
/** conv_transpose2d(input, weight, bias?, stride = 1, padding = 0, output_padding = 0, groups = 1, dilation = 1) */
export function conv_transpose2d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | ConvTransposeFnOptions)[]): Tensor {
  return convTransposeNd('conv_transpose2d', input, weight, args);
}
/** conv_transpose3d(input, weight, bias?, stride = 1, padding = 0, output_padding = 0, groups = 1, dilation = 1) */
export function conv_transpose3d(input: Tensor, weight: Tensor, ...args: (Tensor | null | Ints | ConvTransposeFnOptions)[]): Tensor {
  return convTransposeNd('conv_transpose3d', input, weight, args);
}

// ---- pooling ------------------------------------------------------------------------------------

export interface MaxPoolFnOptions {
  stride?: Ints | null;
  padding?: Ints;
  dilation?: Ints;
  ceil_mode?: boolean;
  return_indices?: boolean;
}
type MaxPoolArg = Ints | boolean | null | MaxPoolFnOptions;

function maxPool(name: string, input: Tensor, kernel_size: Ints, args: unknown[]): Tensor | [Tensor, Tensor] {
  const [stride, padding, dilation, ceil_mode, return_indices] = params(name, args, ['stride', 'padding', 'dilation', 'ceil_mode', 'return_indices']);
  // An empty stride tells ATen to use kernel_size, which is PyTorch's default.
  const rest = [kernel_size, stride ?? [], padding ?? 0, dilation ?? 1, ceil_mode ?? false];
  if (return_indices) {
    const [out, indices] = call(op(`${name}_with_indices`).get(), hOf(input, 'input'), ...rest) as number[];
    return [wrap(out), wrap(indices)];
  }
  return wrap(call(op(name).get(), hOf(input, 'input'), ...rest));
}

/** max_pool1d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1, ceil_mode = false, return_indices = false) */
export function max_pool1d(input: Tensor, kernel_size: Ints, options: MaxPoolFnOptions & { return_indices: true }): [Tensor, Tensor];
export function max_pool1d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor;
export function max_pool1d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor | [Tensor, Tensor] {
  return maxPool('max_pool1d', input, kernel_size, args);
}
/** max_pool2d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1, ceil_mode = false, return_indices = false) */
export function max_pool2d(input: Tensor, kernel_size: Ints, options: MaxPoolFnOptions & { return_indices: true }): [Tensor, Tensor];
export function max_pool2d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor;
export function max_pool2d(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): Tensor | [Tensor, Tensor] {
  return maxPool('max_pool2d', input, kernel_size, args);
}
/** max_pool1d_with_indices(...): [output, indices] */
export function max_pool1d_with_indices(input: Tensor, kernel_size: Ints, ...args: MaxPoolArg[]): [Tensor, Tensor] {
  return maxPool('max_pool1d', input, kernel_size, mergeOptions(args, { return_indices: true })) as [Tensor, Tensor];
}
/** max_pool2d_with_indices(...): [output, indices] */
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

export interface AvgPoolFnOptions {
  stride?: Ints | null;
  padding?: Ints;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** avg_pool2d(input, kernel_size, stride = kernel_size, padding = 0, ceil_mode = false, count_include_pad = true, divisor_override = null) */
export function avg_pool2d(input: Tensor, kernel_size: Ints, ...args: (Ints | boolean | null | AvgPoolFnOptions)[]): Tensor {
  const [stride, padding, ceil_mode, count_include_pad, divisor_override] = params('avg_pool2d', args,
    ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']);
  return wrap(call(op('avg_pool2d').get(), hOf(input, 'input'), kernel_size, stride ?? [], padding ?? 0, ceil_mode ?? false,
    count_include_pad ?? true, divisor_override ?? null));
}

/** adaptive_avg_pool2d(input, output_size): output_size is n or [h, w], where null keeps the input's size. */
export function adaptive_avg_pool2d(input: Tensor, output_size: number | (number | null)[]): Tensor {
  const ih = hOf(input, 'input');
  let size: number[];
  if (Array.isArray(output_size)) {
    const shape = input.shape;
    size = output_size.map((s, i) => s ?? shape[shape.length - output_size.length + i]);
  } else {
    size = [output_size, output_size];
  }
  return wrap(call(op('adaptive_avg_pool2d').get(), ih, size));
}

// ---- normalization ------------------------------------------------------------------------------

function verifyBatchSize(size: number[]): void {
  let prod = size[0];
  for (let i = 2; i < size.length; i++) prod *= size[i];
  if (prod === 1) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size torch.Size([${size.join(', ')}])`);
  }
}

export interface BatchNormFnOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * batch_norm(input, running_mean, running_var, weight?, bias?, training = false, momentum = 0.1, eps = 1e-5).
 * In training mode the running statistics (when given) are updated in place.
 */
export function batch_norm(input: Tensor, running_mean: Tensor | null, running_var: Tensor | null,
  ...args: (Tensor | null | boolean | number | BatchNormFnOptions)[]): Tensor {
  const [weight, bias, training, momentum, eps] = params('batch_norm', args, ['weight', 'bias', 'training', 'momentum', 'eps']);
  if (training) verifyBatchSize(input.shape);
  return wrap(call(op('batch_norm').get(), hOf(input, 'input'), optH(weight, 'weight'), optH(bias, 'bias'),
    optH(running_mean, 'running_mean'), optH(running_var, 'running_var'), Boolean(training), momentum ?? 0.1, eps ?? 1e-5, true));
}

export interface LayerNormFnOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** layer_norm(input, normalized_shape, weight?, bias?, eps = 1e-5) over the last dimensions. */
export function layer_norm(input: Tensor, normalized_shape: Ints, ...args: (Tensor | null | number | LayerNormFnOptions)[]): Tensor {
  const [weight, bias, eps] = params('layer_norm', args, ['weight', 'bias', 'eps']);
  const shape = Array.isArray(normalized_shape) ? normalized_shape : [normalized_shape];
  return wrap(call(op('layer_norm').get(), hOf(input, 'input'), shape, optH(weight, 'weight'), optH(bias, 'bias'), eps ?? 1e-5, true));
}

/** group_norm(input, num_groups, weight?, bias?, eps = 1e-5) */
export function group_norm(input: Tensor, num_groups: number, ...args: (Tensor | null | number | LayerNormFnOptions)[]): Tensor {
  const [weight, bias, eps] = params('group_norm', args, ['weight', 'bias', 'eps']);
  const size = input.shape;
  if (size.length < 2) throw new RangeError(`Expected at least 2 dimensions for input tensor but received ${size.length}`);
  verifyBatchSize([Math.floor((size[0] * size[1]) / num_groups), num_groups, ...size.slice(2)]);
  return wrap(call(op('group_norm').get(), hOf(input, 'input'), num_groups, optH(weight, 'weight'), optH(bias, 'bias'), eps ?? 1e-5, true));
}

// ---- dropout and embedding ----------------------------------------------------------------------

export interface DropoutFnOptions {
  p?: number;
  training?: boolean;
  inplace?: boolean;
}

/** dropout(input, p = 0.5, training = true, inplace = false): ATen's dropout, so masks match PyTorch's for a seed. */
export function dropout(input: Tensor, ...args: (number | boolean | DropoutFnOptions)[]): Tensor {
  const [p, training, inplace] = params('dropout', args, ['p', 'training', 'inplace']);
  const prob = (p ?? 0.5) as number;
  checkProbability(prob);
  const train = (training ?? true) as boolean;
  if (inplace) {
    call(op('dropout_').get(), hOf(input, 'input'), prob, train);
    return input;
  }
  return wrap(call(op('dropout').get(), hOf(input, 'input'), prob, train));
}


export interface EmbeddingFnOptions {
  padding_idx?: number | null;
  max_norm?: number | null;
  norm_type?: number;
  scale_grad_by_freq?: boolean;
  sparse?: boolean;
}

/** embedding(input, weight, padding_idx?, max_norm?, norm_type = 2, scale_grad_by_freq = false, sparse = false) */
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
  let indices = hOf(input, 'input');
  if (max_norm != null) {
    // Renormalises the rows being looked up, in place and outside autograd, as PyTorch does.
    const contiguous = input.contiguous();
    indices = contiguous.h;
    no_grad(() => call(op('embedding_renorm_').get(), hOf(weight, 'weight'), indices, max_norm, norm_type ?? 2));
  }
  return wrap(call(op('embedding').get(), hOf(weight, 'weight'), indices, pad, scale_grad_by_freq ?? false, sparse ?? false));
}

/** one_hot(tensor, num_classes = -1): int64 one-hot rows; -1 infers the count from the largest value. */
export function one_hot(tensor: Tensor, num_classes = -1): Tensor {
  return wrap(call(op('one_hot').get(), hOf(tensor, 'tensor'), num_classes));
}

/** pad(input, pad, mode = 'constant', value = 0): pad lists [left, right, top, bottom, ...] from the last dim. */
export function pad(input: Tensor, pad: number[], ...args: (string | number | null | { mode?: string; value?: number | null })[]): Tensor {
  const [mode, value] = params('pad', args, ['mode', 'value']);
  if (!Array.isArray(pad) || pad.length % 2 !== 0) throw new RangeError('Padding length must be divisible by 2');
  if (pad.length / 2 > input.dim()) throw new RangeError('Padding length too large');
  const m = (mode ?? 'constant') as string;
  if (m === 'constant') return wrap(call(op('constant_pad_nd').get(), hOf(input, 'input'), pad, value ?? 0));
  if (!['reflect', 'replicate', 'circular'].includes(m)) throw new RangeError(`Unrecognised padding mode ${m}`);
  return wrap(call(op('pad').get(), hOf(input, 'input'), pad, m, value ?? null));
}

// ---- activations --------------------------------------------------------------------------------

/** relu(input, inplace = false) */
export function relu(input: Tensor, ...args: (boolean | { inplace?: boolean })[]): Tensor {
  const [inplace] = params('relu', args, ['inplace']);
  if (inplace) {
    call(op('relu_').get(), hOf(input, 'input'));
    return input;
  }
  return wrap(call(op('relu').get(), hOf(input, 'input')));
}

/** gelu(input, { approximate: 'none' | 'tanh' }) */
export function gelu(input: Tensor, ...args: (string | { approximate?: 'none' | 'tanh' })[]): Tensor {
  const [approximate] = params('gelu', args, ['approximate']);
  const a = (approximate ?? 'none') as string;
  if (a !== 'none' && a !== 'tanh') throw new RangeError(`approximate argument must be either none or tanh.`);
  return wrap(call(op('gelu').get(), hOf(input, 'input'), a));
}

/** silu(input, inplace = false): x * sigmoid(x) */
export function silu(input: Tensor, ...args: (boolean | { inplace?: boolean })[]): Tensor {
  const [inplace] = params('silu', args, ['inplace']);
  if (inplace) {
    call(op('silu_').get(), hOf(input, 'input'));
    return input;
  }
  return wrap(call(op('silu').get(), hOf(input, 'input')));
}

export function tanh(input: Tensor): Tensor {
  return wrap(call(op('tanh').get(), hOf(input, 'input')));
}

export function sigmoid(input: Tensor): Tensor {
  return wrap(call(op('sigmoid').get(), hOf(input, 'input')));
}

/** leaky_relu(input, negative_slope = 0.01, inplace = false) */
export function leaky_relu(input: Tensor, ...args: (number | boolean | { negative_slope?: number; inplace?: boolean })[]): Tensor {
  const [negative_slope, inplace] = params('leaky_relu', args, ['negative_slope', 'inplace']);
  if (inplace) {
    call(op('leaky_relu_').get(), hOf(input, 'input'), negative_slope ?? 0.01);
    return input;
  }
  return wrap(call(op('leaky_relu').get(), hOf(input, 'input'), negative_slope ?? 0.01));
}

/** softplus(input, beta = 1, threshold = 20): log(1 + exp(beta * x)) / beta, linear above threshold. */
export function softplus(input: Tensor, ...args: (number | { beta?: number; threshold?: number })[]): Tensor {
  const [beta, threshold] = params('softplus', args, ['beta', 'threshold']);
  return wrap(call(op('softplus').get(), hOf(input, 'input'), beta ?? 1, threshold ?? 20));
}

/** elu(input, alpha = 1.0, inplace = false) */
export function elu(input: Tensor, ...args: (number | boolean | { alpha?: number; inplace?: boolean })[]): Tensor {
  const [alpha, inplace] = params('elu', args, ['alpha', 'inplace']);
  if (inplace) {
    call(op('elu_').get(), hOf(input, 'input'), alpha ?? 1.0);
    return input;
  }
  return wrap(call(op('elu').get(), hOf(input, 'input'), alpha ?? 1.0));
}

/** PyTorch's implicit dim choice when softmax gets dim=None (deprecated there too). */
export function _get_softmax_dim(name: string, ndim: number): number {
  process.emitWarning(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

export interface SoftmaxFnOptions {
  dim?: number | null;
  dtype?: unknown;
}

function softmaxLike(name: 'softmax' | 'log_softmax', input: Tensor, args: unknown[]): Tensor {
  const [dim, , dtype] = params(name, args, ['dim', '_stacklevel', 'dtype']);
  const d = dim == null ? _get_softmax_dim(name, input.dim()) : (dim as number);
  return wrap(call(op(`${name}.int`).get(), hOf(input, 'input'), d, optDtype(dtype)));
}

/** softmax(input, dim) or softmax(input, { dim, dtype }) */
export function softmax(input: Tensor, ...args: (number | null | SoftmaxFnOptions)[]): Tensor {
  return softmaxLike('softmax', input, args);
}

/** log_softmax(input, dim) or log_softmax(input, { dim, dtype }) */
export function log_softmax(input: Tensor, ...args: (number | null | SoftmaxFnOptions)[]): Tensor {
  return softmaxLike('log_softmax', input, args);
}
