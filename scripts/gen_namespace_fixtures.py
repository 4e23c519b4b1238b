"""Generates tests/fixtures/torch-X.Y/namespace.json: PyTorch's results for calls into the
generated torch.* namespace (lib/generated/) and the hand-written Python-level functions that came
with it, written the way a porter writes them. tests/namespace.test.ts makes the same calls.

Each case is a tensor (or a tuple of tensors, or a plain value) from fixed inputs; random cases
seed the generator first. Run with each oracle:

    /usr/bin/python3 scripts/gen_namespace_fixtures.py
    .venv/torch-2.13/bin/python scripts/gen_namespace_fixtures.py
"""
import json

import torch

from fixture_dir import fixture_path, json_number

torch.set_num_threads(1)

A = torch.tensor([[1.5, -2.0, 3.25], [0.5, 4.0, -1.0]], dtype=torch.float64)
B = torch.tensor([[2.0, 1.0], [-1.0, 0.5], [3.0, 2.0]], dtype=torch.float64)
S = torch.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]], dtype=torch.float64)
V = torch.tensor([3.0, 1.0, 3.0, 2.0, 2.0, 5.0], dtype=torch.float64)
I = torch.tensor([3, 1, 3, 3, 2, 1, 1])


def seeded(fn):
    torch.manual_seed(7)
    return fn()


def div_inplace():
    x = A.clone()
    x.div_(torch.full((3,), 2.0, dtype=torch.float64))
    x.div_(4)
    return x


def div_inplace_mode():
    x = A.clone()
    x.div_(0.75, rounding_mode='floor')
    return x


def out_arg():
    out = torch.empty(2, 3, dtype=torch.float64)
    torch.atan2(A, A.flip(1), out=out)
    return out


CASES = {
    'multinomial': lambda: seeded(lambda: torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 6, True)),
    'multinomial_noreplace': lambda: seeded(lambda: torch.multinomial(torch.tensor([[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]]), 2)),
    'bernoulli': lambda: seeded(lambda: torch.bernoulli(torch.full((8,), 0.5))),
    'randperm': lambda: seeded(lambda: torch.randperm(7)),
    'new_zeros': lambda: A.new_zeros((2, 2)),
    'new_ones': lambda: I.new_ones(3),
    'new_full': lambda: A.new_full((2,), 7.5),
    'new_tensor': lambda: A.new_tensor([1, 2]),
    'addmm': lambda: torch.addmm(torch.ones(2, 2, dtype=torch.float64), A, B, beta=0.5, alpha=2),
    'baddbmm': lambda: torch.baddbmm(torch.zeros(1, 2, 2, dtype=torch.float64), A.unsqueeze(0), B.unsqueeze(0)),
    'addcmul_method': lambda: A.addcmul(A, A, value=0.5),
    'logaddexp': lambda: torch.logaddexp(A, A.flip(0)),
    'hypot_method': lambda: A.hypot(A.flip(1)),
    'diff': lambda: torch.diff(V),
    'cumsum_dtype': lambda: torch.cumsum(I, 0, dtype=torch.float64),
    'sum_dim_keepdim': lambda: torch.sum(A, 1, keepdim=True),
    'std_mean': lambda: torch.std_mean(A, 1),
    'cummax': lambda: torch.cummax(V, 0),
    'kthvalue': lambda: torch.kthvalue(V, 2),
    'mode': lambda: torch.mode(I),
    'linalg_qr': lambda: torch.linalg.qr(S),
    'linalg_inv': lambda: torch.linalg.inv(S),
    'linalg_det': lambda: torch.linalg.det(S),
    'linalg_solve': lambda: torch.linalg.solve(S, B),
    'linalg_norm': lambda: torch.linalg.norm(A),
    'linalg_vector_norm': lambda: torch.linalg.vector_norm(A, 3, dim=1),
    'fft_rfft': lambda: torch.view_as_real(torch.fft.rfft(V)),
    'fft_irfft': lambda: torch.fft.irfft(torch.fft.rfft(V), n=6),
    'special_expit': lambda: torch.special.expit(A),
    'special_xlogy': lambda: torch.special.xlogy(A.abs(), A.abs() + 1),
    'special_logit': lambda: torch.special.logit(torch.tensor([0.25, 0.5, 0.9], dtype=torch.float64)),
    'div_': div_inplace,
    'div_mode': div_inplace_mode,
    'out': out_arg,
    'where_scalars': lambda: torch.where(A > 0, 1.5, -0.5),
    'clamp_min': lambda: torch.clamp_min(A, 0.5),
    'tril_indices': lambda: torch.tril_indices(3, 3),
    'block_diag': lambda: torch.block_diag(A[:, :2], B[:1]),
    'cartesian_prod': lambda: torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4])),
    'histc': lambda: torch.histc(V, bins=4, min=0, max=6),
    'bucketize': lambda: torch.bucketize(V, torch.tensor([1.5, 2.5, 4.0], dtype=torch.float64)),
    'searchsorted_right': lambda: torch.searchsorted(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), V, right=True),
    'scatter_reduce': lambda: torch.zeros(3, dtype=torch.float64).scatter_reduce(0, torch.tensor([0, 1, 0, 2, 1, 2]), V, reduce='amax', include_self=False),
    'index_add': lambda: torch.zeros(3, dtype=torch.float64).index_add(0, torch.tensor([0, 2, 0, 1, 1, 2]), V, alpha=2),
    'roll_dims': lambda: torch.roll(A, (1, 1), (0, 1)),
    'rot90': lambda: torch.rot90(A, 1, [0, 1]),
    'unique': lambda: torch.unique(I),
    'unique_inverse_counts': lambda: torch.unique(I, return_inverse=True, return_counts=True),
    'unique_consecutive': lambda: torch.unique_consecutive(I, return_counts=True),
    'nonzero_tuple': lambda: torch.nonzero(A > 0, as_tuple=True),
    'broadcast_shapes': lambda: list(torch.broadcast_shapes((2, 1), (3,), (1, 1, 1))),
    'LongTensor': lambda: torch.LongTensor([1, 2, 3]),
    'FloatTensor': lambda: torch.FloatTensor([[1.5, 2.5]]),
    'Tensor_legacy': lambda: torch.Tensor([1, 2]),
    'result_type': lambda: str(torch.result_type(I, 1.5)),
    'typename': lambda: torch.typename(I),
    'type_name': lambda: A.type(),
    'can_cast': lambda: torch.can_cast(torch.float64, torch.int32),
    'is_nonzero': lambda: torch.is_nonzero(torch.tensor([1.5])),
}
# Newer than PyTorch 1.13: recorded only by the oracles that have them (the test skips a missing case).
if hasattr(torch, 'unravel_index'):
    CASES['unravel_index'] = lambda: torch.unravel_index(torch.tensor([4, 1, -1]), (2, 3))
if hasattr(A, 'dim_order'):
    CASES['dim_order'] = lambda: list(A.t().dim_order())


def encode(v):
    if isinstance(v, torch.Tensor):
        return {'shape': list(v.shape), 'dtype': str(v.dtype).replace('torch.', ''),
                'values': [json_number(x) for x in v.detach().flatten().tolist()]}
    if isinstance(v, (tuple, list)) and v and isinstance(v[0], torch.Tensor):
        return {'tuple': [encode(x) for x in v]}
    return {'value': v}


def main():
    out = {name: encode(fn()) for name, fn in CASES.items()}
    path = fixture_path('namespace.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=0)
        f.write('\n')
    print(f'[namespace] {len(out)} cases -> {path}')


if __name__ == '__main__':
    main()
