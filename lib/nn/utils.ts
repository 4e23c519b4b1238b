// torch.nn.utils: gradient clipping, after torch/nn/utils/clip_grad.py (PyTorch 1.13): the same
// norm operator and the same arithmetic (max_norm / (total_norm + 1e-6), clamped to 1), so the
// clipped gradients equal PyTorch's.
import { Tensor, describe } from '../tensor';
import { tensor } from '../creation';
import { stack } from '../functions';
import { tidy } from '../memory';
import { no_grad } from '../autograd';

type TensorOrTensors = Tensor | Iterable<Tensor>;

function asList(parameters: TensorOrTensors, fname: string): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters == null || typeof (parameters as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${fname}(): parameters must be a Tensor or an iterable of Tensors, not ${describe(parameters)}`);
  }
  const list = [...parameters];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${fname}(): parameters[${i}] must be a Tensor, not ${describe(p)}`);
  });
  return list;
}

function parseNormType(norm_type: number | string): number {
  if (norm_type === 'inf' || norm_type === Infinity) return Infinity;
  if (norm_type === '-inf') return -Infinity;
  const n = Number(norm_type);
  if (typeof norm_type !== 'number' && Number.isNaN(n)) throw new TypeError(`could not convert string to float: '${norm_type}'`);
  return n;
}

/** The keyword arguments of `clip_grad_norm_`, as in PyTorch. */
export interface ClipGradNormOptions {
  /** The p of the norm (default 2); `'inf'` or `Infinity` for the max norm. */
  norm_type?: number | 'inf';
  /** Throw if the total norm is NaN or infinite, instead of scaling by it (default false). */
  error_if_nonfinite?: boolean;
}

/**
 * Scales the gradients of `parameters` in place so that their joint norm is at most `max_norm`;
 * returns that norm before clipping.
 *
 * `clip_grad_norm_(parameters, max_norm, { norm_type, error_if_nonfinite })`, PyTorch's keyword
 * arguments in the options object (or `norm_type` as a number, positionally). `parameters` is a Tensor,
 * an array or any iterable of them, e.g. `model.parameters()`.
 *
 * @see [torch.nn.utils.clip_grad_norm_](https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_norm_.html)
 */
export function clip_grad_norm_(parameters: TensorOrTensors, max_norm: number, options: ClipGradNormOptions | number = {}): Tensor {
  const opts = typeof options === 'number' ? { norm_type: options } : options;
  const params = asList(parameters, 'clip_grad_norm_');
  const maxNorm = Number(max_norm);
  const normType = parseNormType(opts.norm_type ?? 2.0);
  return tidy(() => no_grad(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (grads.length === 0) return tensor(0.0, { dtype: 'float32' });
    let totalNorm: Tensor;
    if (normType === Infinity) {
      const norms = grads.map((g) => g.abs().max() as Tensor);
      totalNorm = norms.length === 1 ? norms[0] : (stack(norms).max() as Tensor);
    } else {
      // torch.norm(g, p) with p a number is norm.ScalarOpt_dim over every dimension in 1.13.
      const norms = grads.map((g) => pNorm(g, normType));
      totalNorm = pNorm(stack(norms), normType);
    }
    if (opts.error_if_nonfinite && !Number.isFinite(totalNorm.item() as number)) {
      throw new Error(`The total norm of order ${pyFloatStr(normType)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`');
    }
    // Python's float / Tensor is reciprocal() * float.
    const clipCoef = totalNorm.add(1e-6).reciprocal().mul(maxNorm);
    const clamped = clipCoef.clamp({ max: 1.0 });
    for (const g of grads) g.mul_(clamped);
    return totalNorm;
  }));
}

function pNorm(t: Tensor, p: number): Tensor {
  const dims = Array.from({ length: t.dim() }, (_, i) => i);
  return t.norm(p, dims, false);
}

function pyFloatStr(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/**
 * Clamps every gradient element of `parameters` to [-clip_value, clip_value] in place.
 *
 * @see [torch.nn.utils.clip_grad_value_](https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_value_.html)
 */
export function clip_grad_value_(parameters: TensorOrTensors, clip_value: number): void {
  const params = asList(parameters, 'clip_grad_value_');
  const v = Number(clip_value);
  tidy(() => no_grad(() => {
    for (const p of params) {
      const g = p.grad;
      if (g !== null) g.clamp_({ min: -v, max: v });
    }
  }));
}
