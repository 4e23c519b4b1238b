// The generated torch.* namespace (lib/generated/, lib/python_args.ts) and the Python-level
// functions added with it: values against PyTorch (tests/fixtures/torch-X.Y/namespace.json from
// scripts/gen_namespace_fixtures.py), PyTorch's argument parsing and messages, and coverage of
// PyTorch 2.x's documented functions (tests/fixtures/namespace_coverage.json).
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as torch from '../lib';
import { Tensor } from '../lib';
import { native } from '../lib/binding';
import { TORCH } from '../lib/generated/signatures';
import * as generated from '../lib/generated/torch_functions';
import { execFileSync } from 'node:child_process';
import { checkOracle, oracleEnv, oraclePython } from './oracle';

const tag = native.libtorch.version.split('.').slice(0, 2).join('.');
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', `torch-${tag}`, 'namespace.json'), 'utf8'));
const coverage = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'namespace_coverage.json'), 'utf8'));

const f64 = { dtype: torch.float64 };
const A = torch.tensor([[1.5, -2.0, 3.25], [0.5, 4.0, -1.0]], f64);
const B = torch.tensor([[2.0, 1.0], [-1.0, 0.5], [3.0, 2.0]], f64);
const S = torch.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]], f64);
const V = torch.tensor([3.0, 1.0, 3.0, 2.0, 2.0, 5.0], f64);
const I = torch.tensor([3, 1, 3, 3, 2, 1, 1]);

function seeded<T>(fn: () => T): T {
  torch.manual_seed(7);
  return fn();
}

// The same calls as scripts/gen_namespace_fixtures.py's CASES, as a porter writes them.
const CASES: Record<string, () => unknown> = {
  multinomial: () => seeded(() => torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 6, true)),
  multinomial_noreplace: () => seeded(() => torch.multinomial(torch.tensor([[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]]), 2)),
  bernoulli: () => seeded(() => torch.bernoulli(torch.full([8], 0.5))),
  randperm: () => seeded(() => torch.randperm(7)),
  new_zeros: () => A.new_zeros([2, 2]),
  new_ones: () => I.new_ones(3),
  new_full: () => A.new_full([2], 7.5),
  new_tensor: () => A.new_tensor([1, 2]),
  addmm: () => torch.addmm(torch.ones(2, 2, f64), A, B, { beta: 0.5, alpha: 2 }),
  baddbmm: () => torch.baddbmm(torch.zeros([1, 2, 2], f64), A.unsqueeze(0), B.unsqueeze(0)),
  addcmul_method: () => A.addcmul(A, A, { value: 0.5 }),
  logaddexp: () => torch.logaddexp(A, A.flip(0)),
  hypot_method: () => A.hypot(A.flip(1)),
  diff: () => torch.diff(V),
  cumsum_dtype: () => torch.cumsum(I, 0, { dtype: torch.float64 }),
  sum_dim_keepdim: () => torch.sum(A, 1, { keepdim: true }),
  std_mean: () => torch.std_mean(A, 1),
  cummax: () => torch.cummax(V, 0),
  kthvalue: () => torch.kthvalue(V, 2),
  mode: () => torch.mode(I),
  linalg_qr: () => torch.linalg.qr(S),
  linalg_inv: () => torch.linalg.inv(S),
  linalg_det: () => torch.linalg.det(S),
  linalg_solve: () => torch.linalg.solve(S, B),
  linalg_norm: () => torch.linalg.norm(A),
  linalg_vector_norm: () => torch.linalg.vector_norm(A, 3, { dim: 1 }),
  fft_rfft: () => torch.view_as_real(torch.fft.rfft(V)),
  fft_irfft: () => torch.fft.irfft(torch.fft.rfft(V), { n: 6 }),
  special_expit: () => torch.special.expit(A),
  special_xlogy: () => torch.special.xlogy(A.abs(), A.abs().add(1)),
  special_logit: () => torch.special.logit(torch.tensor([0.25, 0.5, 0.9], f64)),
  div_: () => {
    const x = A.clone();
    x.div_(torch.full([3], 2.0, f64));
    x.div_(4);
    return x;
  },
  div_mode: () => {
    const x = A.clone();
    x.div_(0.75, { rounding_mode: 'floor' });
    return x;
  },
  out: () => {
    const out = torch.empty([2, 3], f64);
    const r = torch.atan2(A, A.flip(1), { out });
    expect(r).toBe(out);
    return out;
  },
  where_scalars: () => torch.where(A.gt(0), 1.5, -0.5),
  clamp_min: () => torch.clamp_min(A, 0.5),
  tril_indices: () => torch.tril_indices(3, 3),
  block_diag: () => torch.block_diag(A.narrow(1, 0, 2), B.narrow(0, 0, 1)),
  cartesian_prod: () => torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4])),
  histc: () => torch.histc(V, { bins: 4, min: 0, max: 6 }),
  bucketize: () => torch.bucketize(V, torch.tensor([1.5, 2.5, 4.0], f64)),
  searchsorted_right: () => torch.searchsorted(torch.tensor([1.0, 2.0, 3.0], f64), V, { right: true }),
  scatter_reduce: () => torch.zeros(3, f64).scatter_reduce(0, torch.tensor([0, 1, 0, 2, 1, 2]), V, 'amax', { include_self: false }),
  index_add: () => torch.zeros(3, f64).index_add(0, torch.tensor([0, 2, 0, 1, 1, 2]), V, { alpha: 2 }),
  roll_dims: () => torch.roll(A, [1, 1], [0, 1]),
  rot90: () => torch.rot90(A, 1, [0, 1]),
  unique: () => torch.unique(I),
  unique_inverse_counts: () => torch.unique(I, { return_inverse: true, return_counts: true }),
  unique_consecutive: () => torch.unique_consecutive(I, { return_counts: true }),
  nonzero_tuple: () => torch.nonzero(A.gt(0), { as_tuple: true }),
  unravel_index: () => torch.unravel_index(torch.tensor([4, 1, -1]), [2, 3]),
  broadcast_shapes: () => torch.broadcast_shapes([2, 1], [3], [1, 1, 1]),
  LongTensor: () => torch.LongTensor([1, 2, 3]),
  FloatTensor: () => torch.FloatTensor([[1.5, 2.5]]),
  Tensor_legacy: () => new torch.Tensor([1, 2]),
  result_type: () => String(torch.result_type(I, 1.5)),
  typename: () => torch.typename(I),
  type_name: () => A.type(),
  can_cast: () => torch.can_cast(torch.float64, torch.int32),
  is_nonzero: () => torch.is_nonzero(torch.tensor([1.5])),
  dim_order: () => A.t().dim_order(),
};

function encode(v: unknown): unknown {
  if (v instanceof Tensor) {
    return { shape: v.shape, dtype: v.dtype.name, values: v.flatten().tolist() };
  }
  if (Array.isArray(v) && v.length > 0 && v[0] instanceof Tensor) return { tuple: v.map(encode) };
  if (v instanceof torch.ValuesIndices) return { tuple: [...v].map(encode) };
  return { value: v };
}

describe('the generated namespace against PyTorch', () => {
  it('has a case here for every fixture case', () => {
    expect(Object.keys(fixtures).filter((k) => !(k in CASES))).toEqual([]);
  });
  for (const [name, fn] of Object.entries(CASES)) {
    it.skipIf(!(name in fixtures))(name, () => {
      expect(encode(fn())).toEqual(fixtures[name]);
    });
  }
});

describe("PyTorch's argument parsing", () => {
  it('picks the overload by argument types, as the Python parser does', () => {
    const x = torch.tensor([1.0, 4.0]);
    expect(torch.pow(2, x).tolist()).toEqual([2, 16]); // pow(Scalar self, Tensor exponent)
    expect(torch.pow(x, 2).tolist()).toEqual([1, 16]);
    expect(torch.pow(x, x).tolist()).toEqual([1, 256]);
    expect(torch.max(x).item()).toBe(4);
    const vi = torch.max(torch.tensor([[1, 5], [7, 2]]), 1);
    expect([vi.values.tolist(), vi.indices.tolist()]).toEqual([[5, 7], [1, 0]]);
  });
  it('takes sizes variadically or as one array, and a single int for an int[N] slot', () => {
    expect(torch.ones(2).new_zeros(2, 3).shape).toEqual([2, 3]);
    expect(torch.ones(2).new_zeros([2, 3]).shape).toEqual([2, 3]);
    expect(torch.ones(1, 1, 4, 4).expand(2, 1, 4, 4).shape).toEqual([2, 1, 4, 4]);
  });
  it('takes keyword arguments by name, positional ones by position, and both for one argument is an error', () => {
    expect(torch.cumsum(torch.tensor([1, 2]), { dim: 0 }).tolist()).toEqual([1, 3]);
    expect(() => (torch.cumsum as any)(torch.tensor([1, 2]), 0, { dim: 0 })).toThrow(/multiple values for argument 'dim'/);
    expect(() => (torch.cumsum as any)(torch.tensor([1, 2]), 0, { dimm: 0 })).toThrow(/unexpected keyword argument 'dimm'/);
  });
  it("takes NumPy's names where PyTorch's parser does (axis, keepdims)", () => {
    // (untyped: the typings name PyTorch's own argument names only)
    expect((torch.sum as any)(A, { axis: 1, keepdims: true }).tolist()).toEqual(torch.sum(A, 1, { keepdim: true }).tolist());
    expect((torch.concatenate as any)([I, I], { axis: 0 }).shape).toEqual([14]);
  });
  it('names every signature when none fits, with the caller in the stack', () => {
    let err: Error | undefined;
    try {
      (torch.addmm as any)(A, 'x');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(err!.message).toMatch(/^torch\.addmm\(\) received an invalid combination of arguments - got \(Tensor, string\), but expected one of:\n \* \(Tensor input, Tensor mat1, Tensor mat2, \*, Scalar beta, Scalar alpha\)/);
    expect(err!.stack!.split('\n').find((l) => l.startsWith('    at '))).toMatch(/namespace\.test\.ts/);
  });
  it('refuses a Python number for a Tensor where PyTorch does, and takes one where it does', () => {
    expect(() => (torch.logaddexp as any)(torch.ones(1), 2)).toThrow(/argument 'other' must be Tensor, not int/);
    expect(torch.add(torch.ones(1), 2).tolist()).toEqual([3]);
  });
  it('an argument typed T? without a default must be given, so the right overload is chosen', () => {
    const x = torch.tensor([3, 1, 2]);
    expect(torch.sort(x).values.tolist()).toEqual([1, 2, 3]); // not sort.stable with stable unset
    const r = torch.zeros(200);
    r.random_(10); // random_(to), not random_.from(from=10, to=None)
    expect((r.tolist() as number[]).every((v: number) => v >= 0 && v < 10 && Number.isInteger(v))).toBe(true);
  });
  it('a number slot takes a 0-dim tensor, never one that requires grad (its gradient would be lost)', () => {
    expect(torch.clamp(torch.tensor([0, 5, 9]), torch.tensor(2), torch.tensor(6)).tolist()).toEqual([2, 5, 6]);
    const w = torch.tensor(2, { dtype: torch.float32, requires_grad: true });
    expect(() => torch.clamp(torch.ones(2), w, 3)).toThrow(/invalid combination of arguments/);
    expect(() => (torch.tril_indices as any)(2, 2, { layout: 'toString' })).toThrow(TypeError);
  });
  it('gives named tuples by index and by name', () => {
    const qr = torch.linalg.qr(S);
    const [Q, R] = qr;
    expect(qr.Q).toBe(Q);
    expect(qr.R).toBe(R);
    expect(Q.matmul(R).sub(S).abs().max().item()).toBeLessThan(1e-12);
  });
  it('applies requires_grad and dtype on factories', () => {
    const t = torch.full_like(A, 2, { requires_grad: true });
    expect(t.requires_grad).toBe(true);
    expect(torch.eye(2, { dtype: 'int32' }).dtype.name).toBe('int32');
  });
  it("says which LibTorch lacks an operator the namespace has, when called, not at load", () => {
    const missing = Object.keys(TORCH).find((n) => native.overloads(`aten::${n}`).length === 0 && typeof (torch as any)[n] === 'function');
    if (!missing) return; // every generated operator exists in this LibTorch
    expect(() => (torch as any)[missing](A)).toThrow(new RegExp(`this LibTorch \\(${native.libtorch.version.replace(/\./g, '\\.')}\\) has no operator aten::${missing}`));
  });
});

describe('Tensor methods and constructors PyTorch has beyond the schemas', () => {
  it('div_ without a rounding mode divides in place (it used to throw)', () => {
    const x = torch.tensor([2, 4], { dtype: torch.float32 });
    expect(x.div_(2)).toBe(x);
    expect(x.div_(torch.tensor([1, 4], { dtype: torch.float32 })).tolist()).toEqual([1, 0.5]);
  });
  it('legacy constructors: data, sizes, nothing, and instanceof', () => {
    expect(torch.LongTensor(2, 3).shape).toEqual([2, 3]);
    expect(torch.IntTensor().shape).toEqual([0]);
    expect(torch.LongTensor([1.7]).tolist()).toEqual([1]);
    expect(torch.ones(1, { dtype: torch.int64 }) instanceof torch.LongTensor).toBe(true);
    expect(torch.ones(1) instanceof torch.LongTensor).toBe(false);
    expect(new torch.Tensor(2, 2).dtype).toBe(torch.get_default_dtype());
    expect(() => torch.LongTensor(torch.ones(1))).toThrow(/expected torch\.int64 \(got torch\.float32\)/);
  });
  it('iterates over the first dimension, apply_ and map_ map elements, nelement/ndimension alias numel/dim', () => {
    expect([...torch.tensor([[1, 2], [3, 4]])].map((r) => r.tolist())).toEqual([[1, 2], [3, 4]]);
    expect(() => [...(torch.tensor(1) as unknown as Iterable<unknown>)]).toThrow(/not iterable/);
    const t = torch.tensor([1, 2, 3]);
    expect(t.apply_((x) => x * x).tolist()).toEqual([1, 4, 9]);
    expect(t.map_(torch.tensor([1]), (x, y) => x - y).tolist()).toEqual([0, 3, 8]);
    expect([t.nelement(), t.ndimension(), t.get_device(), t.char().dtype.name, t.short().dtype.name]).toEqual([3, 1, -1, 'int8', 'int16']);
  });
  it('tensor() builds the buffer in the target dtype, on the target device, in one go', () => {
    expect(torch.tensor([1.5, -2.7], { dtype: torch.int32 }).tolist()).toEqual([1, -2]);
    expect(torch.tensor(new Float64Array([0.1]), { dtype: torch.float32 }).item()).toBe(Math.fround(0.1));
    expect(torch.tensor([1, 0, 2], { dtype: torch.bool }).tolist()).toEqual([true, false, true]);
    expect(torch.tensor([1, 2], { dtype: torch.float16 }).dtype.name).toBe('float16');
    expect(torch.tensor([3], { dtype: torch.int64, device: 'cpu' }).tolist()).toEqual([3]);
  });
  it('tensor() refuses values the dtype cannot hold, as PyTorch does, and casts TypedArrays natively', () => {
    expect(() => torch.tensor([128], { dtype: torch.int8 })).toThrow(/value 128 cannot be converted to type int8 without overflow/);
    expect(() => torch.tensor([NaN], { dtype: torch.int64 })).toThrow(/cannot be converted to type int64/);
    expect(() => torch.tensor([2 ** 63], { dtype: torch.int64 })).toThrow(RangeError);
    expect(() => torch.tensor([1e39], { dtype: torch.float32 })).toThrow(RangeError);
    expect(torch.tensor([-1], { dtype: torch.uint8 }).tolist()).toEqual([255]); // unsigned wraps, as in PyTorch
    expect(torch.tensor([NaN, 0], { dtype: torch.bool }).tolist()).toEqual([true, false]);
    expect(torch.tensor(new Float32Array([NaN, 0, 2.5]), { dtype: torch.bool }).tolist()).toEqual([true, false, true]);
    expect(torch.tensor(new BigInt64Array([2n ** 40n + 3n]), { dtype: torch.int32 }).tolist()).toEqual([3]);
    expect(() => torch.tensor(new Uint16Array([1000]) as any)).toThrow(/a Uint16Array has no torchnode dtype/);
  });
  it('a Tensor is a map-style dataset of its rows', () => {
    const loader = new torch.utils.data.DataLoader(torch.arange(6).reshape(3, 2), { batch_size: 2, shuffle: false });
    expect([...loader].map((b) => (b as Tensor).tolist())).toEqual([[[0, 1], [2, 3]], [[4, 5]]]);
  });
  it('set_printoptions changes how tensors print, and profile resets it', () => {
    torch.set_printoptions({ precision: 2 });
    try {
      expect(String(torch.tensor([1.23456]))).toBe('tensor([1.23])');
    } finally {
      torch.set_printoptions({ profile: 'default' });
    }
    expect(String(torch.tensor([1.23456]))).toBe('tensor([1.2346])');
  });
  it('a suffix that would pass linewidth goes on a line of its own, and an empty tensor names its dtype, as PyTorch prints them', () => {
    // Each string is repr() of the same tensor in PyTorch 1.13 and 2.13 (torch/_tensor_str.py _add_suffixes).
    torch.manual_seed(1);
    const embeds = new torch.nn.Embedding(2, 5);
    expect(String(embeds.forward(torch.tensor([0])))).toBe('tensor([[ 0.6614,  0.2669,  0.0617,  0.6213, -0.4519]],\n       grad_fn=<EmbeddingBackward0>)');
    const a = torch.full([1, 9], 1.5, { dtype: torch.float64, requires_grad: true });
    expect(String(a.add(a))).toBe('tensor([[3., 3., 3., 3., 3., 3., 3., 3., 3.]], dtype=torch.float64,\n       grad_fn=<AddBackward0>)');
    expect(String(torch.full([1, 10], 1.5, { dtype: torch.float64, requires_grad: true })))
      .toBe('tensor([[1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000]], dtype=torch.float64, requires_grad=True)');
    torch.set_printoptions({ linewidth: 120 });
    try {
      expect(String(a.add(a))).toBe('tensor([[3., 3., 3., 3., 3., 3., 3., 3., 3.]], dtype=torch.float64, grad_fn=<AddBackward0>)');
    } finally {
      torch.set_printoptions({ profile: 'default' });
    }
    expect(String(torch.tensor([], { dtype: torch.long }))).toBe('tensor([], dtype=torch.int64)');
    expect(String(torch.zeros([0, 3], { dtype: torch.bool }))).toBe('tensor([], size=(0, 3), dtype=torch.bool)');
    expect(String(torch.zeros([0], { dtype: torch.float64 }))).toBe('tensor([], dtype=torch.float64)');
    expect(String(torch.zeros(2, 0))).toBe('tensor([], size=(2, 0))');
  });
  it('messages name no internal class and say how sizes go', () => {
    expect(() => (torch.randn as any)([1, 3], [2])).toThrow(/size must be one array of integers or integers given separately, but got \(\[1,3\], \[2\]\)/);
    const lstm = new torch.nn.LSTM(2, 2);
    expect(() => (lstm.forward as any)(torch.zeros(1, 1, 2), torch.zeros(1, 1, 2))).toThrow(/got Tensor$/);
  });
});

describe('a misspelt operator suggests the nearest names', () => {
  it('torch.ops.aten: the operator, then the overload', () => {
    expect(() => torch.ops.aten.multinomail(torch.ones(2), 1)).toThrow(/Unknown operator aten::multinomail \(did you mean torch\.ops\.aten\.multinomial\?\)/);
    expect(() => torch.ops.aten.add.Tensr(torch.ones(2), 1)).toThrow(/did you mean aten::add\.Tensor\?/);
    expect(() => torch.ops.aten.add.zzz(torch.ones(2), 1)).toThrow(/its overloads: .*Tensor/);
  });
});

describe('errors carry a code, classified in one place', () => {
  const disposed = torch.ones(2);
  disposed.dispose();
  const ROWS: [string, () => unknown, string][] = [
    ['disposed, through a hand-written method', () => torch.ones(2).add(disposed), 'ERR_TORCH_DISPOSED'],
    ['disposed, through a generated method', () => disposed.logaddexp(torch.ones(2)), 'ERR_TORCH_DISPOSED'],
    ['disposed, through indexing', () => disposed.index(0), 'ERR_TORCH_DISPOSED'],
    ['disposed, through autograd', () => disposed.backward(), 'ERR_TORCH_DISPOSED'],
    ['disposed, through metadata', () => disposed.shape, 'ERR_TORCH_DISPOSED'],
    ['disposed, through torch.ops', () => torch.ops.aten.relu(disposed), 'ERR_TORCH_DISPOSED'],
    ['shapes that do not broadcast', () => torch.ones(2).add(torch.ones(3)), 'ERR_TORCH_SHAPE'],
    ['matmul of mismatched shapes', () => torch.ones(2, 3).mm(torch.ones(2, 3)), 'ERR_TORCH_SHAPE'],
    ['view to an impossible shape', () => torch.ones(6).view(4, 2), 'ERR_TORCH_SHAPE'],
    ['index out of range', () => torch.ones(3).index_select(0, torch.tensor([5])), 'ERR_TORCH_INDEX'],
    ['dimension out of range', () => torch.ones(3).sum(4), 'ERR_TORCH_INDEX'],
    ['backward of a tensor that does not require grad', () => torch.ones(1).backward(), 'ERR_TORCH_AUTOGRAD'],
    ['mixed dtypes in mm', () => torch.ones(2, 2).mm(torch.ones(2, 2, f64)), 'ERR_TORCH_DTYPE'],
    ['an op without a kernel for the dtype', () => torch.ones(2, 2, { dtype: torch.bool }).matmul(torch.ones(2, 2, { dtype: torch.bool })), 'ERR_TORCH_NOT_IMPLEMENTED'],
    ['a device that is not there', () => torch.ones(1).to('cuda:7'), 'ERR_TORCH_DEVICE'],
  ];
  for (const [what, fn, code] of ROWS) {
    it(`${what}: ${code}`, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(torch.TorchError);
      expect((err as torch.TorchError).code).toBe(code);
      expect((err as Error).message).not.toMatch(/_Tensor|torchnode::|c10::|Exception raised from/);
    });
  }
});

// torch/_lowrank.py and Tensor.lu against the live PyTorch of the running LibTorch: the same seed
// draws the same random matrices, so results are equal bit for bit. Each case is a tuple of
// tensors or the error PyTorch raised (1.13's _svd_lowrank asserts q <= min(m, n), 2.x does not;
// 1.13 draws a complex A's random matrix in float32, which matmul then refuses).
const LOWRANK_ORACLE = String.raw`
import json, torch
def result(f):
    try:
        r = f()
    except Exception as e:
        return {'error': type(e).__name__, 'message': str(e)}
    return [(torch.view_as_real(t.resolve_conj()) if t.is_complex() else t).tolist() for t in r]
def seeded(f):
    def call():
        torch.manual_seed(5)
        return f()
    return call
def grad():
    X = A.clone().requires_grad_()
    torch.manual_seed(5)
    U, S, V = torch.svd_lowrank(X, q=3)
    ((U @ torch.diag(S) @ V.transpose(-2, -1)).sum() + S.sum()).backward()
    return [X.grad]
torch.manual_seed(3)
A = torch.randn(7, 5, dtype=torch.float64)
W = torch.randn(4, 9)
Bt = torch.randn(2, 6, 4, dtype=torch.float64)
Z = torch.randn(5, 4, dtype=torch.complex128)
L = torch.randint(-3, 4, (5, 4))
S = torch.tensor([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]])
CASES = {
    'float64': seeded(lambda: torch.svd_lowrank(A, 5)),
    'float32_wide': seeded(lambda: torch.svd_lowrank(W, q=3, niter=1)),
    'default_q': seeded(lambda: torch.svd_lowrank(A)),
    'batched': seeded(lambda: torch.svd_lowrank(Bt, 3)),
    'niter0': seeded(lambda: torch.svd_lowrank(Bt, 2, 0)),
    'mean': seeded(lambda: torch.svd_lowrank(A, q=4, niter=3, M=A.mean(0, keepdim=True).expand(7, 5))),
    'complex': seeded(lambda: torch.svd_lowrank(Z, 3)),
    'integer': seeded(lambda: torch.svd_lowrank(L, 3)),
    'sparse': seeded(lambda: torch.svd_lowrank(W.to_sparse(), q=3)),
    'grad': grad,
    'pca': seeded(lambda: torch.pca_lowrank(A)),
    'pca_uncentered': seeded(lambda: torch.pca_lowrank(W, q=2, center=False, niter=4)),
    'pca_batched': seeded(lambda: torch.pca_lowrank(Bt)),
    'pca_sparse': seeded(lambda: torch.pca_lowrank(A.to_sparse(), q=3)),
    'pca_q_too_big': lambda: torch.pca_lowrank(A, q=6),
    'pca_q_negative': lambda: torch.pca_lowrank(A, -1),
    'pca_niter': lambda: torch.pca_lowrank(A, niter=-2),
    'pca_sparse_3d': lambda: torch.pca_lowrank(Bt.to_sparse()),
    'lu': lambda: A[:5].lu(),
    'lu_infos': lambda: Bt.lu(get_infos=True),
    'lu_singular_infos': lambda: S.lu(True, True),
    'lu_singular': lambda: S.lu(),
    'lu_1d': lambda: A[0].lu(),
    'torch_lu': lambda: torch.lu(Bt, get_infos=True),
}
print(json.dumps({k: result(f) for k, f in CASES.items()}))
`;

describe('torch.svd_lowrank, torch.pca_lowrank and Tensor.lu against the live PyTorch', () => {
  checkOracle();
  type Result = number[][][] | { error: string; message: string };
  const py: Record<string, Result> = JSON.parse(execFileSync(oraclePython, ['-c', LOWRANK_ORACLE], { encoding: 'utf8', env: oracleEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
  torch.manual_seed(3);
  const A = torch.randn([7, 5], f64);
  const W = torch.randn(4, 9);
  const Bt = torch.randn([2, 6, 4], f64);
  const Z = torch.randn([5, 4], { dtype: torch.complex128 });
  const L = torch.randint(-3, 4, [5, 4]);
  const Sg = torch.tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]], { dtype: torch.float32 });
  const seeded5 = (fn: () => Tensor[]) => () => {
    torch.manual_seed(5);
    return fn();
  };
  const grad = () => {
    const X = A.clone().requires_grad_();
    torch.manual_seed(5);
    const [U, S, V] = torch.svd_lowrank(X, { q: 3 });
    U.matmul(torch.diag(S)).matmul(V.transpose(-2, -1)).sum().add(S.sum()).backward();
    return [X.grad!];
  };
  const cases: Record<string, () => Tensor[]> = {
    float64: seeded5(() => torch.svd_lowrank(A, 5)),
    float32_wide: seeded5(() => torch.svd_lowrank(W, { q: 3, niter: 1 })),
    default_q: seeded5(() => torch.svd_lowrank(A)),
    batched: seeded5(() => torch.svd_lowrank(Bt, 3)),
    niter0: seeded5(() => torch.svd_lowrank(Bt, 2, 0)),
    mean: seeded5(() => torch.svd_lowrank(A, { q: 4, niter: 3, M: A.mean(0, true).expand(7, 5) })),
    complex: seeded5(() => torch.svd_lowrank(Z, 3)),
    integer: seeded5(() => torch.svd_lowrank(L, 3)),
    sparse: seeded5(() => torch.svd_lowrank(W.to_sparse(), { q: 3 })),
    grad,
    pca: seeded5(() => torch.pca_lowrank(A)),
    pca_uncentered: seeded5(() => torch.pca_lowrank(W, { q: 2, center: false, niter: 4 })),
    pca_batched: seeded5(() => torch.pca_lowrank(Bt)),
    pca_sparse: seeded5(() => torch.pca_lowrank(A.to_sparse(), { q: 3 })),
    pca_q_too_big: () => torch.pca_lowrank(A, { q: 6 }),
    pca_q_negative: () => torch.pca_lowrank(A, -1),
    pca_niter: () => torch.pca_lowrank(A, { niter: -2 }),
    pca_sparse_3d: () => torch.pca_lowrank(Bt.to_sparse()),
    lu: () => A.index(':5').lu(),
    lu_infos: () => Bt.lu({ get_infos: true }),
    lu_singular_infos: () => Sg.lu(true, true),
    lu_singular: () => Sg.lu(),
    lu_1d: () => A.select(0, 0).lu(),
    torch_lu: () => torch.lu(Bt, { get_infos: true }),
  };
  // PyTorch's ValueError is a RangeError here, its RuntimeError a TorchError with LibTorch's message.
  const ERRORS: Record<string, new (message: string) => Error> = { ValueError: RangeError, AssertionError: RangeError, RuntimeError: torch.TorchError };

  it('has a case here for every oracle case', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(py).sort());
  });
  for (const [name, fn] of Object.entries(cases)) {
    it(name, () => {
      const want = py[name];
      if (Array.isArray(want)) {
        expect(fn().map((t) => (t.is_complex() ? torch.view_as_real(t.resolve_conj()) : t).tolist())).toEqual(want);
        return;
      }
      expect(fn).toThrow(ERRORS[want.error]);
      if (want.error !== 'AssertionError') expect(fn).toThrow(want.message.split('\n')[0]);
    });
  }

  it('takes the arguments positionally or by name, with the defaults q = 6 and niter = 2', () => {
    const same = (a: () => Tensor[], b: () => Tensor[]) => expect(seeded5(a)().map((t) => t.tolist())).toEqual(seeded5(b)().map((t) => t.tolist()));
    same(() => torch.svd_lowrank(W, 3, 1), () => torch.svd_lowrank(W, { niter: 1, q: 3 }));
    const T = torch.randn([8, 7], f64);
    same(() => torch.svd_lowrank(T, null, null), () => torch.svd_lowrank(T, 6, 2));
    same(() => torch.svd_lowrank(T), () => torch.svd_lowrank(T, { q: 6, niter: 2 }));
    same(() => torch.pca_lowrank(A, 3, false, 1), () => torch.pca_lowrank(A, { q: 3, center: false, niter: 1 }));
    expect(torch.svd_lowrank(Bt, 3).map((t) => t.shape)).toEqual([[2, 6, 3], [2, 3], [2, 4, 3]]);
  });
  it('runs inside tidy scopes, one after another, with sparse input', () => {
    const run = () => seeded5(() => torch.svd_lowrank(W.to_sparse(), { q: 2 }))().map((t) => t.tolist());
    const want = run();
    expect(torch.tidy(run)).toEqual(want);
    expect(torch.tidy(run)).toEqual(want);
  });
  it('refuses what is not a matrix, and arguments of the wrong type, by name', () => {
    expect(() => torch.svd_lowrank([[1, 2]] as never)).toThrow(new TypeError("svd_lowrank(): argument 'A' must be a Tensor, not Array"));
    expect(() => torch.pca_lowrank(torch.ones(3))).toThrow(RangeError);
    expect(() => torch.pca_lowrank(torch.ones(3))).toThrow('pca_lowrank(): expected A of size (*, m, n)');
    expect(() => torch.svd_lowrank(A, { q: 2.5 })).toThrow(new TypeError("svd_lowrank(): argument 'q' must be int or null, not number"));
    expect(() => torch.svd_lowrank(A, { M: [1] })).toThrow(new TypeError("svd_lowrank(): argument 'M' must be Tensor or null, not Array"));
    expect(() => torch.svd_lowrank(A, 2, { q: 3 })).toThrow(new TypeError("svd_lowrank() got multiple values for argument 'q'"));
    expect(() => torch.pca_lowrank(A, { centre: true })).toThrow(new TypeError("pca_lowrank() got an unexpected keyword argument 'centre'"));
    expect(() => torch.pca_lowrank(A, { center: 1 })).toThrow(new TypeError("pca_lowrank(): argument 'center' must be boolean, not number"));
    expect(() => A.lu('yes' as never)).toThrow(new TypeError("lu(): argument 'pivot' must be boolean, not string"));
  });
  it('torch.lu writes into out and returns it; out of the wrong length is a TypeError', () => {
    const out = [torch.empty(0, f64), torch.empty(0, { dtype: torch.int32 })];
    const r = torch.lu(A, { out });
    expect(r).toBe(out);
    expect(out.map((t) => t.tolist())).toEqual(A.lu().map((t) => t.tolist()));
    expect(() => torch.lu(A, { get_infos: true, out })).toThrow(new TypeError("lu(): expected 'out' of 3 tensors but got 2"));
  });
});

describe("coverage of PyTorch 2.x's documented functions", () => {
  type Entry = { name: string; args: string[]; kind: string };
  const counted = (list: Entry[]) => list.filter((e) => e.kind === '');
  const torchMissing = counted(coverage.torch).filter((e) => typeof (torch as any)[e.name] !== 'function').map((e) => e.name);
  const tensorMissing = counted(coverage.tensor).filter((e) => typeof (Tensor.prototype as any)[e.name] !== 'function').map((e) => e.name);

  it('has at least 95% of the torch.* functions that are not deprecated, sparse or quantized', () => {
    const n = counted(coverage.torch).length;
    expect((n - torchMissing.length) / n).toBeGreaterThanOrEqual(0.95);
  });
  it('has at least 95% of the Tensor methods that are not deprecated, sparse or quantized', () => {
    const n = counted(coverage.tensor).length;
    expect((n - tensorMissing.length) / n).toBeGreaterThanOrEqual(0.95);
  });
  it("lists exactly these gaps in the README", () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const listed = /<!-- namespace-gaps -->([\s\S]*?)<!-- \/namespace-gaps -->/.exec(readme)?.[1] ?? '';
    const names = new Set([...listed.matchAll(/`(?:torch|Tensor)\.(\w+)`/g)].map((m) => m[1]));
    expect([...torchMissing, ...tensorMissing].filter((n) => !names.has(n))).toEqual([]);
  });
  const NUMPY_ALIASES: Record<string, string> = { axis: 'dim', keepdims: 'keepdim' };
  it('takes the documented argument names of the generated functions', () => {
    const wrong: string[] = [];
    for (const e of counted(coverage.torch)) {
      const rows = TORCH[e.name];
      // Only the generated ones: the hand-written are PyTorch's Python functions, written to their signatures.
      if (!rows || e.args.length === 0 || (torch as any)[e.name] !== (generated as any)[e.name]) continue;
      const known = new Set(rows.flatMap(([, spec]) => spec.split(' ').map((t) => t.split(':')[0])));
      known.add('out');
      // NumPy's names are aliases there, as in PyTorch's parser (axis for dim...).
      const unknown = e.args.filter((a) => !known.has(a) && a !== 'input' && !(a in NUMPY_ALIASES && known.has(NUMPY_ALIASES[a])));
      if (unknown.length) wrong.push(`torch.${e.name}: ${unknown.join(', ')}`);
    }
    // (Not Tensor methods: their docstrings name arguments loosely, "div(value)" for a binding
    // that takes `other`, so they say nothing about what PyTorch accepts.)
    // PyTorch's docs name these differently from its own bindings, which refuse the documented
    // names too (torch.broadcast_to(x, shape=...) is a TypeError in PyTorch): torchnode takes the
    // bindings' names, as PyTorch does.
    const bindingsDiffer = [
      'torch.broadcast_to: shape', 'torch.cholesky_inverse: L', 'torch.cholesky_solve: B, L', 'torch.dsplit: indices_or_sections',
      'torch.hsplit: indices_or_sections', 'torch.vsplit: indices_or_sections', 'torch.tensor_split: indices_or_sections',
      'torch.matrix_exp: A', 'torch.orgqr: tau', 'torch.ormqr: tau, other', 'torch.result_type: tensor1, tensor2',
      'torch.searchsorted: values', 'torch.true_divide: dividend, divisor', 'torch.unsafe_split: tensor, split_size_or_sections',
    ];
    expect(wrong.filter((w) => !bindingsDiffer.includes(w))).toEqual([]);
  });
});
