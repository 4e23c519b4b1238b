// The loss modules, after torch/nn/modules/loss.py: each stores its options and calls the
// functional form. Constructor arguments follow Python's order (legacy size_average/reduce
// included) or go in an options object: new nn.CrossEntropyLoss({ label_smoothing: 0.1 }).
// weight and pos_weight are buffers, as in PyTorch, so they follow module.to() and state_dict.
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { Module } from '../module';
import * as F from '../functional/loss';

/** _Loss: holds the reduction, resolving the deprecated size_average/reduce flags. */
export class _Loss extends Module {
  reduction: string;
  constructor(size_average?: unknown, reduce?: unknown, reduction?: unknown) {
    super();
    if (size_average != null || reduce != null) this.reduction = F.legacyReduction(size_average, reduce);
    else this.reduction = (reduction ?? 'mean') as string;
  }
}

/** _WeightedLoss: a _Loss with an optional per-class weight buffer. */
export class _WeightedLoss extends _Loss {
  declare weight: Tensor | null;
  constructor(weight?: unknown, size_average?: unknown, reduce?: unknown, reduction?: unknown) {
    super(size_average, reduce, reduction);
    this.register_buffer('weight', (weight ?? null) as Tensor | null);
  }
}

/** new nn.L1Loss({ reduction }) */
export class L1Loss extends _Loss {
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction] = params('L1Loss', args, ['size_average', 'reduce', 'reduction']);
    super(size_average, reduce, reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1_loss(input, target, { reduction: this.reduction });
  }
}

/** new nn.MSELoss({ reduction }) */
export class MSELoss extends _Loss {
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction] = params('MSELoss', args, ['size_average', 'reduce', 'reduction']);
    super(size_average, reduce, reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mse_loss(input, target, { reduction: this.reduction });
  }
}

/** new nn.SmoothL1Loss({ reduction, beta = 1 }) */
export class SmoothL1Loss extends _Loss {
  beta: number;
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction, beta] = params('SmoothL1Loss', args, ['size_average', 'reduce', 'reduction', 'beta']);
    super(size_average, reduce, reduction);
    this.beta = (beta ?? 1.0) as number;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.smooth_l1_loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** new nn.NLLLoss({ weight, ignore_index = -100, reduction }) */
export class NLLLoss extends _WeightedLoss {
  ignore_index: number;
  constructor(...args: unknown[]) {
    const [weight, size_average, ignore_index, reduce, reduction] = params('NLLLoss', args,
      ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction']);
    super(weight, size_average, reduce, reduction);
    this.ignore_index = (ignore_index ?? -100) as number;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nll_loss(input, target, { weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction });
  }
}

/** new nn.CrossEntropyLoss({ weight, ignore_index = -100, reduction, label_smoothing = 0 }) */
export class CrossEntropyLoss extends _WeightedLoss {
  ignore_index: number;
  label_smoothing: number;
  constructor(...args: unknown[]) {
    const [weight, size_average, ignore_index, reduce, reduction, label_smoothing] = params('CrossEntropyLoss', args,
      ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction', 'label_smoothing']);
    super(weight, size_average, reduce, reduction);
    this.ignore_index = (ignore_index ?? -100) as number;
    this.label_smoothing = (label_smoothing ?? 0.0) as number;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.cross_entropy(input, target, {
      weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction, label_smoothing: this.label_smoothing,
    });
  }
}

/** new nn.BCELoss({ weight, reduction }) */
export class BCELoss extends _WeightedLoss {
  constructor(...args: unknown[]) {
    const [weight, size_average, reduce, reduction] = params('BCELoss', args, ['weight', 'size_average', 'reduce', 'reduction']);
    super(weight, size_average, reduce, reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binary_cross_entropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** new nn.BCEWithLogitsLoss({ weight, reduction, pos_weight }) */
export class BCEWithLogitsLoss extends _Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(...args: unknown[]) {
    const [weight, size_average, reduce, reduction, pos_weight] = params('BCEWithLogitsLoss', args,
      ['weight', 'size_average', 'reduce', 'reduction', 'pos_weight']);
    super(size_average, reduce, reduction);
    this.register_buffer('weight', (weight ?? null) as Tensor | null);
    this.register_buffer('pos_weight', (pos_weight ?? null) as Tensor | null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binary_cross_entropy_with_logits(input, target, {
      weight: this.weight, pos_weight: this.pos_weight, reduction: this.reduction,
    });
  }
}

/** new nn.KLDivLoss({ reduction = 'mean', log_target = false }); reduction may be 'batchmean'. */
export class KLDivLoss extends _Loss {
  log_target: boolean;
  constructor(...args: unknown[]) {
    const [size_average, reduce, reduction, log_target] = params('KLDivLoss', args, ['size_average', 'reduce', 'reduction', 'log_target']);
    super(size_average, reduce, reduction);
    this.log_target = Boolean(log_target);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.kl_div(input, target, { reduction: this.reduction as F.Reduction, log_target: this.log_target });
  }
}
