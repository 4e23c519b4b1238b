// torch.<fn>(input, ...) forms of the Tensor methods, plus the functions that take several
// tensors (cat, stack, where, einsum...).
import { Tensor, TensorOrScalar, ValuesIndices, wrap, wrapList, hOf, withTensor, describe } from './tensor';
import { op, call } from './ops';

type MethodAsFunction<K extends keyof Tensor> = Tensor[K] extends (...a: infer A) => infer R ? (input: Tensor, ...a: A) => R : never;

function fn<K extends keyof Tensor>(name: K): MethodAsFunction<K> {
  return ((input: Tensor, ...args: unknown[]) => {
    if (!(input instanceof Tensor)) throw new TypeError(`${String(name)}(): argument 'input' must be a Tensor, not ${describe(input)}`);
    return (input[name] as (...a: unknown[]) => unknown)(...args);
  }) as MethodAsFunction<K>;
}

export const add = fn('add'); export const sub = fn('sub'); export const mul = fn('mul'); export const div = fn('div');
export const true_divide = fn('true_divide'); export const floor_divide = fn('floor_divide');
export const remainder = fn('remainder'); export const fmod = fn('fmod');
/** pow(input, exponent); the base may be a number: torch.pow(2, t). */
export function pow(input: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  if (input instanceof Tensor) return input.pow(exponent);
  return wrap(call(op('pow.Scalar').get(), input, hOf(exponent, 'exponent')));
}
export const neg = fn('neg'); export const negative = fn('negative'); export const abs = fn('abs');
export const reciprocal = fn('reciprocal'); export const square = fn('square');
export const matmul = fn('matmul'); export const mm = fn('mm'); export const bmm = fn('bmm'); export const dot = fn('dot');
export const outer = fn('outer');
export const eq = fn('eq'); export const ne = fn('ne'); export const lt = fn('lt'); export const le = fn('le');
export const gt = fn('gt'); export const ge = fn('ge'); export const equal = fn('equal'); export const allclose = fn('allclose');
export const isclose = fn('isclose'); export const isnan = fn('isnan'); export const isinf = fn('isinf');
export const isfinite = fn('isfinite');
export const logical_and = fn('logical_and'); export const logical_or = fn('logical_or');
export const logical_xor = fn('logical_xor'); export const logical_not = fn('logical_not');
export const bitwise_and = fn('bitwise_and'); export const bitwise_or = fn('bitwise_or');
export const bitwise_xor = fn('bitwise_xor'); export const bitwise_not = fn('bitwise_not');
export const exp = fn('exp'); export const exp2 = fn('exp2'); export const log = fn('log'); export const log2 = fn('log2');
export const log10 = fn('log10'); export const log1p = fn('log1p'); export const expm1 = fn('expm1');
export const sqrt = fn('sqrt'); export const rsqrt = fn('rsqrt');
export const sin = fn('sin'); export const cos = fn('cos'); export const tan = fn('tan'); export const asin = fn('asin');
export const acos = fn('acos'); export const atan = fn('atan'); export const atan2 = fn('atan2');
export const sinh = fn('sinh'); export const cosh = fn('cosh'); export const tanh = fn('tanh');
export const sigmoid = fn('sigmoid'); export const relu = fn('relu'); export const erf = fn('erf'); export const erfinv = fn('erfinv');
export const floor = fn('floor'); export const ceil = fn('ceil'); export const round = fn('round'); export const trunc = fn('trunc');
export const frac = fn('frac'); export const sign = fn('sign'); export const clamp = fn('clamp'); export const clip = fn('clip');
export const maximum = fn('maximum'); export const minimum = fn('minimum'); export const fmax = fn('fmax'); export const fmin = fn('fmin');
export const lerp = fn('lerp'); export const masked_fill = fn('masked_fill');
export const sum = fn('sum'); export const mean = fn('mean'); export const nansum = fn('nansum'); export const prod = fn('prod');
export const amax = fn('amax'); export const amin = fn('amin'); export const argmax = fn('argmax'); export const argmin = fn('argmin');
export const std = fn('std'); export const var_ = fn('var'); export const norm = fn('norm');
export const softmax = fn('softmax'); export const log_softmax = fn('log_softmax');
export const cumsum = fn('cumsum'); export const cumprod = fn('cumprod'); export const logsumexp = fn('logsumexp');
export const all = fn('all'); export const any = fn('any'); export const sort = fn('sort'); export const argsort = fn('argsort');
export const topk = fn('topk');
export const reshape = fn('reshape'); export const permute = fn('permute'); export const transpose = fn('transpose');
export const t = fn('t'); export const movedim = fn('movedim'); export const squeeze = fn('squeeze');
export const unsqueeze = fn('unsqueeze'); export const flatten = fn('flatten'); export const unflatten = fn('unflatten');
export const split = fn('split'); export const chunk = fn('chunk'); export const unbind = fn('unbind');
export const narrow = fn('narrow'); export const select = fn('select'); export const flip = fn('flip'); export const roll = fn('roll');
export const tril = fn('tril'); export const triu = fn('triu'); export const gather = fn('gather'); export const scatter = fn('scatter');
export const scatter_add = fn('scatter_add'); export const index_select = fn('index_select');
export const masked_select = fn('masked_select'); export const nonzero = fn('nonzero');
export const clone = fn('clone'); export const detach = fn('detach');

/** torch.max(input), torch.max(input, dim, keepdim?), torch.max(input, other) */
export function max(input: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return (input.max as (...a: unknown[]) => Tensor | ValuesIndices)(...args);
}
export function min(input: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return (input.min as (...a: unknown[]) => Tensor | ValuesIndices)(...args);
}

function handles(fname: string, tensors: Tensor[]): number[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${fname}(): argument 'tensors' must be an array of Tensors, not ${describe(tensors)}`);
  return tensors.map((x, i) => hOf(x, `tensors[${i}]`));
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  return wrap(call(op('cat').get(), handles('cat', tensors), dim));
}
export const concat = cat;

export function stack(tensors: Tensor[], dim = 0): Tensor {
  return wrap(call(op('stack').get(), handles('stack', tensors), dim));
}

/** where(condition, input, other); where(condition) gives the indices where it holds. */
export function where(condition: Tensor, input?: TensorOrScalar, other?: TensorOrScalar): Tensor | Tensor[] {
  if (input === undefined) return wrapList(call(op('where').get(), hOf(condition, 'condition')));
  if (!(input instanceof Tensor)) {
    if (!(other instanceof Tensor)) {
      throw new TypeError('where(condition, input, other): at least one of input and other must be a Tensor');
    }
    return withTensor(input, other, (ih) => wrap(call(op('where.self').get(), hOf(condition, 'condition'), ih, other.h)));
  }
  return input.where(condition, other as TensorOrScalar);
}

/** einsum('ij,jk->ik', a, b) or einsum('ij,jk->ik', [a, b]) */
export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  const list = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : (operands as Tensor[]);
  return wrap(call(op('einsum').get(), equation, handles('einsum', list)));
}

export function broadcast_tensors(...tensors: Tensor[]): Tensor[] {
  return wrapList(call(op('broadcast_tensors').get(), handles('broadcast_tensors', tensors)));
}
