"""Generates tests/fixtures/ops.json: PyTorch-oracle values for torchnode's op-family parity tests (tests/ops.test.ts).

Inputs are small seeded tensors; every case stores the exact result PyTorch 1.13 gives
(nested lists, shape and dtype name). Non-finite floats are stored as the strings
"nan", "inf" and "-inf" so the file stays valid JSON. Run with:

    /usr/bin/python3 scripts/gen_fixtures.py
"""
import json
import os

import torch

from fixture_dir import fixture_path, json_number

OUT = fixture_path('ops.json')

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)


def dtype_name(dt):
    return str(dt).replace('torch.', '')


def clean(v):
    if isinstance(v, list):
        return [clean(x) for x in v]
    return json_number(v)


def enc(t):
    """A tensor as {dtype, shape, data}; tuples/lists of tensors as lists of those."""
    if isinstance(t, (tuple, list)):
        return [enc(x) for x in t]
    if not isinstance(t, torch.Tensor):
        raise TypeError(type(t))
    t = t.detach()
    data = t.float().tolist() if t.dtype in (torch.float16, torch.bfloat16) else t.tolist()
    return {'dtype': dtype_name(t.dtype), 'shape': list(t.shape), 'data': clean(data)}


# ---- inputs ---------------------------------------------------------------------------------

torch.manual_seed(1234)
I = {}
I['a'] = torch.randn(3, 4)
I['b'] = torch.randn(3, 4)
I['row'] = torch.randn(4)            # broadcasts over a's rows
I['col'] = torch.randn(3, 1)         # broadcasts over a's columns
I['pos'] = torch.rand(3, 4) + 0.5    # strictly positive
I['x3'] = torch.randn(2, 3, 4)
I['m1'] = torch.randn(3, 5)
I['m2'] = torch.randn(5, 2)
I['b1'] = torch.randn(2, 3, 5)
I['b2'] = torch.randn(2, 5, 4)
I['v5'] = torch.randn(5)
I['sq'] = torch.randn(4, 4)
I['small'] = torch.randn(2, 3) * 0.5 + 1.0
I['ia'] = torch.tensor([[7, -3, 0, 5], [-8, 2, 9, -1], [4, -6, 1, 3]], dtype=torch.int64)
I['ib'] = torch.tensor([[2, 4, -3, 1], [3, -5, 2, 7], [-2, 6, 5, 4]], dtype=torch.int64)
I['nanx'] = torch.tensor([1.0, float('nan'), -2.0, float('inf'), float('nan'), 0.0])
I['ba'] = torch.tensor([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
I['bb'] = torch.tensor([[True, True, False, False], [False, True, False, True], [True, False, True, False]])
I['halves'] = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51, 3.7, -3.7])
I['mask'] = I['a'] > 0.3
I['gidx'] = torch.tensor([[0, 3, 1, 1], [2, 2, 0, 3], [1, 0, 3, 2]], dtype=torch.int64)
I['sidx'] = torch.tensor([[2, 0, 1, 3], [0, 1, 3, 2]], dtype=torch.int64)
I['ssrc'] = torch.randn(2, 4)
I['isel'] = torch.tensor([2, 0, 2], dtype=torch.int64)
I['x4'] = torch.randn(2, 3, 4, 5)
I['xi'] = torch.randn(4, 3, 5)
I['bmask1'] = torch.tensor([True, False, True, True])
I['tidx'] = torch.tensor([3, 0, 0], dtype=torch.int64)
I['putv'] = torch.randn(3)
I['accv'] = torch.tensor([1.0, 2.0, 3.0, 4.0])
I['acci'] = torch.tensor([0, 2, 0, 0], dtype=torch.int64)
I['accj'] = torch.tensor([1, 3, 1, 2], dtype=torch.int64)
I['ui'] = torch.tensor([0, 1, 2], dtype=torch.int64)
I['uj'] = torch.tensor([3, 0, 1], dtype=torch.int64)
I['lp'] = torch.tensor([-3.7, -0.2, 0.0, 0.6, 2.9, 65504.0, 1e-3, 1.0 / 3.0])

C = {}
a, b, row, col, pos, x3 = I['a'], I['b'], I['row'], I['col'], I['pos'], I['x3']
ia, ib = I['ia'], I['ib']

# ---- arithmetic -----------------------------------------------------------------------------
C['add'] = a + b
C['add_alpha'] = torch.add(a, b, alpha=2.5)
C['add_bcast_row'] = a.add(row)
C['add_bcast_col'] = a.add(col)
C['add_bcast_outer'] = col.add(row)
C['add_scalar'] = a.add(1.5)
C['add_scalar_alpha'] = a.add(b, alpha=-1)
C['sub'] = a.sub(b)
C['sub_alpha'] = a.sub(row, alpha=3)
C['sub_scalar'] = a.sub(2)
C['mul'] = a.mul(b)
C['mul_bcast'] = a.mul(col)
C['mul_scalar'] = a.mul(-3.25)
C['div'] = a.div(pos)
C['div_bcast'] = a.div(row)
C['div_scalar'] = a.div(4)
C['div_floor'] = a.mul(5).div(pos, rounding_mode='floor')
C['div_trunc'] = a.mul(5).div(pos, rounding_mode='trunc')
C['div_floor_scalar'] = a.mul(5).div(2, rounding_mode='floor')
C['div_trunc_scalar'] = a.mul(5).div(2, rounding_mode='trunc')
C['int_div_floor'] = ia.div(ib, rounding_mode='floor')
C['int_div_trunc'] = ia.div(ib, rounding_mode='trunc')
C['int_div_true'] = ia.div(ib)
C['pow_scalar'] = a.pow(2)
C['pow_frac'] = pos.pow(1.5)
C['pow_tensor'] = pos.pow(b)
C['remainder'] = a.mul(5).remainder(pos)
C['remainder_scalar'] = a.mul(5).remainder(1.5)
C['int_remainder'] = ia.remainder(ib)
C['int_remainder_scalar'] = ia.remainder(4)
C['neg'] = a.neg()
C['abs'] = a.abs()
C['int_add_int'] = ia.add(2)
C['int_mul_int'] = ia.mul(3)
C['int_sub_int'] = ia.sub(5)
C['int_mul_float'] = ia.mul(2.5)
C['int_add_float'] = ia.add(0.5)
C['int_div_int_scalar'] = ia.div(2)
C['int_pow_int'] = ia.pow(2)
C['int_add_tensor'] = ia.add(ib, alpha=2)
C['int_plus_float_tensor'] = ia.add(a)
C['int_abs'] = ia.abs()
C['int_neg'] = ia.neg()
C['bool_add_int'] = I['ba'].add(1)
C['floor_divide'] = ia.floor_divide(ib)
C['int_div_floor_scalar'] = ia.div(-3, rounding_mode='floor')
C['int_div_trunc_scalar'] = ia.div(-3, rounding_mode='trunc')
C['int_pow_float'] = ia.abs().pow(0.5)
C['pow_half_nan'] = a.pow(0.5)
C['pow_neg'] = pos.pow(-1)
C['remainder_neg_scalar'] = a.mul(5).remainder(-1.5)
C['int_remainder_neg_scalar'] = ia.remainder(-4)
C['int32_add_int'] = ia.int().add(2)
C['int32_mul_float'] = ia.int().mul(2.5)
C['int32_add_int64'] = ia.int().add(ib)
C['f32_add_f64_0dim'] = a.add(torch.tensor(2.5, dtype=torch.float64))
C['f32_add_f64'] = a.add(b.double())
C['int_add_f64_0dim'] = ia.add(torch.tensor(2.5, dtype=torch.float64))
C['int_add_f32_0dim'] = ia.add(torch.tensor(2.5))
C['half_add'] = a.half().add(b.half())
C['half_mul_scalar'] = a.half().mul(3)
C['byte_add'] = ia.abs().byte().add(250)

# ---- comparison and logical ------------------------------------------------------------------
for name in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
    C[name] = getattr(a, name)(b)
    C[name + '_scalar'] = getattr(a, name)(0.25)
    C[name + '_bcast'] = getattr(a, name)(row)
    C['int_' + name] = getattr(ia, name)(ib)
C['eq_self'] = a.eq(a)
C['int_eq_scalar'] = ia.eq(5)
C['logical_and'] = I['ba'].logical_and(I['bb'])
C['logical_or'] = I['ba'].logical_or(I['bb'])
C['logical_xor'] = I['ba'].logical_xor(I['bb'])
C['logical_not'] = I['ba'].logical_not()
C['logical_and_float'] = a.logical_and(ia)
C['int_logical_not'] = ia.logical_not()
C['isnan'] = I['nanx'].isnan()
C['int_lt_float_scalar'] = ia.lt(0.5)
C['int_ge_float_tensor'] = ia.ge(a)
C['eq_nan'] = I['nanx'].eq(I['nanx'])
C['ne_nan_scalar'] = I['nanx'].ne(1)

# ---- math ------------------------------------------------------------------------------------
C['exp'] = a.exp()
C['log'] = pos.log()
C['sqrt'] = pos.sqrt()
C['sin'] = a.sin()
C['cos'] = a.cos()
C['tanh'] = a.tanh()
C['sigmoid'] = a.sigmoid()
C['relu'] = a.relu()
C['clamp'] = a.clamp(-0.5, 0.5)
C['clamp_min'] = a.clamp(min=0.1)
C['clamp_max'] = a.clamp(max=-0.1)
C['where'] = torch.where(I['mask'], a, b)
C['where_bcast'] = torch.where(I['mask'], a, row)
C['where_scalar'] = torch.where(I['mask'], a, 0.0)
C['maximum'] = torch.maximum(a, b)
C['minimum'] = torch.minimum(a, b)
C['maximum_bcast'] = torch.maximum(a, row)
C['erf'] = a.erf()
C['floor'] = a.mul(3).floor()
C['round'] = I['halves'].round()
C['int_clamp'] = ia.clamp(-2, 4)
C['exp_int'] = ia.exp()
C['where_scalar_input'] = torch.where(I['mask'], 1.5, b)
C['clamp_tensor'] = a.clamp(min=col.mul(0.5), max=row.abs())
C['max_elementwise'] = a.max(b)
C['min_elementwise'] = a.min(row)
C['round_decimals_free'] = a.mul(10).round()
C['sqrt_neg_nan'] = a.sqrt()
C['log_zero'] = torch.tensor([0.0, 1.0, -1.0]).log()

# ---- reductions ------------------------------------------------------------------------------
C['sum_all'] = x3.sum()
C['sum_dim'] = x3.sum(1)
C['sum_dim_neg'] = x3.sum(-1)
C['sum_keepdim'] = x3.sum(1, keepdim=True)
C['sum_dims'] = x3.sum([0, 2])
C['sum_dims_keepdim'] = x3.sum([0, 2], keepdim=True)
C['sum_int'] = ia.sum()
C['sum_int_dim'] = ia.sum(0)
C['sum_bool'] = I['ba'].sum()
C['mean_all'] = x3.mean()
C['mean_dim'] = x3.mean(2)
C['mean_keepdim'] = x3.mean(0, keepdim=True)
C['mean_dims'] = x3.mean([1, 2])
C['max_all'] = a.max()
C['min_all'] = a.min()
C['max_dim'] = a.max(1)
C['min_dim'] = a.min(0)
C['max_dim_keepdim'] = x3.max(2, keepdim=True)
C['min_dim_neg'] = x3.min(-2)
C['argmax_all'] = a.argmax()
C['argmax_dim'] = a.argmax(1)
C['argmax_keepdim'] = x3.argmax(0, keepdim=True)
C['argmin_dim'] = a.argmin(0)
C['prod_all'] = I['small'].prod()
C['prod_dim'] = a.prod(1)
C['prod_int'] = ia.prod(0)
C['std'] = x3.std()
C['std_biased'] = x3.std(unbiased=False)
C['std_dim'] = x3.std(1)
C['std_dim_biased'] = x3.std(1, unbiased=False)
C['std_dim_keepdim'] = x3.std(2, keepdim=True)
C['var'] = x3.var()
C['var_biased'] = x3.var(unbiased=False)
C['var_dim'] = x3.var(0)
C['var_dim_biased'] = x3.var(2, unbiased=False)
C['norm'] = a.norm()
C['norm_p1'] = a.norm(p=1)
C['norm_dim'] = a.norm(dim=1)
C['norm_p1_dim'] = a.norm(p=1, dim=0)
C['norm_dim_keepdim'] = x3.norm(dim=2, keepdim=True)
C['softmax'] = a.softmax(1)
C['softmax_0'] = x3.softmax(0)
C['log_softmax'] = a.log_softmax(1)
C['log_softmax_neg'] = x3.log_softmax(-1)
C['cumsum'] = a.cumsum(1)
C['cumsum_0'] = a.cumsum(0)
C['cumsum_int'] = ia.cumsum(1)
C['logsumexp'] = a.logsumexp(1)
C['logsumexp_keepdim'] = x3.logsumexp(2, keepdim=True)
C['all'] = I['ba'].all()
C['any'] = I['ba'].any()
C['all_dim'] = I['ba'].all(1)
C['any_dim'] = I['ba'].any(0)
C['all_true'] = pos.gt(0).all()
C['any_false'] = pos.lt(0).any()
C['all_float'] = a.all()
C['sum_keepdim_positional'] = x3.sum(1, True)
C['sum_dtype'] = x3.sum(dtype=torch.float64)
C['sum_dim_dtype'] = ia.sum(1, dtype=torch.int32)
C['std_positional_biased'] = x3.std(False)
C['std_correction'] = x3.std(1, correction=2)
C['var_dims'] = x3.var([0, 2])
C['norm_inf'] = a.norm(p=float('inf'))
C['norm_p3_dim'] = a.norm(p=3, dim=1)
C['prod_keepdim'] = a.prod(0, keepdim=True)
C['softmax_f64'] = a.softmax(1, dtype=torch.float64)
C['cumsum_bool'] = I['ba'].cumsum(0)
C['mean_f64'] = a.double().mean(1)
C['amax_dims'] = x3.amax([0, 2])
C['argmin_all'] = x3.argmin()
C['sort'] = a.sort(1)
C['sort_desc'] = a.sort(0, descending=True)
C['topk'] = a.topk(2, 1)
C['topk_smallest'] = x3.topk(2, dim=0, largest=False)

# ---- matmul ----------------------------------------------------------------------------------
m1, m2, b1, b2, v5 = I['m1'], I['m2'], I['b1'], I['b2'], I['v5']
C['matmul_2d'] = m1.matmul(m2)
C['matmul_3d'] = b1.matmul(b2)
C['matmul_1d_2d'] = v5.matmul(m2)
C['matmul_2d_1d'] = m1.matmul(v5)
C['matmul_bcast'] = b1.matmul(m2)
C['mm'] = m1.mm(m2)
C['bmm'] = b1.bmm(b2)
C['einsum_ij_jk'] = torch.einsum('ij,jk->ik', m1, m2)
C['einsum_bij_bji'] = torch.einsum('bij->bji', b1)
C['einsum_trace'] = torch.einsum('ii', I['sq'])
C['einsum_bmm'] = torch.einsum('bij,bjk->bik', b1, b2)

# ---- shape ops -------------------------------------------------------------------------------
x4 = I['x4']
C['view'] = x3.view(4, 6)
C['view_infer'] = x3.view(-1, 2)
C['reshape'] = x3.reshape(3, 8)
C['reshape_flat'] = x3.reshape(-1)
C['reshape_noncontig'] = x3.permute(2, 0, 1).reshape(4, 6)
C['permute'] = x3.permute(2, 0, 1)
C['permute_4d'] = x4.permute(3, 1, 0, 2)
C['transpose'] = x3.transpose(0, 2)
C['transpose_neg'] = x3.transpose(-1, -2)
C['t'] = a.t()
C['squeeze'] = col.squeeze()
C['squeeze_dim'] = x3.view(2, 1, 3, 4, 1).squeeze(1)
C['squeeze_all'] = x3.view(2, 1, 3, 4, 1).squeeze()
C['unsqueeze'] = a.unsqueeze(1)
C['unsqueeze_neg'] = a.unsqueeze(-1)
C['flatten'] = x4.flatten()
C['flatten_range'] = x4.flatten(1, 2)
C['flatten_start'] = x4.flatten(2)
C['expand'] = col.expand(3, 5)
C['expand_neg'] = row.expand(2, -1)
C['expand_new'] = col.expand(2, 3, 4)
C['contiguous'] = x3.transpose(0, 1).contiguous()
C['cat_0'] = torch.cat([a, b], 0)
C['cat_1'] = torch.cat([a, b, col], 1)
C['stack_0'] = torch.stack([a, b], 0)
C['stack_2'] = torch.stack([a, b, a], 2)
C['split_int'] = x3.split(2, 2)
C['split_uneven'] = a.split(2)
C['split_list'] = a.split([1, 3], 1)
C['chunk'] = a.chunk(2, 1)
C['chunk_uneven'] = a.chunk(2)
C['gather'] = a.gather(1, I['gidx'])
C['gather_0'] = a.gather(0, I['gidx'].remainder(3)[:2])
C['scatter_src'] = torch.zeros(3, 4).scatter(1, I['sidx'], I['ssrc'])
C['scatter_value'] = a.scatter(1, I['sidx'], -7.5)
C['scatter_0'] = torch.zeros(3, 4).scatter(0, I['sidx'].remainder(3), I['ssrc'])
C['index_select'] = a.index_select(0, I['isel'])
C['index_select_1'] = a.index_select(1, I['tidx'])
C['masked_fill'] = a.masked_fill(I['mask'], 0.0)
C['masked_fill_neg'] = a.masked_fill(I['mask'], -2.5)
C['masked_fill_bcast'] = a.masked_fill(I['bmask1'], 9.0)
C['narrow'] = x3.narrow(2, 1, 2)
C['narrow_0'] = a.narrow(0, 1, 2)
C['flip'] = a.flip(0)
C['flip_both'] = x3.flip(0, 2)
C['tril'] = I['sq'].tril()
C['tril_1'] = I['sq'].tril(1)
C['tril_neg'] = a.tril(-1)
C['triu'] = I['sq'].triu(1)
C['repeat'] = col.repeat(2, 3)
C['roll'] = a.roll(1, 1)
C['unbind'] = a.unbind(1)
C['select'] = x3.select(1, -1)
C['T'] = a.T
C['movedim'] = x3.movedim(0, 2)
C['expand_contiguous'] = col.expand(3, 4).contiguous()
C['scatter_add'] = torch.zeros(3, 4).scatter_add(1, I['gidx'], a)
C['masked_select'] = a.masked_select(I['mask'])
C['nonzero'] = I['ba'].nonzero()
C['cat_int'] = torch.cat([ia, ib], 1)
C['stack_neg'] = torch.stack([row, row.neg()], -1)

# ---- type / device moves ---------------------------------------------------------------------
C['to_float64'] = a.to(torch.float64)
C['float_from_int'] = ia.float()
C['float_from_double'] = a.double().mul(1.0 / 3.0).float()
C['long_trunc'] = a.mul(4).long()
C['long_from_halves'] = I['halves'].long()
C['bool'] = I['gidx'].sub(1).bool()
C['bool_float'] = a.mul(2).round().bool()
C['half'] = I['lp'].half()
C['half_roundtrip'] = I['lp'].half().float()
C['half_a'] = a.half().float()
C['clone'] = a.clone()
C['detach'] = a.detach()
C['int_to_bool'] = ia.bool()
C['bool_to_long'] = I['ba'].long()
C['bfloat16_roundtrip'] = a.bfloat16().float()
C['int_to_double'] = ia.double()
C['to_int32'] = a.mul(3).to(torch.int32)
C['byte_wrap'] = ia.byte()
C['double_to_half'] = a.double().half()

# ---- indexing --------------------------------------------------------------------------------
xi = I['xi']
C['idx_last'] = xi[:, -1, :]
C['idx_int'] = xi[1]
C['idx_neg'] = xi[-1, -2]
C['idx_slice'] = xi[1:3]
C['idx_slice_step'] = xi[::2]
C['idx_slice_both'] = xi[1:3, :, ::2]
C['idx_slice_neg'] = xi[-3:-1, 1:]
C['idx_ellipsis'] = xi[..., 0]
C['idx_ellipsis_mid'] = xi[0, ..., 1:4]
C['idx_none'] = xi[None]
C['idx_none_mid'] = xi[:, None, 1]
C['idx_mask'] = a[I['mask']]
C['idx_mask_1d'] = a[:, I['bmask1']]
C['idx_tensor'] = xi[I['tidx']]
C['idx_tensor_dim1'] = xi[:, torch.tensor([2, 0])]
C['idx_list'] = xi[[0, 2]]
C['idx_list_2d'] = xi[[0, 2], [1, 1]]
C['idx_mixed'] = xi[1:, [2, 0], -1]
C['idx_true'] = xi[True]
C['idx_step_start'] = xi[1::2, :-1]
C['idx_neg_step_bounds'] = xi[:, -2:, 3]
C['idx_two_tensors'] = xi[I['tidx'], torch.tensor([0, 2, 1])]
C['idx_int_mask'] = a[1, I['bmask1']]

t = a.clone(); t[:, 0] = 5; C['put_col'] = t
t = a.clone(); t[1] = -1.0; C['put_row'] = t
t = a.clone(); t[I['mask']] = 0.0; C['put_mask_scalar'] = t
t = a.clone(); t[I['mask']] = a[I['mask']].mul(10); C['put_mask_tensor'] = t
t = a.clone(); t[:, 1] = I['putv']; C['put_col_tensor'] = t
t = a.clone(); t[1:, ::2] = 7; C['put_slice'] = t
t = a.clone(); t[..., -1] = row[:3]; C['put_ellipsis_tensor'] = t
t = xi.clone(); t[I['tidx']] = 0.5; C['put_tensor_index'] = t
t = a.clone(); t.index_put_((I['acci'], I['accj']), I['accv'], accumulate=True); C['put_accumulate'] = t
t = torch.zeros(5); t.index_put_((torch.tensor([0, 1, 1, 4, 1]),), torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]), accumulate=True)
C['put_accumulate_1d'] = t
t = a.clone(); t.index_put_((I['ui'], I['uj']), I['putv']); C['put_tensor_pairs'] = t
t = a.clone(); t.index_put_((I['ui'], I['uj']), I['putv'], accumulate=True); C['put_tensor_pairs_accumulate'] = t

# ---- creation --------------------------------------------------------------------------------
C['tensor_int'] = torch.tensor([[1, 2, 3], [4, 5, 6]])
C['tensor_float'] = torch.tensor([[1.5, -2.25], [0.1, 3.0]])
C['tensor_bool'] = torch.tensor([True, False, True])
C['tensor_float_dtype'] = torch.tensor([1, 2, 3], dtype=torch.float32)
C['tensor_f64'] = torch.tensor([0.1, 0.2], dtype=torch.float64)
C['zeros'] = torch.zeros(2, 3)
C['zeros_f64'] = torch.zeros(2, 3, dtype=torch.float64)
C['ones'] = torch.ones(3)
C['ones_int'] = torch.ones(2, 2, dtype=torch.int64)
C['full'] = torch.full([2, 3], 7.5)
C['full_int'] = torch.full([2], 3)
C['full_bool'] = torch.full([2], True)
C['eye'] = torch.eye(3)
C['eye_rect'] = torch.eye(2, 4)
C['arange5'] = torch.arange(5)
C['arange_frac'] = torch.arange(0, 1, 0.25)
C['arange_start'] = torch.arange(2, 11, 3)
C['arange_float_end'] = torch.arange(2.5)
C['linspace'] = torch.linspace(0, 1, 5)
C['linspace_neg'] = torch.linspace(-2, 3, 7)
C['linspace_f64'] = torch.linspace(0, 1, 4, dtype=torch.float64)
C['arange_dtype'] = torch.arange(4, dtype=torch.float64)
C['arange_neg_step'] = torch.arange(5, -1, -2)
C['full_dtype'] = torch.full([2, 2], 2, dtype=torch.float32)
C['tensor_scalar'] = torch.tensor(3)
C['tensor_scalar_float'] = torch.tensor(2.5)
C['tensor_3d'] = torch.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
C['tensor_mixed_int_float'] = torch.tensor([1, 2.5, -3])
C['tensor_int_dtype_bool'] = torch.tensor([0, 1, 2], dtype=torch.bool)
C['eye_f64'] = torch.eye(2, dtype=torch.float64)

torch.manual_seed(0)
C['seq_randn'] = torch.randn(5)
C['seq_rand'] = torch.rand(2, 3)
C['seq_randint'] = torch.randint(0, 10, [6])
C['seq_normal'] = torch.normal(0, 1, [4])
torch.manual_seed(0)
C['seed0_randn'] = torch.randn(5)
torch.manual_seed(42)
C['seed42_randn_2x3'] = torch.randn(2, 3)
C['seed42_randint_high'] = torch.randint(5, [8])
C['seed42_rand'] = torch.rand(4)
torch.manual_seed(7)
C['seed7_normal'] = torch.normal(2.0, 0.5, [3, 2])
C['seed7_randn_big'] = torch.randn(20)

# ---- *_like ----------------------------------------------------------------------------------
C['zeros_like'] = torch.zeros_like(a)
C['zeros_like_int'] = torch.zeros_like(ia)
C['ones_like'] = torch.ones_like(x3)
C['ones_like_f64'] = torch.ones_like(a, dtype=torch.float64)
C['full_like'] = torch.full_like(a, 3.25)
C['full_like_int'] = torch.full_like(ia, 7)
torch.manual_seed(3)
C['randn_like'] = torch.randn_like(a)
C['rand_like'] = torch.rand_like(x3)

fixture = {
    'torch_version': torch.__version__,
    'inputs': {k: enc(v) for k, v in I.items()},
    'cases': {k: enc(v) for k, v in C.items()},
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {len(C)} cases, {len(I)} inputs, {os.path.getsize(OUT)} bytes to {os.path.relpath(OUT)}')
