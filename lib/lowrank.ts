// torch.svd_lowrank and torch.pca_lowrank as torch/_lowrank.py writes them: the randomized SVD of
// Halko, Martinsson and Tropp (arXiv:0909.4061), Algorithms 4.4 and 5.1. PyTorch 2 rewrote
// _svd_lowrank (1.13 picks A or its transpose by the shapes and q; 2.x transposes a wide A only)
// and draws the random matrix of a complex A in A's dtype, so the running LibTorch's version picks
// the variant: with one seed the same generator draws the same matrices, and the results equal
// PyTorch's bit for bit.
import { Tensor, describe } from './tensor';
import { DType, float16, float32, float64 } from './dtype';
import { randn, ones, zeros_like } from './creation';
import { stack } from './functions';
import { qr, svd } from './generated/linalg';
import { ops } from './raw_ops';
import { params } from './args';
import { isPytorch2 } from './pytorch_version';
import { keep } from './memory';

type USV = [U: Tensor, S: Tensor, V: Tensor];

/**
 * `torch.svd_lowrank(A, q = 6, niter = 2, M = null)`: an approximate SVD `[U, S, V]` with
 * `A ≈ U diag(S) Vᴴ` (of `A - M` when M, of A's size, is given; PyTorch 2 broadcasts it), for a
 * matrix, a batch of matrices or a sparse COO matrix. `q` is a slightly overestimated rank of A
 * (on LibTorch 1.13 at most min(m, n), a RangeError otherwise), `niter` the number of subspace
 * iterations. The arguments come positionally or as `{ q, niter, M }`. A randomized method: seed
 * with `torch.manual_seed` for repeatable results.
 * @see https://pytorch.org/docs/stable/generated/torch.svd_lowrank.html
 */
export function svd_lowrank(A: Tensor, ...args: unknown[]): USV {
  const [q = null, niter = null, M = null] = params('svd_lowrank', args, ['q', 'niter', 'M']);
  checkMatrix('svd_lowrank', A);
  return svdLowrank(A, intOrNull('svd_lowrank', 'q', q) ?? 6, intOrNull('svd_lowrank', 'niter', niter) ?? 2, tensorOrNull('svd_lowrank', 'M', M));
}

/**
 * `torch.pca_lowrank(A, q = null, center = true, niter = 2)`: linear PCA of a low-rank matrix, a
 * batch of them or a sparse COO matrix, as the approximate SVD `[U, S, V]` of A centered over its
 * rows (with `center`; otherwise A is taken as centered). V's columns are the principal
 * directions. `q` defaults to min(6, m, n); a q outside [0, min(m, n)] or a negative niter is a
 * RangeError, as PyTorch's ValueError. The arguments come positionally or as `{ q, center, niter }`.
 * @see https://pytorch.org/docs/stable/generated/torch.pca_lowrank.html
 */
export function pca_lowrank(A: Tensor, ...args: unknown[]): USV {
  const [qArg = null, center = true, niterArg = 2] = params('pca_lowrank', args, ['q', 'center', 'niter']);
  const [m, n] = checkMatrix('pca_lowrank', A);
  let q = intOrNull('pca_lowrank', 'q', qArg);
  if (q === null) q = Math.min(6, m, n);
  else if (!(q >= 0 && q <= Math.min(m, n))) {
    throw new RangeError(`q(=${q}) must be non-negative integer and not greater than min(m, n)=${Math.min(m, n)}`);
  }
  if (typeof niterArg !== 'number' || !Number.isInteger(niterArg)) throw argumentError('pca_lowrank', 'niter', 'int', niterArg);
  if (!(niterArg >= 0)) throw new RangeError(`niter(=${niterArg}) must be non-negative integer`);
  if (typeof center !== 'boolean') throw argumentError('pca_lowrank', 'center', 'boolean', center);
  if (!center) return svdLowrank(A, q, niterArg, null);
  if (isSparseCoo(A)) return svdLowrank(A, q, niterArg, sparseColumnMeans(A, m, n));
  return svdLowrank(A.sub(A.mean([-2], true)), q, niterArg, null);
}

// The column means of a sparse m x n A as a dense m x n matrix M (each row the mean row), made the
// way _lowrank.py makes it: a sparse n x 1 matrix of the means times a row of m ones.
function sparseColumnMeans(A: Tensor, m: number, n: number): Tensor {
  if (A.dim() !== 2) throw new RangeError('pca_lowrank input is expected to be 2-dimensional tensor');
  const c = ops.aten._sparse_sum.dim<Tensor>(A, [-2]).div(m);
  const columnIndices = ops.aten.indices<Tensor>(c).select(0, 0);
  const indices = stack([columnIndices, zeros_like(columnIndices)]);
  const dtype = floatingDtype(A);
  const C_t: Tensor = ops.aten.sparse_coo_tensor.indices_size(indices, ops.aten.values(c), [n, 1], { dtype, device: A.device });
  const ones_m1_t = ones([...A.shape.slice(0, -2), 1, m], { dtype, device: A.device });
  return sparseMm(C_t, ones_m1_t).transpose(-2, -1);
}

function svdLowrank(A: Tensor, q: number, niter: number, M: Tensor | null): USV {
  return isPytorch2 ? svdLowrank2(A, q, niter, M) : svdLowrank1(A, q, niter, M);
}

// PyTorch 2's _svd_lowrank: a wide A is transposed so that A is tall, and Q spans A's columns.
function svdLowrank2(input: Tensor, q: number, niter: number, mean: Tensor | null): USV {
  const [m, n] = input.shape.slice(-2);
  const wide = m < n;
  let A = input;
  let M = mean === null ? null : mean.broadcast_to(A.shape);
  if (wide) {
    A = A.adjoint();
    if (M !== null) M = M.adjoint();
  }
  const Q = approximateBasis2(A, q, niter, M);
  const [U, S, Vh] = svd(minusMean(Q.adjoint(), A, M), { full_matrices: false });
  const V = Vh.adjoint();
  const QU = Q.matmul(U);
  return wide ? [V, S, QU] : [QU, S, V];
}

// PyTorch 2's get_approximate_basis: q orthonormal columns Q with Q Qᴴ (A - M) ≈ A - M.
function approximateBasis2(A: Tensor, q: number, niter: number, M: Tensor | null): Tensor {
  const dtype = A.dtype.is_complex ? A.dtype : floatingDtype(A);
  const R = randn([A.shape[A.dim() - 1], q], { dtype, device: A.device });
  let Q = qr(timesMinusMean(A, M, R))[0];
  for (let i = 0; i < niter; i++) {
    Q = qr(timesMinusMean(A.adjoint(), M === null ? null : M.adjoint(), Q))[0];
    Q = qr(timesMinusMean(A, M, Q))[0];
  }
  return Q;
}

// PyTorch 1.13's _svd_lowrank: the SVD of the transpose when A is wide or n > q, keeping B small.
function svdLowrank1(A: Tensor, q: number, niter: number, M: Tensor | null): USV {
  const [m, n] = A.shape.slice(-2);
  const M_t = M === null ? null : transpose(M);
  const A_t = transpose(A);
  if (m < n || n > q) {
    const Q = approximateBasis1(A_t, q, niter, M_t);
    const B_t = timesMinusMean(A, M, conjugate(Q));
    checkShape1(B_t, m, q);
    const [U, S, Vh] = svd(B_t, { full_matrices: false });
    return [U, S, Q.matmul(Vh.adjoint())];
  }
  const Q = approximateBasis1(A, q, niter, M);
  const B_t = transpose(timesMinusMean(A_t, M_t, conjugate(Q)));
  checkShape1(B_t, q, n);
  const [U, S, Vh] = svd(B_t, { full_matrices: false });
  return [Q.matmul(U), S, Vh.adjoint()];
}

// 1.13's _svd_lowrank asserts B's shape, which fails when q is over min(m, n) (Q then has fewer
// than q columns): an error here too, where PyTorch 2 returns fewer than q singular values.
function checkShape1(B_t: Tensor, rows: number, columns: number): void {
  const [r, c] = B_t.shape.slice(-2);
  if (r !== rows || c !== columns || c > r) {
    throw new RangeError(`svd_lowrank(): q must not be greater than min(m, n) with PyTorch 1.13's algorithm: B has shape [${B_t.shape}], expected [..., ${rows}, ${columns}] with ${columns} <= ${rows} (PyTorch 1.13 fails its assertion here)`);
  }
}

// PyTorch 1.13's get_approximate_basis (R is drawn in A's floating dtype, float32 for complex A).
function approximateBasis1(A: Tensor, q: number, niter: number, M: Tensor | null): Tensor {
  const R = randn([A.shape[A.dim() - 1], q], { dtype: floatingDtype(A), device: A.device });
  const A_H = transjugate(A);
  const M_H = M === null ? null : transjugate(M);
  let Q = qr(timesMinusMean(A, M, R))[0];
  for (let i = 0; i < niter; i++) {
    Q = qr(timesMinusMean(A_H, M_H, Q))[0];
    Q = qr(timesMinusMean(A, M, Q))[0];
  }
  return Q;
}

// A B - M B, without forming A - M (A may be sparse, M dense); A B without a mean.
function timesMinusMean(A: Tensor, M: Tensor | null, B: Tensor): Tensor {
  const AB = matmul(A, B);
  return M === null ? AB : AB.sub(matmul(M, B));
}

// Qᴴ A - Qᴴ M, the left-hand version of timesMinusMean.
function minusMean(QH: Tensor, A: Tensor, M: Tensor | null): Tensor {
  const QA = matmul(QH, A);
  return M === null ? QA : QA.sub(matmul(QH, M));
}

// ---- torch/_linalg_utils.py ---------------------------------------------------------------------

// Only sparse COO goes to torch.sparse.mm, as _linalg_utils.is_sparse has it; other layouts matmul.
// A tensor's layout is told by comparing it with a sparse COO tensor, made once and kept out of
// the caller's scopes.
let sparseCooReference: Tensor | undefined;
function isSparseCoo(A: Tensor): boolean {
  sparseCooReference ??= keep(ops.aten.empty.memory_format<Tensor>([0]).to_sparse());
  return ops.aten._has_compatible_shallow_copy_type<boolean>(A, sparseCooReference);
}

function matmul(A: Tensor, B: Tensor): Tensor {
  return isSparseCoo(A) ? sparseMm(A, B) : A.matmul(B);
}

function sparseMm(A: Tensor, B: Tensor): Tensor {
  return ops.aten._sparse_mm(A, B);
}

// Integer (and bfloat16) inputs draw their random matrix in float32.
function floatingDtype(A: Tensor): DType {
  const dtype = A.dtype;
  return dtype === float16 || dtype === float32 || dtype === float64 ? dtype : float32;
}

function conjugate(A: Tensor): Tensor {
  return A.dtype.is_complex ? A.conj() : A;
}

function transpose(A: Tensor): Tensor {
  return A.transpose(-1, -2);
}

function transjugate(A: Tensor): Tensor {
  return conjugate(transpose(A));
}

// ---- arguments ----------------------------------------------------------------------------------

// Python unpacks `m, n = A.shape[-2:]`; a tensor of fewer dimensions fails there.
function checkMatrix(fname: string, A: unknown): [number, number] {
  if (!(A instanceof Tensor)) throw new TypeError(`${fname}(): argument 'A' must be a Tensor, not ${describe(A)}`);
  if (A.dim() < 2) throw new RangeError(`${fname}(): expected A of size (*, m, n), a matrix or a batch of matrices, but got a tensor of ${A.dim()} dimension${A.dim() === 1 ? '' : 's'}`);
  const [m, n] = A.shape.slice(-2);
  return [m, n];
}

function intOrNull(fname: string, name: string, v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw argumentError(fname, name, 'int or null', v);
  return v;
}

function tensorOrNull(fname: string, name: string, v: unknown): Tensor | null {
  if (v === null || v instanceof Tensor) return v;
  throw argumentError(fname, name, 'Tensor or null', v);
}

function argumentError(fname: string, name: string, expected: string, v: unknown): TypeError {
  return new TypeError(`${fname}(): argument '${name}' must be ${expected}, not ${describe(v)}`);
}
