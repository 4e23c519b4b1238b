// The loss modules, after torch/nn/modules/loss.py: each stores its options and calls the
// functional form. Constructor arguments follow Python's order (legacy size_average/reduce
// included) or go in an options object: new nn.CrossEntropyLoss({ label_smoothing: 0.1 }).
// weight and pos_weight are buffers, as in PyTorch, so they follow module.to() and state_dict.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import * as F from '../functional/loss';

/**
 * PyTorch's `_Loss`, the base of the loss modules: holds `reduction`, resolving the deprecated
 * `size_average`/`reduce` flags into it as PyTorch does.
 */
export class _Loss extends Module {
  /** How the per-element losses are combined: `'none'`, `'mean'` or `'sum'` (`'batchmean'` for `KLDivLoss`). */
  reduction: string;
  /** The deprecated flags (which, when given, decide the reduction) and `reduction` (default `'mean'`). */
  constructor(size_average?: unknown, reduce?: unknown, reduction?: unknown) {
    super();
    if (size_average != null || reduce != null) this.reduction = F.legacyReduction(size_average, reduce);
    else this.reduction = (reduction ?? 'mean') as string;
  }
}

/** PyTorch's `_WeightedLoss`: a {@link _Loss} with an optional per-class `weight` buffer. */
export class _WeightedLoss extends _Loss {
  /** Per-class weights (a buffer, so it follows `to()` and `state_dict`), or null. */
  declare weight: Tensor | null;
  /** The weight, then as {@link _Loss}. */
  constructor(weight?: unknown, size_average?: unknown, reduce?: unknown, reduction?: unknown) {
    super(size_average, reduce, reduction);
    this.register_buffer('weight', (weight ?? null) as Tensor | null);
  }
}

/**
 * Mean absolute error: |input - target|, reduced.
 *
 * `new nn.L1Loss({ reduction })`: PyTorch's keyword arguments in an options object, or positionally
 * in Python's order (size_average, reduce, reduction), deprecated `size_average`/`reduce` included.
 *
 * @see [torch.nn.L1Loss](https://pytorch.org/docs/stable/generated/torch.nn.L1Loss.html)
 */
export class L1Loss extends _Loss {
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction] = params('L1Loss', args, ['size_average', 'reduce', 'reduction']);
    super(size_average, reduce, reduction);
  }
  /** Returns the L1 loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1_loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean squared error: (input - target)^2, reduced.
 *
 * `new nn.MSELoss({ reduction })`: PyTorch's keyword arguments in an options object, or positionally
 * in Python's order (size_average, reduce, reduction), deprecated `size_average`/`reduce` included.
 *
 * @see [torch.nn.MSELoss](https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html)
 */
export class MSELoss extends _Loss {
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction] = params('MSELoss', args, ['size_average', 'reduce', 'reduction']);
    super(size_average, reduce, reduction);
  }
  /** Returns the squared error of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mse_loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Smooth L1 (Huber-like) loss: squared below `beta`, absolute above, reduced.
 *
 * `new nn.SmoothL1Loss({ reduction, beta })`: PyTorch's keyword arguments in an options object, or
 * positionally
 * in Python's order (size_average, reduce, reduction, beta), deprecated `size_average`/`reduce` included.
 *
 * @see [torch.nn.SmoothL1Loss](https://pytorch.org/docs/stable/generated/torch.nn.SmoothL1Loss.html)
 */
export class SmoothL1Loss extends _Loss {
  /** Where the loss turns from squared to absolute (default 1). */
  beta: number;
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction, beta] = params('SmoothL1Loss', args, ['size_average', 'reduce', 'reduction', 'beta']);
    super(size_average, reduce, reduction);
    this.beta = (beta ?? 1.0) as number;
  }
  /** Returns the smooth L1 loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.smooth_l1_loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * Negative log-likelihood of class indices given log-probabilities, optionally weighted per class.
 *
 * `new nn.NLLLoss({ weight, ignore_index, reduction })`: PyTorch's keyword arguments in an options object, or
 * positionally
 * in Python's order (weight, size_average, ignore_index, reduce, reduction), deprecated
 * `size_average`/`reduce` included.
 *
 * @see [torch.nn.NLLLoss](https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html)
 */
export class NLLLoss extends _WeightedLoss {
  /** A target value that contributes nothing (default -100). */
  ignore_index: number;
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [weight, size_average, ignore_index, reduce, reduction] = params('NLLLoss', args,
      ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction']);
    super(weight, size_average, reduce, reduction);
    this.ignore_index = (ignore_index ?? -100) as number;
  }
  /** Returns the NLL loss of log-probabilities `input` (N, C, ...) for class indices `target` (N, ...). */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nll_loss(input, target, { weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction });
  }
}

/**
 * Cross entropy of logits against class indices or class probabilities, with optional class
 * weights and label smoothing.
 *
 * `new nn.CrossEntropyLoss({ weight, ignore_index, reduction, label_smoothing })`: PyTorch's keyword
 * arguments in an options object, or positionally
 * in Python's order (weight, size_average, ignore_index, reduce, reduction, label_smoothing), deprecated
 * `size_average`/`reduce` included.
 *
 * @see [torch.nn.CrossEntropyLoss](https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html)
 */
export class CrossEntropyLoss extends _WeightedLoss {
  /** A target index that contributes nothing (default -100). */
  ignore_index: number;
  /** Amount of smoothing of the targets, in [0, 1] (default 0). */
  label_smoothing: number;
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [weight, size_average, ignore_index, reduce, reduction, label_smoothing] = params('CrossEntropyLoss', args,
      ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction', 'label_smoothing']);
    super(weight, size_average, reduce, reduction);
    this.ignore_index = (ignore_index ?? -100) as number;
    this.label_smoothing = (label_smoothing ?? 0.0) as number;
  }
  /** Returns the cross entropy of logits `input` (N, C, ...) for class indices or probabilities `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.cross_entropy(input, target, {
      weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction, label_smoothing: this.label_smoothing,
    });
  }
}

/**
 * Binary cross entropy of probabilities against targets in [0, 1], optionally weighted.
 *
 * `new nn.BCELoss({ weight, reduction })`: PyTorch's keyword arguments in an options object, or positionally
 * in Python's order (weight, size_average, reduce, reduction), deprecated `size_average`/`reduce` included.
 *
 * @see [torch.nn.BCELoss](https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html)
 */
export class BCELoss extends _WeightedLoss {
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [weight, size_average, reduce, reduction] = params('BCELoss', args, ['weight', 'size_average', 'reduce', 'reduction']);
    super(weight, size_average, reduce, reduction);
  }
  /** Returns the binary cross entropy of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binary_cross_entropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Binary cross entropy on logits (a sigmoid fused in, numerically stable), with optional weights
 * and positive-class weights.
 *
 * `new nn.BCEWithLogitsLoss({ weight, reduction, pos_weight })`: PyTorch's keyword arguments in an options
 * object, or positionally
 * in Python's order (weight, size_average, reduce, reduction, pos_weight), deprecated `size_average`/`reduce`
 * included.
 *
 * @see [torch.nn.BCEWithLogitsLoss](https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html)
 */
export class BCEWithLogitsLoss extends _Loss {
  /** Per-element weights (a buffer), or null. */
  declare weight: Tensor | null;
  /** Weights of the positive examples, per class (a buffer), or null. */
  declare pos_weight: Tensor | null;
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [weight, size_average, reduce, reduction, pos_weight] = params('BCEWithLogitsLoss', args,
      ['weight', 'size_average', 'reduce', 'reduction', 'pos_weight']);
    super(size_average, reduce, reduction);
    this.register_buffer('weight', (weight ?? null) as Tensor | null);
    this.register_buffer('pos_weight', (pos_weight ?? null) as Tensor | null);
  }
  /** Returns the binary cross entropy of logits of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binary_cross_entropy_with_logits(input, target, {
      weight: this.weight, pos_weight: this.pos_weight, reduction: this.reduction,
    });
  }
}

/**
 * Kullback-Leibler divergence of log-probabilities `input` from `target`; `reduction: 'batchmean'`
 * gives the mathematically correct mean.
 *
 * `new nn.KLDivLoss({ reduction, log_target })`: PyTorch's keyword arguments in an options object, or
 * positionally
 * in Python's order (size_average, reduce, reduction, log_target), deprecated `size_average`/`reduce`
 * included.
 *
 * @see [torch.nn.KLDivLoss](https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html)
 */
export class KLDivLoss extends _Loss {
  /** Whether `target` is given as log-probabilities (default false). */
  log_target: boolean;
  /** PyTorch's arguments, positionally in Python's order or in a trailing options object. */
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction, log_target] = params('KLDivLoss', args, ['size_average', 'reduce', 'reduction', 'log_target']);
    super(size_average, reduce, reduction);
    this.log_target = Boolean(log_target);
  }
  /** Returns the KL divergence of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return F.kl_div(input, target, { reduction: this.reduction as F.Reduction, log_target: this.log_target });
  }
}
