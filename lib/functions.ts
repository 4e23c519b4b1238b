// The torch.<fn> functions written by hand: the ones PyTorch writes in Python, and cat and stack,
// which data loading and nn call often and which take a fast path here.
import { Tensor, TensorOrScalar, wrap, wrapList, hOf, withTensor, describe, legacyTypeName } from './tensor';
import { tensor as tensorOf } from './creation';
import { op, call } from './ops';
import { params } from './args';

// torch.norm, torch.split and the functions below are Python-level in PyTorch too (torch/functional.py):
// their signatures are not the operator schemas', so they are written here. Every other torch.<fn>
// is generated from the schemas (lib/generated/torch_functions.ts).

/**
 * `torch.norm(input, p = 'fro', dim = null, keepdim = false, { dtype })`: the matrix or vector norm,
 * as `input.norm(...)`; p, dim and keepdim come positionally or in the trailing options object.
 * @see https://pytorch.org/docs/stable/generated/torch.norm.html
 */
export function norm(input: Tensor, ...args: unknown[]): Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`norm(): argument 'input' must be a Tensor, not ${describe(input)}`);
  return (input.norm as (...a: unknown[]) => Tensor)(...args);
}

/**
 * `torch.split(tensor, split_size_or_sections, dim = 0)`: splits into chunks of a size, or of the
 * listed sizes, as `tensor.split(...)`.
 * @see https://pytorch.org/docs/stable/generated/torch.split.html
 */
export function split(tensor: Tensor, ...args: unknown[]): Tensor[] {
  if (!(tensor instanceof Tensor)) throw new TypeError(`split(): argument 'tensor' must be a Tensor, not ${describe(tensor)}`);
  return (tensor.split as (...a: unknown[]) => Tensor[])(...args);
}

export { triu } from './generated/torch_functions';

function handles(fname: string, tensors: Tensor[]): number[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${fname}(): argument 'tensors' must be an array of Tensors, not ${describe(tensors)}`);
  return tensors.map((x, i) => hOf(x, `tensors[${i}]`));
}

/**
 * `torch.cat(tensors, dim = 0)`: concatenates tensors along an existing dimension.
 * @see https://pytorch.org/docs/stable/generated/torch.cat.html
 */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  return wrap(call(op('cat').get(), handles('cat', tensors), dim));
}
/**
 * `torch.concat`, an alias of {@link cat}.
 * @see https://pytorch.org/docs/stable/generated/torch.concat.html
 */
export const concat = cat;

/**
 * `torch.stack(tensors, dim = 0)`: joins tensors of one shape along a new dimension.
 * @see https://pytorch.org/docs/stable/generated/torch.stack.html
 */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return wrap(call(op('stack').get(), handles('stack', tensors), dim));
}

/**
 * `torch.einsum(equation, ...operands)`: Einstein summation; the operands come variadically
 * (`einsum('ij,jk->ik', a, b)`) or as one array (`einsum('ij,jk->ik', [a, b])`). PyTorch's sublist
 * format (operands interleaved with index lists) is not supported.
 * @see https://pytorch.org/docs/stable/generated/torch.einsum.html
 */
export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  const list = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : (operands as Tensor[]);
  return wrap(call(op('einsum').get(), equation, handles('einsum', list)));
}

/**
 * `torch.broadcast_tensors(...tensors)`: the tensors expanded to their common broadcast shape.
 * @see https://pytorch.org/docs/stable/generated/torch.broadcast_tensors.html
 */
export function broadcast_tensors(...tensors: Tensor[]): Tensor[] {
  return wrapList(call(op('broadcast_tensors').get(), handles('broadcast_tensors', tensors)));
}

// ---- more of torch/functional.py and torch/__init__.py --------------------------------------------

/**
 * `torch.unique(input, sorted = true, return_inverse = false, return_counts = false, dim = null)`: the
 * unique elements, as `input.unique(...)`; an array [values, inverse?, counts?] when inverse or counts
 * are asked for. The options come positionally or as a trailing object.
 * @see https://pytorch.org/docs/stable/generated/torch.unique.html
 */
export function unique(input: Tensor, ...args: unknown[]): Tensor | Tensor[] {
  return tensorArg('unique', 'input', input).unique(...args);
}

/**
 * `torch.unique_consecutive(input, return_inverse = false, return_counts = false, dim = null)`: drops
 * consecutive duplicates, as `input.unique_consecutive(...)`.
 * @see https://pytorch.org/docs/stable/generated/torch.unique_consecutive.html
 */
export function unique_consecutive(input: Tensor, ...args: unknown[]): Tensor | Tensor[] {
  return tensorArg('unique_consecutive', 'input', input).unique_consecutive(...args);
}

/**
 * `torch.nonzero(input, { as_tuple = false })`: the indices of non-zero elements, as one 2-D tensor,
 * or with `as_tuple` an array of one 1-D tensor per dimension.
 * @see https://pytorch.org/docs/stable/generated/torch.nonzero.html
 */
export function nonzero(input: Tensor, options?: { as_tuple?: boolean }): Tensor | Tensor[] {
  return tensorArg('nonzero', 'input', input).nonzero(options as { as_tuple: true });
}

/**
 * `torch.numel(input)`: the number of elements.
 * @see https://pytorch.org/docs/stable/generated/torch.numel.html
 */
export function numel(input: Tensor): number {
  return tensorArg('numel', 'input', input).numel();
}

/**
 * `torch.broadcast_shapes(...shapes)`: the shape broadcasting gives, without making tensors. Each shape
 * is a number or an array of numbers; RangeError when they do not broadcast.
 * @see https://pytorch.org/docs/stable/generated/torch.broadcast_shapes.html
 */
export function broadcast_shapes(...shapes: (number | number[])[]): number[] {
  const lists = shapes.map((s, i) => {
    const list = typeof s === 'number' ? [s] : s;
    if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d))) {
      throw new TypeError(`broadcast_shapes(): shape ${i} must be an int or an array of ints, not ${describe(s)}`);
    }
    return list;
  });
  const ndim = Math.max(0, ...lists.map((l) => l.length));
  const out = new Array<number>(ndim).fill(1);
  for (const l of lists) {
    for (let i = 0; i < l.length; i++) {
      const j = ndim - l.length + i;
      const d = l[i];
      if (d < 0) throw new RangeError(`broadcast_shapes(): Trying to create tensor with negative dimension ${d}`);
      if (d === 1 || d === out[j]) continue;
      if (out[j] !== 1) throw new RangeError(`Shape mismatch: objects cannot be broadcast to a single shape. Mismatch is at dim ${j}: ${out[j]} and ${d}`);
      out[j] = d;
    }
  }
  return out;
}

/**
 * `torch.unravel_index(indices, shape)`: the coordinates of flat indices in a shape, one tensor per
 * dimension; negative indices count from the end. `indices` is an integer tensor or a number.
 * @see https://pytorch.org/docs/stable/generated/torch.unravel_index.html
 */
export function unravel_index(indices: Tensor | number, shape: number | number[]): Tensor[] {
  const dims = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`unravel_index(): shape must be an int or an array of non-negative ints, not ${describe(shape)}`);
  }
  const flat = indices instanceof Tensor ? indices : tensorOf(indices);
  if (flat.is_floating_point() || flat.dtype.is_complex || flat.dtype.name === 'bool') {
    throw new TypeError(`unravel_index(): expected 'indices' to be an integer tensor, but got ${flat.dtype}`);
  }
  const total = dims.reduce((a, b) => a * b, 1);
  if (flat.numel() > 0 && (flat.min().item() as number) < -total || flat.numel() > 0 && (flat.max().item() as number) >= total) {
    throw new RangeError("unravel_index(): 'indices' must be in range [-prod(shape), prod(shape) - 1]");
  }
  // Negative indices count from the end, as in PyTorch.
  let rest = flat.remainder(total);
  const out: Tensor[] = new Array(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    out[i] = rest.remainder(dims[i]);
    rest = rest.div(dims[i], { rounding_mode: 'floor' });
  }
  return out;
}

/**
 * `torch.typename(obj)`: 'torch.FloatTensor' (etc.) for a tensor; for anything else the JS class name
 * or `typeof` (PyTorch gives Python's qualified type name).
 * @see https://pytorch.org/docs/stable/generated/torch.typename.html
 */
export function typename(obj: unknown): string {
  if (obj instanceof Tensor) return legacyTypeName(obj);
  if (obj === null) return 'null';
  if (typeof obj === 'object' || typeof obj === 'function') return (obj as { constructor?: { name?: string } }).constructor?.name ?? typeof obj;
  return typeof obj;
}

/**
 * `torch.is_storage(obj)`: always false, since torchnode has no separate storage objects.
 * @see https://pytorch.org/docs/stable/generated/torch.is_storage.html
 */
export function is_storage(_obj: unknown): boolean {
  return false;
}

/**
 * `torch.lu(A, pivot = true, get_infos = false, { out })`: the LU factorization, as `A.lu(pivot,
 * get_infos)`: `[LU, pivots]`, or `[LU, pivots, infos]` with `get_infos`. With `out` (an array of
 * as many tensors) the results are written into it and it is returned. Deprecated in PyTorch for
 * `torch.linalg.lu_factor` / `lu_factor_ex`.
 * @see https://pytorch.org/docs/stable/generated/torch.lu.html
 */
export function lu(A: Tensor, ...args: unknown[]): Tensor[] {
  const [pivot = true, get_infos = false, out = null] = params('lu', args, ['pivot', 'get_infos', 'out']);
  const result = tensorArg('lu', 'A', A).lu({ pivot: pivot as boolean, get_infos: get_infos as boolean });
  if (out === null) return result;
  if (!Array.isArray(out) || !out.every((t) => t instanceof Tensor)) {
    throw new TypeError(`lu(): argument 'out' must be an array of Tensors, not ${describe(out)}`);
  }
  if (out.length !== result.length) throw new TypeError(`lu(): expected 'out' of ${result.length} tensors but got ${out.length}`);
  out.forEach((t: Tensor, i) => t.resize_as_(result[i]).copy_(result[i]));
  return out;
}

function tensorArg(fname: string, name: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${fname}(): argument '${name}' must be a Tensor, not ${describe(x)}`);
  return x;
}

// torch/functional.py takes tensors variadically where the schemas take one list.
function tensorsOf(fname: string, args: unknown[]): Tensor[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return list.map((t, i) => tensorArg(fname, `tensors[${i}]`, t));
}

function atleast(fname: string, overload: string, args: unknown[]): Tensor | Tensor[] {
  if (args.length === 1 && args[0] instanceof Tensor) return wrap(call(op(overload).get(), args[0].h));
  return wrapList(call(op(`${overload}.Sequence`).get(), handles(fname, tensorsOf(fname, args))));
}

/**
 * `torch.atleast_1d(t)` gives a tensor with at least one dimension; `atleast_1d(a, b)` or
 * `atleast_1d([a, b])` gives an array.
 * @see https://pytorch.org/docs/stable/generated/torch.atleast_1d.html
 */
export function atleast_1d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  return atleast('atleast_1d', 'atleast_1d', tensors);
}
/**
 * `torch.atleast_2d(t)` gives a tensor with at least two dimensions; `atleast_2d(a, b)` or
 * `atleast_2d([a, b])` gives an array.
 * @see https://pytorch.org/docs/stable/generated/torch.atleast_2d.html
 */
export function atleast_2d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  return atleast('atleast_2d', 'atleast_2d', tensors);
}
/**
 * `torch.atleast_3d(t)` gives a tensor with at least three dimensions; `atleast_3d(a, b)` or
 * `atleast_3d([a, b])` gives an array.
 * @see https://pytorch.org/docs/stable/generated/torch.atleast_3d.html
 */
export function atleast_3d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  return atleast('atleast_3d', 'atleast_3d', tensors);
}

/**
 * `torch.block_diag(...tensors)`: a block-diagonal matrix of the given tensors (also as one array).
 * @see https://pytorch.org/docs/stable/generated/torch.block_diag.html
 */
export function block_diag(...tensors: Tensor[]): Tensor {
  return wrap(call(op('block_diag').get(), handles('block_diag', tensorsOf('block_diag', tensors))));
}

/**
 * `torch.cartesian_prod(...tensors)`: the Cartesian product of 1-D tensors (also as one array).
 * @see https://pytorch.org/docs/stable/generated/torch.cartesian_prod.html
 */
export function cartesian_prod(...tensors: Tensor[]): Tensor {
  return wrap(call(op('cartesian_prod').get(), handles('cartesian_prod', tensorsOf('cartesian_prod', tensors))));
}

/**
 * `torch.meshgrid(...tensors, { indexing: 'ij' | 'xy' })`: coordinate grids from 1-D tensors (also
 * as one array). Without `indexing` it is 'ij', as in PyTorch, which also warns; torchnode does not.
 * @see https://pytorch.org/docs/stable/generated/torch.meshgrid.html
 */
export function meshgrid(...args: (Tensor | Tensor[] | { indexing?: 'ij' | 'xy' })[]): Tensor[] {
  const last = args[args.length - 1];
  const opts = last !== undefined && !(last instanceof Tensor) && !Array.isArray(last) ? (last as { indexing?: string }) : undefined;
  const tensors = tensorsOf('meshgrid', opts ? args.slice(0, -1) : args);
  return wrapList(call(op('meshgrid.indexing').get(), handles('meshgrid', tensors), opts?.indexing ?? 'ij'));
}

/**
 * `torch.tensordot(a, b, dims = 2)`: contracts the last `dims` dimensions of `a` with the first of
 * `b`, or the listed `[dims_a, dims_b]`; dims may also be a tensor.
 * @see https://pytorch.org/docs/stable/generated/torch.tensordot.html
 */
export function tensordot(a: Tensor, b: Tensor, dims: number | [number[], number[]] | Tensor = 2): Tensor {
  tensorArg('tensordot', 'a', a);
  tensorArg('tensordot', 'b', b);
  let da: number[];
  let db: number[];
  const d = dims instanceof Tensor ? (dims.numel() === 1 ? (dims.item() as number) : (dims.tolist() as [number[], number[]])) : dims;
  if (typeof d === 'number') {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensordot expects dims >= 0, but got dims=${d}`);
    da = Array.from({ length: d }, (_, i) => i - d);
    db = Array.from({ length: d }, (_, i) => i);
  } else if (Array.isArray(d) && d.length === 2) {
    [da, db] = d.map((x) => (typeof x === 'number' ? [x] : x)) as [number[], number[]];
  } else {
    throw new TypeError('tensordot expects dims to be an int, a pair of lists of dimensions, or a Tensor');
  }
  return wrap(call(op('tensordot').get(), a.h, b.h, da, db));
}

const CDIST_MODES: Record<string, number | null> = {
  use_mm_for_euclid_dist_if_necessary: null, use_mm_for_euclid_dist: 1, donot_use_mm_for_euclid_dist: 2,
};

/**
 * `torch.cdist(x1, x2, p = 2, compute_mode = 'use_mm_for_euclid_dist_if_necessary')`: pairwise
 * p-norm distances between the rows of two batches of matrices; p and compute_mode come positionally
 * or as `{ p, compute_mode }`.
 * @see https://pytorch.org/docs/stable/generated/torch.cdist.html
 */
export function cdist(x1: Tensor, x2: Tensor, ...args: unknown[]): Tensor {
  const [p = 2, compute_mode = 'use_mm_for_euclid_dist_if_necessary'] = params('cdist', args, ['p', 'compute_mode']);
  if (!(String(compute_mode) in CDIST_MODES)) throw new TypeError(`${String(compute_mode)} is not a valid value for compute_mode`);
  return wrap(call(op('cdist').get(), tensorArg('cdist', 'x1', x1).h, tensorArg('cdist', 'x2', x2).h, p, CDIST_MODES[String(compute_mode)]));
}
