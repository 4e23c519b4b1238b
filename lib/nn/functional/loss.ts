// torch.nn.functional losses, after torch/nn/functional.py: each calls the ATen operator that
// PyTorch's Python calls (cross_entropy_loss, nll_loss_nd, mse_loss...), so values and gradients
// are PyTorch's. Optional arguments go positionally in Python's order (the legacy size_average
// and reduce included) or in a trailing options object: F.cross_entropy(x, y, { reduction: 'sum' }).
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { warn } from '../../warnings';
import { broadcast_tensors } from '../../functions';
import * as torch from '../../generated/torch_functions';
import * as _nn from '../../generated/nn_functions';
import { requireTensor, optionalTensor } from './check';

/** How a loss combines its per-element values: `'none'` (keep them), `'mean'` or `'sum'`. */
export type Reduction = 'none' | 'mean' | 'sum';

/**
 * _Reduction.get_enum: the integer ATen takes for a reduction name.
 * @internal
 */
export function reductionEnum(reduction: unknown): number {
  if (reduction === 'none') return 0;
  if (reduction === 'mean' || reduction === 'elementwise_mean') return 1;
  if (reduction === 'sum') return 2;
  throw new RangeError(`${String(reduction)} is not a valid value for reduction`);
}

/**
 * _Reduction.legacy_get_string: what the deprecated size_average/reduce flags mean.
 * @internal
 */
export function legacyReduction(size_average: unknown, reduce: unknown): Reduction {
  const sizeAverage = size_average ?? true;
  const doReduce = reduce ?? true;
  if (sizeAverage && doReduce) return 'mean';
  if (doReduce) return 'sum';
  return 'none';
}

/** The reduction in force: the legacy flags win when given, as in PyTorch. */
function resolveReduction(size_average: unknown, reduce: unknown, reduction: unknown): string {
  if (size_average != null || reduce != null) return legacyReduction(size_average, reduce);
  return (reduction ?? 'mean') as string;
}

/** torch.Size's repr, for error messages that quote shapes as PyTorch does. */
function sizeRepr(shape: number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** broadcast_tensors(input, target): mse/l1/smooth_l1 compare the broadcast forms. */
function broadcastPair(input: Tensor, target: Tensor): [Tensor, Tensor, () => void] {
  if (sameShape(input.shape, target.shape)) return [input, target, () => {}];
  const [a, b] = broadcast_tensors(input, target);
  return [a, b, () => { a.dispose(); b.dispose(); }];
}

/**
 * The keyword arguments of `F.cross_entropy`, as in PyTorch; they may also be given positionally in Python's
 * order.
 */
export interface CrossEntropyOptions {
  /** Per-class weights, (C) (default none). */
  weight?: Tensor | null;
  /** Deprecated (use `reduction`); when given with `reduce`, decides the reduction as in PyTorch. */
  size_average?: boolean | null;
  /** A target value that contributes nothing to the loss or its gradient (default -100). */
  ignore_index?: number;
  /** Deprecated (use `reduction`); when given with `size_average`, decides the reduction as in PyTorch. */
  reduce?: boolean | null;
  /** How the per-element losses are combined: `'none'`, `'mean'` (default) or `'sum'`. */
  reduction?: Reduction;
  /** Amount of smoothing of the targets, in [0, 1] (default 0). */
  label_smoothing?: number;
}

/**
 * cross_entropy(input, target, { weight, ignore_index = -100, reduction = 'mean', label_smoothing = 0 }):
 * target holds class indices (int64) or class probabilities (same shape as input).
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.cross_entropy](https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html)
 */
export function cross_entropy(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  const [weight, size_average, ignore_index, reduce, reduction, label_smoothing] = params('cross_entropy', args,
    ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction', 'label_smoothing']);
  const red = reductionEnum(resolveReduction(size_average, reduce, reduction));
  return _nn.cross_entropy_loss(requireTensor(input, 'input'), requireTensor(target, 'target'), optionalTensor(weight, 'weight'),
    red, (ignore_index ?? -100) as number, (label_smoothing ?? 0) as number);
}

/**
 * The keyword arguments of `F.nll_loss`, as in PyTorch; they may also be given positionally in Python's
 * order.
 */
export interface NLLLossOptions {
  /** Per-class weights, (C) (default none). */
  weight?: Tensor | null;
  /** Deprecated (use `reduction`); when given with `reduce`, decides the reduction as in PyTorch. */
  size_average?: boolean | null;
  /** A target value that contributes nothing to the loss or its gradient (default -100). */
  ignore_index?: number;
  /** Deprecated (use `reduction`); when given with `size_average`, decides the reduction as in PyTorch. */
  reduce?: boolean | null;
  /** How the per-element losses are combined: `'none'`, `'mean'` (default) or `'sum'`. */
  reduction?: Reduction;
}

/**
 * nll_loss(input, target, { weight, ignore_index = -100, reduction = 'mean' }): input holds
 * log-probabilities.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.nll_loss](https://pytorch.org/docs/stable/generated/torch.nn.functional.nll_loss.html)
 */
export function nll_loss(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  const [weight, size_average, ignore_index, reduce, reduction] = params('nll_loss', args,
    ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction']);
  const red = reductionEnum(resolveReduction(size_average, reduce, reduction));
  return _nn.nll_loss_nd(requireTensor(input, 'input'), requireTensor(target, 'target'), optionalTensor(weight, 'weight'),
    red, (ignore_index ?? -100) as number);
}

/** The keyword arguments of `F.mse_loss` and `F.l1_loss`, as in PyTorch (the deprecated flags included). */
export interface ReductionOptions {
  /** Deprecated (use `reduction`); when given with `reduce`, decides the reduction as in PyTorch. */
  size_average?: boolean | null;
  /** Deprecated (use `reduction`); when given with `size_average`, decides the reduction as in PyTorch. */
  reduce?: boolean | null;
  /** How the per-element losses are combined: `'none'`, `'mean'` (default) or `'sum'`. */
  reduction?: Reduction;
}

// mse_loss, l1_loss and smooth_l1_loss share this shape: broadcast, then the ATen loss.
type PointwiseLoss = (input: Tensor, target: Tensor, reduction: number, ...extra: unknown[]) => Tensor;
const POINTWISE = { mse_loss: _nn.mse_loss, l1_loss: _nn.l1_loss, smooth_l1_loss: _nn.smooth_l1_loss } as unknown as Record<string, PointwiseLoss>;

function pointwiseLoss(name: 'mse_loss' | 'l1_loss' | 'smooth_l1_loss', input: Tensor, target: Tensor, args: unknown[], extra: string[]): Tensor {
  const values = params(name, args, ['size_average', 'reduce', 'reduction', ...extra]);
  const red = reductionEnum(resolveReduction(values[0], values[1], values[2]));
  requireTensor(input, 'input');
  requireTensor(target, 'target');
  if (!sameShape(input.shape, target.shape)) {
    warn(`Using a target size (${sizeRepr(target.shape)}) that is different to the input size (${sizeRepr(input.shape)}). ` +
      'This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.');
  }
  const [a, b, release] = broadcastPair(input, target);
  try {
    return POINTWISE[name](a, b, red, ...values.slice(3));
  } finally {
    release();
  }
}

/**
 * mse_loss(input, target, { reduction = 'mean' }): mean squared error.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.mse_loss](https://pytorch.org/docs/stable/generated/torch.nn.functional.mse_loss.html)
 */
export function mse_loss(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  return pointwiseLoss('mse_loss', input, target, args, []);
}

/**
 * l1_loss(input, target, { reduction = 'mean' }): mean absolute error.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.l1_loss](https://pytorch.org/docs/stable/generated/torch.nn.functional.l1_loss.html)
 */
export function l1_loss(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  return pointwiseLoss('l1_loss', input, target, args, []);
}

/** The keyword arguments of `F.smooth_l1_loss`, as in PyTorch. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  beta?: number;
}

/**
 * smooth_l1_loss(input, target, { reduction = 'mean', beta = 1 }): quadratic below beta, linear above.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.smooth_l1_loss](https://pytorch.org/docs/stable/generated/torch.nn.functional.smooth_l1_loss.html)
 */
export function smooth_l1_loss(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  return pointwiseLoss('smooth_l1_loss', input, target, args, ['beta']);
}

/** The keyword arguments of `F.binary_cross_entropy`, as in PyTorch. */
export interface BCEOptions extends ReductionOptions {
  /** Per-element weights, broadcast to the input (default none). */
  weight?: Tensor | null;
}

/**
 * binary_cross_entropy(input, target, { weight, reduction = 'mean' }): input holds probabilities.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.binary_cross_entropy](https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy.html)
 */
export function binary_cross_entropy(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  const [weight, size_average, reduce, reduction] = params('binary_cross_entropy', args,
    ['weight', 'size_average', 'reduce', 'reduction']);
  const red = reductionEnum(resolveReduction(size_average, reduce, reduction));
  const x = requireTensor(input, 'input');
  const y = requireTensor(target, 'target');
  if (!sameShape(target.shape, input.shape)) {
    throw new RangeError(`Using a target size (${sizeRepr(target.shape)}) that is different to the input size (${sizeRepr(input.shape)}) is deprecated. ` +
      'Please ensure they have the same size.');
  }
  if (weight == null) return _nn.binary_cross_entropy(x, y, null, red);
  // PyTorch expands the weight to the target's shape first (the ATen op wants equal shapes).
  const expanded = (weight as Tensor).expand(target.shape);
  try {
    return _nn.binary_cross_entropy(x, y, expanded, red);
  } finally {
    expanded.dispose();
  }
}

/** The keyword arguments of `F.binary_cross_entropy_with_logits`, as in PyTorch. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weights of the positive examples, broadcast over the classes (default none). */
  pos_weight?: Tensor | null;
}

/**
 * binary_cross_entropy_with_logits(input, target, { weight, reduction = 'mean', pos_weight }): sigmoid and
 * BCE in one stable step.
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.binary_cross_entropy_with_logits](https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy_with_logits.html)
 */
export function binary_cross_entropy_with_logits(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  const [weight, size_average, reduce, reduction, pos_weight] = params('binary_cross_entropy_with_logits', args,
    ['weight', 'size_average', 'reduce', 'reduction', 'pos_weight']);
  const red = reductionEnum(resolveReduction(size_average, reduce, reduction));
  const x = requireTensor(input, 'input');
  const y = requireTensor(target, 'target');
  if (!sameShape(target.shape, input.shape)) {
    throw new RangeError(`Target size (${sizeRepr(target.shape)}) must be the same as input size (${sizeRepr(input.shape)})`);
  }
  return torch.binary_cross_entropy_with_logits(x, y, optionalTensor(weight, 'weight'), optionalTensor(pos_weight, 'pos_weight'), red);
}

/** The keyword arguments of `F.kl_div`, as in PyTorch. */
export interface KLDivOptions {
  /** Deprecated (use `reduction`); when given with `reduce`, decides the reduction as in PyTorch. */
  size_average?: boolean | null;
  /** Deprecated (use `reduction`); when given with `size_average`, decides the reduction as in PyTorch. */
  reduce?: boolean | null;
  /**
   * `'none'`, `'mean'` (default, over elements), `'sum'` or `'batchmean'` (the sum over the batch size: the
   * true KL divergence).
   */
  reduction?: Reduction | 'batchmean';
  /** Whether `target` holds log-probabilities (default false). */
  log_target?: boolean;
}

/**
 * kl_div(input, target, { reduction = 'mean', log_target = false }): input holds log-probabilities;
 * 'batchmean' divides the sum by the batch size (the KL divergence's definition).
 *
 * PyTorch's keyword arguments go in a trailing options object, or positionally in Python's order.
 *
 * @see [torch.nn.functional.kl_div](https://pytorch.org/docs/stable/generated/torch.nn.functional.kl_div.html)
 */
export function kl_div(input: Tensor, target: Tensor, ...args: unknown[]): Tensor {
  const [size_average, reduce, reduction, log_target] = params('kl_div', args, ['size_average', 'reduce', 'reduction', 'log_target']);
  const x = requireTensor(input, 'input');
  const y = requireTensor(target, 'target');
  let red: number;
  if (size_average != null || reduce != null) {
    red = reductionEnum(legacyReduction(size_average, reduce));
  } else if (reduction === 'batchmean') {
    red = 2;
  } else {
    if ((reduction ?? 'mean') === 'mean') {
      warn("reduction: 'mean' divides the total loss by both the batch size and the support size." +
        "'batchmean' divides only by the batch size, and aligns with the KL div math definition." +
        "'mean' will be changed to behave the same as 'batchmean' in the next major release.");
    }
    red = reductionEnum(reduction ?? 'mean');
  }
  const reduced = torch.kl_div(x, y, red, { log_target: Boolean(log_target) });
  if (reduction === 'batchmean' && input.dim() !== 0) {
    try {
      return reduced.div(input.size(0));
    } finally {
      reduced.dispose();
    }
  }
  return reduced;
}
