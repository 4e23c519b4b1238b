// The _foreach_* ATen kernels the foreach optimizers use, as small typed helpers over
// torch.ops.aten. Each takes and returns plain lists of tensors; in-place ones (trailing _) write
// their first list. A list of numbers (one per tensor) goes to the .ScalarList overload, as
// PyTorch's _multi_tensor_* code passes its per-tensor step sizes.
// LibTorch 1.13 lacks some overloads (a Tensor scalar, _foreach_lerp_, _foreach_pow,
// _foreach_sign, _foreach_copy_); `legacy` tells the optimizers to follow 1.13's multi-tensor code.
import { Tensor } from '../tensor';
import { ops } from '../raw_ops';
import { isPytorch2 } from '../pytorch_version';

/**
 * True on LibTorch 1.x: PyTorch 1.13's _multi_tensor_* arithmetic (and its kernels) apply.
 * @internal
 */
export const legacy = !isPytorch2;

const aten = ops.aten;
type List = Tensor[];

function isNumbers(x: List | number[]): x is number[] {
  return x.length > 0 && typeof x[0] === 'number';
}

/**
 * The _foreach_ kernels the optimizers use: one call over a list of tensors.
 * @internal
 */
export function neg(xs: List): List {
  return aten._foreach_neg.default(xs);
}
/**
 * _foreach_neg_.
 * @internal
 */
export function neg_(xs: List): void {
  aten._foreach_neg_.default(xs);
}
/**
 * _foreach_sqrt.
 * @internal
 */
export function sqrt(xs: List): List {
  return aten._foreach_sqrt.default(xs);
}
/**
 * _foreach_sqrt_.
 * @internal
 */
export function sqrt_(xs: List): void {
  aten._foreach_sqrt_.default(xs);
}
/**
 * _foreach_abs.
 * @internal
 */
export function abs(xs: List): List {
  return aten._foreach_abs.default(xs);
}
/**
 * _foreach_abs_.
 * @internal
 */
export function abs_(xs: List): void {
  aten._foreach_abs_.default(xs);
}
/**
 * _foreach_reciprocal_.
 * @internal
 */
export function reciprocal_(xs: List): void {
  aten._foreach_reciprocal_.default(xs);
}
/**
 * _foreach_sign_ (LibTorch 2.x only).
 * @internal
 */
export function sign_(xs: List): void {
  aten._foreach_sign_.default(xs);
}
/**
 * _foreach_copy_ (LibTorch 2.x only).
 * @internal
 */
export function copy_(xs: List, src: List): void {
  aten._foreach_copy_.default(xs, src);
}
/**
 * _foreach_zero_.
 * @internal
 */
export function zero_(xs: List): void {
  aten._foreach_zero_.default(xs);
}

/**
 * xs + alpha * ys (ys a list), xs + s (s a number), or xs + [s_i] (one number per tensor).
 * @internal
 */
export function add(xs: List, other: List | number | number[], alpha = 1): List {
  if (typeof other === 'number') return aten._foreach_add.Scalar(xs, other);
  return isNumbers(other) ? aten._foreach_add.ScalarList(xs, other) : aten._foreach_add.List(xs, other, { alpha });
}
/**
 * _foreach_add_ (a list, one scalar, or one scalar per tensor).
 * @internal
 */
export function add_(xs: List, other: List | number | number[], alpha = 1): void {
  if (typeof other === 'number') aten._foreach_add_.Scalar(xs, other);
  else if (isNumbers(other)) aten._foreach_add_.ScalarList(xs, other);
  else aten._foreach_add_.List(xs, other, { alpha });
}
/**
 * grads + weight_decay * params (L2 weight decay) as each version's multi-tensor code does it:
 * 1.13 adds into the grads list in place (p.grad itself unless maximize copied it), and so does
 * 2.x once maximize has made a copy; otherwise 2.x makes a new list.
 * @internal
 */
export function withWeightDecay(grads: List, params: List, weight_decay: number, maximize: boolean): List {
  if (weight_decay === 0) return grads;
  if (legacy || maximize) {
    add_(grads, params, weight_decay);
    return grads;
  }
  return add(grads, params, weight_decay);
}

/**
 * _foreach_sub.
 * @internal
 */
export function sub(xs: List, other: List | number, alpha = 1): List {
  return Array.isArray(other) ? aten._foreach_sub.List(xs, other, { alpha }) : aten._foreach_sub.Scalar(xs, other);
}
/**
 * xs * s, xs * ys, or xs * [s_i] (one number per tensor).
 * @internal
 */
export function mul(xs: List, other: List | number | number[]): List {
  if (typeof other === 'number') return aten._foreach_mul.Scalar(xs, other);
  return isNumbers(other) ? aten._foreach_mul.ScalarList(xs, other) : aten._foreach_mul.List(xs, other);
}
/**
 * _foreach_mul_.
 * @internal
 */
export function mul_(xs: List, other: List | number | number[]): void {
  if (typeof other === 'number') aten._foreach_mul_.Scalar(xs, other);
  else if (isNumbers(other)) aten._foreach_mul_.ScalarList(xs, other);
  else aten._foreach_mul_.List(xs, other);
}
/**
 * _foreach_div.
 * @internal
 */
export function div(xs: List, other: List | number | number[]): List {
  if (typeof other === 'number') return aten._foreach_div.Scalar(xs, other);
  return isNumbers(other) ? aten._foreach_div.ScalarList(xs, other) : aten._foreach_div.List(xs, other);
}
/**
 * _foreach_div_.
 * @internal
 */
export function div_(xs: List, other: List | number | number[]): void {
  if (typeof other === 'number') aten._foreach_div_.Scalar(xs, other);
  else if (isNumbers(other)) aten._foreach_div_.ScalarList(xs, other);
  else aten._foreach_div_.List(xs, other);
}
/**
 * xs + value * a * b, as a new list; value one number, or one per tensor.
 * @internal
 */
export function addcmul(xs: List, a: List, b: List, value: number | number[] = 1): List {
  return typeof value === 'number'
    ? aten._foreach_addcmul.Scalar(xs, a, b, value)
    : aten._foreach_addcmul.ScalarList(xs, a, b, value);
}
/**
 * xs += value * a * b; value one number, or one per tensor.
 * @internal
 */
export function addcmul_(xs: List, a: List, b: List, value: number | number[] = 1): void {
  if (typeof value === 'number') aten._foreach_addcmul_.Scalar(xs, a, b, value);
  else aten._foreach_addcmul_.ScalarList(xs, a, b, value);
}
/**
 * xs += value * a / b; value one number, or one per tensor.
 * @internal
 */
export function addcdiv_(xs: List, a: List, b: List, value: number | number[] = 1): void {
  if (typeof value === 'number') aten._foreach_addcdiv_.Scalar(xs, a, b, value);
  else aten._foreach_addcdiv_.ScalarList(xs, a, b, value);
}
/**
 * _foreach_maximum_.
 * @internal
 */
export function maximum_(xs: List, ys: List): void {
  aten._foreach_maximum_.List(xs, ys);
}
/**
 * xs += weight * (ys - xs): _foreach_lerp_ (LibTorch 2.x only).
 * @internal
 */
export function lerp_(xs: List, ys: List, weight: number): void {
  aten._foreach_lerp_.Scalar(xs, ys, weight);
}
