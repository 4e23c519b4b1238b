"""Generates tests/fixtures/nn_recurrent.json: PyTorch-oracle values for tests/nn_recurrent.test.ts (RNN/LSTM/GRU, cells, MultiheadAttention, transformer layers, scaled dot-product attention).

Three kinds of case:
  init:   torch.manual_seed(seed); module = <ctor>  -> the state_dict (keys in order, values).
  parity: a module's weights, inputs, the outputs, and the gradients of
          sum_i (output_i * fixed_weight_i) with respect to the inputs and every parameter,
          in float32 and again after module.double() in float64.
  repr:   str(module).
Gradient-enabled runs keep PyTorch on its reference ("slow") paths, which are the paths
torchnode mirrors. Run with:

    /usr/bin/python3 scripts/gen_rnn_attention_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_dir import fixture_path

OUT = fixture_path('nn_recurrent.json')

torch.set_num_threads(1)


def enc(t):
    """A tensor as {shape, dtype, data}: float32 values to 9 significant digits (exact), float64 in full."""
    t = t.detach()
    if t.dtype == torch.bool:
        return {'shape': list(t.shape), 'dtype': 'bool', 'data': [bool(v) for v in t.flatten().tolist()]}
    if t.dtype == torch.float64:
        data = t.flatten().tolist()
    else:
        data = [float('%.9g' % v) for v in t.flatten().tolist()]
    data = [v if math.isfinite(v) else ('-inf' if v < 0 else 'inf') for v in data]
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': data}


def enc_state(module):
    return [[k, enc(v)] for k, v in module.state_dict().items()]


# ---- init: the seeded state_dict of each constructor ---------------------------------------------

INIT = [
    ('lstm_2layer_batch_first', 0, lambda: nn.LSTM(10, 8, 2, batch_first=True)),
    ('gru_2layer', 1, lambda: nn.GRU(10, 8, 2)),
    ('rnn_relu', 2, lambda: nn.RNN(10, 8, nonlinearity='relu')),
    ('lstm_bidirectional', 3, lambda: nn.LSTM(6, 5, 2, bidirectional=True)),
    ('lstm_proj', 4, lambda: nn.LSTM(6, 8, proj_size=3)),
    ('gru_no_bias', 5, lambda: nn.GRU(4, 3, bias=False)),
    ('lstm_cell', 6, lambda: nn.LSTMCell(5, 4)),
    ('gru_cell', 7, lambda: nn.GRUCell(5, 4)),
    ('rnn_cell', 8, lambda: nn.RNNCell(5, 4, nonlinearity='relu')),
    ('mha', 9, lambda: nn.MultiheadAttention(16, 4)),
    ('mha_kdim_vdim', 10, lambda: nn.MultiheadAttention(8, 2, kdim=6, vdim=4)),
    ('mha_bias_kv', 11, lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True)),
    ('encoder_layer', 12, lambda: nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)),
    ('encoder', 13, lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2)),
    ('decoder_layer', 14, lambda: nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)),
    ('decoder', 15, lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16), 2, norm=nn.LayerNorm(8))),
    ('transformer', 16, lambda: nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=16)),
]


def init_cases():
    out = []
    for name, seed, ctor in INIT:
        torch.manual_seed(seed)
        state = enc_state(ctor())
        # The generator's next draws show that construction consumed exactly PyTorch's draws
        # (deep copies, for one, draw nothing).
        out.append({'name': name, 'seed': seed, 'state': state, 'next_rand': enc(torch.rand(4))})
    return out


# ---- parity: forward and backward against fixed weights -------------------------------------------

def flat_outputs(result):
    """Outputs as a flat list, in the nesting order the JS API returns them."""
    if isinstance(result, torch.Tensor):
        return [result]
    out = []
    for r in result:
        if r is not None:
            out.extend(flat_outputs(r))
    return out


def run_parity(name, seed, ctor, make_inputs, call, train=False, forward_seed=None):
    torch.manual_seed(seed)
    module = ctor()
    module.train(train)
    state = enc_state(module)
    inputs = make_inputs()
    case = {'name': name, 'state': state, 'inputs': {k: enc(v) for k, v in inputs.items()}, 'runs': {},
            'train': train, 'forward_seed': forward_seed}
    loss_weights = None
    for dtype in (torch.float32, torch.float64):
        m = module if dtype == torch.float32 else module.double()
        ins = {k: (v.to(dtype) if v.is_floating_point() else v).clone() for k, v in inputs.items()}
        grad_keys = [k for k, v in ins.items() if v.is_floating_point() and not k.endswith('mask')]
        for k in grad_keys:
            ins[k].requires_grad_(True)
        m.zero_grad()
        if forward_seed is not None:
            torch.manual_seed(forward_seed)  # dropout masks: same draws in the JS run
        outs = flat_outputs(call(m, ins))
        if loss_weights is None:
            g = torch.Generator().manual_seed(1000 + seed)
            loss_weights = [torch.randn(o.shape, generator=g, dtype=torch.float64) for o in outs]
            case['loss_weights'] = [enc(w) for w in loss_weights]
        loss = sum((o * w.to(dtype)).sum() for o, w in zip(outs, loss_weights))
        loss.backward()
        case['runs'][str(dtype).replace('torch.', '')] = {
            'outputs': [enc(o) for o in outs],
            'input_grads': {k: enc(ins[k].grad) for k in grad_keys},
            'param_grads': [[k, enc(p.grad)] for k, p in m.named_parameters()],
        }
    return case


def randn(*shape):
    return torch.randn(*shape)


def causal_bool(n):
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


def causal_float(n):
    return torch.triu(torch.full((n, n), float('-inf')), diagonal=1)


def key_padding(batch, length, valid):
    """True marks padding: sequence b has valid[b] real tokens."""
    return torch.arange(length).unsqueeze(0) >= torch.tensor(valid).unsqueeze(1)


def parity_cases():
    cases = []
    add = lambda *a, **k: cases.append(run_parity(*a, **k))

    # Recurrent layers. `hx` keys hold initial states; LSTM takes them as a pair.
    add('lstm_batch_first_hx', 20, lambda: nn.LSTM(10, 8, 2, batch_first=True),
        lambda: {'input': randn(3, 5, 10), 'h0': randn(2, 3, 8), 'c0': randn(2, 3, 8)},
        lambda m, i: m(i['input'], (i['h0'], i['c0'])))
    add('lstm_bidirectional', 21, lambda: nn.LSTM(6, 5, 2, bidirectional=True),
        lambda: {'input': randn(4, 2, 6)},
        lambda m, i: m(i['input']))
    add('lstm_unbatched_hx', 22, lambda: nn.LSTM(5, 3),
        lambda: {'input': randn(4, 5), 'h0': randn(1, 3), 'c0': randn(1, 3)},
        lambda m, i: m(i['input'], (i['h0'], i['c0'])))
    add('lstm_proj', 23, lambda: nn.LSTM(6, 8, 2, proj_size=3),
        lambda: {'input': randn(4, 2, 6)},
        lambda m, i: m(i['input']))
    add('gru_hx', 24, lambda: nn.GRU(7, 5, 2),
        lambda: {'input': randn(4, 3, 7), 'h0': randn(2, 3, 5)},
        lambda m, i: m(i['input'], i['h0']))
    add('gru_bidirectional_batch_first', 25, lambda: nn.GRU(4, 3, bidirectional=True, batch_first=True, bias=False),
        lambda: {'input': randn(2, 5, 4)},
        lambda m, i: m(i['input']))
    add('rnn_relu_bidirectional', 26, lambda: nn.RNN(6, 4, 2, nonlinearity='relu', bidirectional=True, batch_first=True),
        lambda: {'input': randn(2, 4, 6)},
        lambda m, i: m(i['input']))
    add('rnn_tanh_unbatched_hx', 27, lambda: nn.RNN(5, 3),
        lambda: {'input': randn(4, 5), 'h0': randn(1, 3)},
        lambda m, i: m(i['input'], i['h0']))
    add('lstm_cell', 28, lambda: nn.LSTMCell(5, 4),
        lambda: {'input': randn(3, 5), 'h0': randn(3, 4), 'c0': randn(3, 4)},
        lambda m, i: m(i['input'], (i['h0'], i['c0'])))
    add('gru_cell_unbatched', 29, lambda: nn.GRUCell(5, 4),
        lambda: {'input': randn(5), 'h0': randn(4)},
        lambda m, i: m(i['input'], i['h0']))
    add('rnn_cell_relu', 30, lambda: nn.RNNCell(5, 4, nonlinearity='relu'),
        lambda: {'input': randn(3, 5)},
        lambda m, i: m(i['input']))

    add('lstm_train_dropout', 31, lambda: nn.LSTM(5, 6, 3, dropout=0.5),
        lambda: {'input': randn(4, 2, 5)},
        lambda m, i: m(i['input']), train=True, forward_seed=7)

    # Multi-head attention.
    add('mha_self_masks', 40, lambda: nn.MultiheadAttention(8, 2),
        lambda: {'x': randn(5, 2, 8), 'key_padding_mask': key_padding(2, 5, [5, 3]), 'attn_mask': causal_bool(5)},
        lambda m, i: m(i['x'], i['x'], i['x'], key_padding_mask=i['key_padding_mask'], attn_mask=i['attn_mask']))
    add('mha_self_no_weights_float_mask', 41, lambda: nn.MultiheadAttention(8, 2, batch_first=True),
        lambda: {'x': randn(2, 5, 8), 'attn_mask': causal_float(5)},
        lambda m, i: m(i['x'], i['x'], i['x'], attn_mask=i['attn_mask'], need_weights=False))
    add('mha_cross_per_head', 42, lambda: nn.MultiheadAttention(8, 2, batch_first=True),
        lambda: {'query': randn(2, 3, 8), 'key': randn(2, 4, 8), 'value': randn(2, 4, 8),
                 'key_padding_mask': key_padding(2, 4, [2, 4])},
        lambda m, i: m(i['query'], i['key'], i['value'], key_padding_mask=i['key_padding_mask'],
                       average_attn_weights=False))
    add('mha_kdim_vdim', 43, lambda: nn.MultiheadAttention(8, 2, kdim=6, vdim=4),
        lambda: {'query': randn(3, 2, 8), 'key': randn(4, 2, 6), 'value': randn(4, 2, 4)},
        lambda m, i: m(i['query'], i['key'], i['value']))
    add('mha_bias_kv_zero_attn_unbatched', 44, lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True),
        lambda: {'query': randn(3, 8), 'key': randn(4, 8), 'value': randn(4, 8), 'key_padding_mask': key_padding(1, 4, [3])[0]},
        lambda m, i: m(i['query'], i['key'], i['value'], key_padding_mask=i['key_padding_mask']))

    add('mha_train_dropout', 45, lambda: nn.MultiheadAttention(8, 2, dropout=0.3),
        lambda: {'x': randn(4, 2, 8)},
        lambda m, i: m(i['x'], i['x'], i['x']), train=True, forward_seed=8)

    # Transformer layers, in eval mode (dropout off).
    add('encoder_padding_mask', 50,
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True), 2),
        lambda: {'src': randn(2, 5, 8), 'src_key_padding_mask': key_padding(2, 5, [5, 3])},
        lambda m, i: m(i['src'], src_key_padding_mask=i['src_key_padding_mask']))
    add('encoder_layer_norm_first_gelu', 51,
        lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation='gelu', norm_first=True),
        lambda: {'src': randn(5, 2, 8), 'src_mask': causal_float(5)},
        lambda m, i: m(i['src'], src_mask=i['src_mask']))
    add('decoder_masks', 52,
        lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16), 2, norm=nn.LayerNorm(8)),
        lambda: {'tgt': randn(4, 2, 8), 'memory': randn(5, 2, 8), 'tgt_mask': causal_float(4),
                 'memory_key_padding_mask': key_padding(2, 5, [4, 5])},
        lambda m, i: m(i['tgt'], i['memory'], tgt_mask=i['tgt_mask'],
                       memory_key_padding_mask=i['memory_key_padding_mask']))
    return cases


# ---- scaled dot-product attention (torch 1.13 has no public F.scaled_dot_product_attention) ------

def sdpa_reference(q, k, v, attn_mask=None, is_causal=False):
    """PyTorch 2.x's documented math: boolean masks mark positions that take part."""
    L, S = q.size(-2), k.size(-2)
    bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        bias.masked_fill_(torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float('-inf'))
    if attn_mask is not None:
        bias = bias + (torch.zeros_like(attn_mask, dtype=q.dtype).masked_fill(attn_mask.logical_not(), float('-inf'))
                       if attn_mask.dtype == torch.bool else attn_mask)
    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)) + bias, dim=-1)
    return w @ v


def sdpa_cases():
    torch.manual_seed(60)
    q, k, v = randn(2, 2, 3, 4).double(), randn(2, 2, 5, 4).double(), randn(2, 2, 5, 4).double()
    bool_mask = torch.rand(3, 5) > 0.3
    bool_mask[:, 0] = True  # every query keeps at least one key
    float_mask = randn(2, 1, 3, 5).double()
    qs = randn(2, 4, 4).double()
    return {
        'query': enc(q), 'key': enc(k), 'value': enc(v), 'bool_mask': enc(bool_mask), 'float_mask': enc(float_mask),
        'square_query': enc(qs),
        'plain': enc(sdpa_reference(q, k, v)),
        'bool': enc(sdpa_reference(q, k, v, bool_mask)),
        'float': enc(sdpa_reference(q, k, v, float_mask)),
        'causal': enc(sdpa_reference(qs, qs, qs, is_causal=True)),
    }


def repr_cases():
    return {
        'lstm': str(nn.LSTM(10, 8, 2, batch_first=True)),
        'gru': str(nn.GRU(4, 3, bias=False, dropout=0.5, num_layers=2, bidirectional=True)),
        'rnn': str(nn.RNN(4, 3, nonlinearity='relu')),
        'lstm_cell': str(nn.LSTMCell(5, 4, bias=False)),
        'rnn_cell': str(nn.RNNCell(5, 4, nonlinearity='relu')),
        'mha': str(nn.MultiheadAttention(16, 4)),
        'encoder_layer': str(nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)),
    }


def error_message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is the fixture
        return str(e)
    raise RuntimeError('expected an error')


def error_cases():
    lstm = nn.LSTM(10, 8, 2)
    mha = nn.MultiheadAttention(8, 2)
    x = torch.randn(5, 3, 8)
    return {
        'lstm_input_size': error_message(lambda: lstm(torch.randn(5, 3, 7))),
        'lstm_hidden_size': error_message(lambda: lstm(torch.randn(5, 3, 10), (torch.zeros(1, 3, 8), torch.zeros(2, 3, 8)))),
        'lstm_cell_size': error_message(lambda: lstm(torch.randn(5, 3, 10), (torch.zeros(2, 3, 8), torch.zeros(2, 3, 9)))),
        'lstm_hx_dims': error_message(lambda: lstm(torch.randn(5, 3, 10), (torch.zeros(3, 8), torch.zeros(3, 8)))),
        'gru_hidden_size': error_message(lambda: nn.GRU(4, 3)(torch.randn(2, 5, 4), torch.zeros(1, 2, 3))),
        'rnn_nonlinearity': error_message(lambda: nn.RNN(4, 3, nonlinearity='sigmoid')),
        'gru_proj_size': error_message(lambda: nn.GRU(4, 3, proj_size=2)),
        'lstm_proj_too_big': error_message(lambda: nn.LSTM(4, 3, proj_size=3)),
        'mha_divisible': error_message(lambda: nn.MultiheadAttention(10, 3)),
        'mha_attn_mask_shape': error_message(lambda: mha(x, x, x, attn_mask=torch.zeros(4, 4))),
        'mha_kpm_dtype': error_message(lambda: mha(x, x, x, key_padding_mask=torch.zeros(3, 5, dtype=torch.long))),
        'mha_embed_dim': error_message(lambda: mha(torch.randn(5, 3, 6), torch.randn(5, 3, 6), torch.randn(5, 3, 6))),
        'encoder_activation': error_message(lambda: nn.TransformerEncoderLayer(8, 2, activation='tanh')),
    }


def main():
    fixture = {'init': init_cases(), 'parity': parity_cases(), 'sdpa': sdpa_cases(), 'repr': repr_cases(),
               'errors': error_cases()}
    with open(OUT, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'wrote {OUT}: {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
