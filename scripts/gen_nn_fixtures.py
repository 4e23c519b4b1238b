"""Generates tests/fixtures/nn_layers.json: PyTorch-oracle values for the standard layers (tests/nn_layers.test.ts).

For each case: the seeded initial state_dict (keys in order), the repr, and a parity run in
float32 and float64 from a state PyTorch gives (perturbed for layers initialised to constants):
output, input gradients and parameter gradients of (out * fixed random weights).sum(), plus
the buffers afterwards (running statistics). A few functional calls are recorded as well.
Deterministic (fixed seeds). Run with:

    /usr/bin/python3 scripts/gen_nn_fixtures.py
"""
import copy
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_dir import fixture_path

OUT = fixture_path('nn_layers.json')

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)

# inputs: shapes of float inputs, or {'high': n, 'shape': s} for int64 index inputs.
CASES = [
    dict(id='linear', cls='Linear', args=[5, 4], inputs=[[3, 5]]),
    dict(id='linear_nobias_3d', cls='Linear', args=[5, 4], kwargs={'bias': False}, inputs=[[2, 3, 5]]),
    dict(id='bilinear', cls='Bilinear', args=[3, 4, 2], inputs=[[5, 3], [5, 4]]),
    dict(id='identity', cls='Identity', args=[], inputs=[[2, 3]]),
    dict(id='flatten', cls='Flatten', args=[], inputs=[[2, 3, 2, 2]]),
    dict(id='unflatten', cls='Unflatten', args=[1, [2, 3]], inputs=[[2, 6, 2]]),
    dict(id='conv1d_stride_pad', cls='Conv1d', args=[2, 4, 3], kwargs={'stride': 2, 'padding': 1}, inputs=[[2, 2, 9]]),
    dict(id='conv2d_pad1', cls='Conv2d', args=[3, 4, 3], kwargs={'padding': 1}, inputs=[[2, 3, 6, 6]]),
    dict(id='conv2d_groups_dilation_stride', cls='Conv2d', args=[4, 6, [3, 2]],
         kwargs={'stride': [2, 1], 'padding': [1, 0], 'dilation': 2, 'groups': 2}, inputs=[[2, 4, 9, 8]]),
    dict(id='conv2d_same_even_kernel', cls='Conv2d', args=[3, 2, 4], kwargs={'padding': 'same', 'dilation': [1, 2]}, inputs=[[1, 3, 7, 8]]),
    dict(id='conv2d_valid_nobias', cls='Conv2d', args=[2, 3, 2], kwargs={'padding': 'valid', 'bias': False}, inputs=[[2, 2, 5, 4]]),
    dict(id='conv2d_reflect', cls='Conv2d', args=[2, 2, 3], kwargs={'padding': 2, 'padding_mode': 'reflect'}, inputs=[[1, 2, 5, 5]]),
    dict(id='conv2d_circular_same', cls='Conv2d', args=[2, 2, 3], kwargs={'padding': 'same', 'padding_mode': 'circular'}, inputs=[[1, 2, 4, 5]]),
    dict(id='conv3d', cls='Conv3d', args=[2, 3, 2], kwargs={'padding': 1}, inputs=[[1, 2, 3, 4, 3]]),
    dict(id='conv_transpose2d', cls='ConvTranspose2d', args=[4, 2, 3],
         kwargs={'stride': 2, 'padding': 1, 'output_padding': 1, 'groups': 2}, inputs=[[2, 4, 3, 3]]),
    dict(id='maxpool1d', cls='MaxPool1d', args=[3], kwargs={'stride': 2, 'padding': 1}, inputs=[[2, 3, 10]]),
    dict(id='maxpool2d_indices_ceil', cls='MaxPool2d', args=[3],
         kwargs={'stride': 2, 'padding': 1, 'return_indices': True, 'ceil_mode': True}, inputs=[[2, 2, 6, 6]]),
    dict(id='maxpool2d_dilation', cls='MaxPool2d', args=[2], kwargs={'dilation': 2, 'stride': 1}, inputs=[[1, 2, 5, 5]]),
    dict(id='avgpool2d', cls='AvgPool2d', args=[3], kwargs={'stride': 2, 'padding': 1, 'count_include_pad': False}, inputs=[[2, 2, 7, 7]]),
    dict(id='adaptive_avgpool2d', cls='AdaptiveAvgPool2d', args=[[3, None]], inputs=[[2, 2, 7, 5]]),
    dict(id='batchnorm1d_train', cls='BatchNorm1d', args=[3], inputs=[[6, 3]], perturb=True),
    dict(id='batchnorm1d_3d_train', cls='BatchNorm1d', args=[3], kwargs={'momentum': 0.3}, inputs=[[4, 3, 5]], perturb=True),
    dict(id='batchnorm2d_train', cls='BatchNorm2d', args=[4], inputs=[[3, 4, 3, 3]], perturb=True),
    dict(id='batchnorm2d_eval', cls='BatchNorm2d', args=[4], inputs=[[3, 4, 3, 3]], perturb=True, train=False),
    dict(id='batchnorm2d_cumulative', cls='BatchNorm2d', args=[2], kwargs={'momentum': None}, inputs=[[2, 2, 3, 3]], repeat=3, perturb=True),
    dict(id='batchnorm2d_untracked_eval', cls='BatchNorm2d', args=[3], kwargs={'affine': False, 'track_running_stats': False},
         inputs=[[2, 3, 2, 2]], train=False),
    dict(id='layernorm', cls='LayerNorm', args=[[4, 5]], inputs=[[2, 3, 4, 5]], perturb=True),
    dict(id='layernorm_noaffine', cls='LayerNorm', args=[5], kwargs={'eps': 1e-3, 'elementwise_affine': False}, inputs=[[3, 5]]),
    dict(id='groupnorm', cls='GroupNorm', args=[2, 6], inputs=[[3, 6, 2, 2]], perturb=True),
    dict(id='dropout_train', cls='Dropout', args=[0.3], inputs=[[4, 25]], forward_seed=123),
    dict(id='dropout_eval', cls='Dropout', args=[], inputs=[[4, 5]], train=False),
    dict(id='embedding_padding', cls='Embedding', args=[10, 4], kwargs={'padding_idx': 2}, inputs=[{'high': 10, 'shape': [3, 5]}]),
    dict(id='embedding_negative_padding', cls='Embedding', args=[6, 3], kwargs={'padding_idx': -1}, inputs=[{'high': 6, 'shape': [7]}]),
    dict(id='relu', cls='ReLU', args=[], inputs=[[3, 4]]),
    dict(id='gelu', cls='GELU', args=[], inputs=[[3, 4]]),
    dict(id='gelu_tanh', cls='GELU', args=[], kwargs={'approximate': 'tanh'}, inputs=[[3, 4]]),
    dict(id='silu', cls='SiLU', args=[], inputs=[[3, 4]]),
    dict(id='tanh', cls='Tanh', args=[], inputs=[[3, 4]]),
    dict(id='sigmoid', cls='Sigmoid', args=[], inputs=[[3, 4]]),
    dict(id='softmax', cls='Softmax', args=[], kwargs={'dim': 1}, inputs=[[3, 4, 2]]),
    dict(id='log_softmax', cls='LogSoftmax', args=[-1], inputs=[[3, 4]]),
    dict(id='leaky_relu', cls='LeakyReLU', args=[0.2], inputs=[[3, 4]]),
]

# Functional calls: F.fn(inputs[0], *args, **kwargs), where the string '$k' in args or kwargs
# stands for inputs[k] (weights, biases, index tensors).
FUNCTIONAL = [
    dict(id='pad_constant', fn='pad', inputs=[[2, 3, 4]], args=[[1, 2, 0, 1]], kwargs={'value': 0.5}),
    dict(id='pad_replicate', fn='pad', inputs=[[1, 2, 3, 4]], args=[[1, 1, 2, 0]], kwargs={'mode': 'replicate'}),
    dict(id='one_hot', fn='one_hot', inputs=[{'high': 5, 'shape': [4]}], args=[6]),
    dict(id='softmax_dim0', fn='softmax', inputs=[[3, 4]], args=[], kwargs={'dim': 0}),
    dict(id='log_softmax_pos', fn='log_softmax', inputs=[[3, 4]], args=[1]),
    dict(id='max_pool1d_indices', fn='max_pool1d', inputs=[[2, 2, 8]], args=[2], kwargs={'return_indices': True}),
    dict(id='max_pool2d_positional', fn='max_pool2d', inputs=[[1, 2, 6, 6]], args=[3, 2]),
    dict(id='avg_pool2d_divisor', fn='avg_pool2d', inputs=[[1, 2, 6, 6]], args=[2], kwargs={'divisor_override': 3}),
    dict(id='conv2d_fn', fn='conv2d', inputs=[[2, 4, 5, 5], [6, 2, 3, 3], [6]], args=['$1', '$2'], kwargs={'stride': 2, 'padding': 1, 'groups': 2}),
    dict(id='conv_transpose2d_fn', fn='conv_transpose2d', inputs=[[1, 3, 3, 3], [3, 2, 2, 2]], args=['$1'], kwargs={'stride': 2, 'dilation': 2}),
    dict(id='leaky_relu_fn', fn='leaky_relu', inputs=[[3, 4]], args=[0.1]),
    dict(id='gelu_fn', fn='gelu', inputs=[[3, 4]], args=[], kwargs={'approximate': 'tanh'}),
    dict(id='layer_norm_fn', fn='layer_norm', inputs=[[2, 3, 4], [4], [4]], args=[[4], '$1'], kwargs={'bias': '$2', 'eps': 1e-3}),
    dict(id='group_norm_fn', fn='group_norm', inputs=[[2, 4, 3], [4], [4]], args=[2, '$1', '$2']),
    dict(id='embedding_max_norm', fn='embedding', inputs=[{'high': 5, 'shape': [4]}, [5, 3]], args=['$1'], kwargs={'max_norm': 1.0}),
]


def tuplify(v):
    """JSON lists stand for the tuples Python code passes (kernel sizes, shapes)."""
    if isinstance(v, list):
        return tuple(tuplify(x) for x in v)
    if isinstance(v, dict):
        return {k: tuplify(x) for k, x in v.items()}
    return v


def tensor_json(t):
    t = t.detach()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'values': t.flatten().tolist()}


def make_inputs(specs, seed, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    out = []
    for s in specs:
        if isinstance(s, dict):
            out.append(torch.randint(0, s['high'], s['shape'], generator=g))
        else:
            out.append(torch.randn(s, generator=g, dtype=torch.float64).to(dtype))
    return out


def run(m, xs, case, weight_seed, dtype):
    m = copy.deepcopy(m)
    if dtype == torch.float64:
        m = m.double()
    m.train(case.get('train', True))
    xs = [x.clone().requires_grad_(x.is_floating_point()) for x in xs]
    for _ in range(case.get('repeat', 1) - 1):
        with torch.no_grad():
            m(*xs)
    if 'forward_seed' in case:
        torch.manual_seed(case['forward_seed'])
    out = m(*xs)
    outs = list(out) if isinstance(out, tuple) else [out]
    w = torch.randn(outs[0].shape, generator=torch.Generator().manual_seed(weight_seed), dtype=torch.float64).to(dtype)
    result = {'outputs': [tensor_json(o) for o in outs], 'weight': tensor_json(w)}
    if outs[0].requires_grad:
        (outs[0] * w).sum().backward()
    result['input_grads'] = [tensor_json(x.grad) if x.grad is not None else None for x in xs]
    result['param_grads'] = {k: tensor_json(p.grad) for k, p in m.named_parameters() if p.grad is not None}
    result['buffers'] = {k: tensor_json(b) for k, b in m.named_buffers()}
    return result


def module_case(i, case):
    seed = 100 + i
    cls = getattr(nn, case['cls'])
    args = tuplify(case['args'])
    kwargs = tuplify(case.get('kwargs', {}))
    torch.manual_seed(seed)
    m = cls(*args, **kwargs)
    entry = dict(case, seed=seed, repr=str(m), init_state={k: tensor_json(v) for k, v in m.state_dict().items()})
    if case.get('perturb'):
        # Constant initial values (ones, zeros) would hide mistakes in the gradients.
        g = torch.Generator().manual_seed(seed + 7)
        with torch.no_grad():
            for t in list(m.parameters()) + [b for b in m.buffers() if b.is_floating_point()]:
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
    entry['state'] = {k: tensor_json(v) for k, v in m.state_dict().items()}
    xs = make_inputs(case['inputs'], seed + 1000)
    entry['inputs'] = [tensor_json(x) for x in xs]
    entry['float32'] = run(m, xs, case, seed + 2000, torch.float32)
    entry['float64'] = run(m, [x.double() if x.is_floating_point() else x for x in xs], case, seed + 2000, torch.float64)
    return entry


def functional_case(i, case):
    xs = make_inputs(case['inputs'], 500 + i)

    def resolve(v):
        return xs[int(v[1:])] if isinstance(v, str) and v.startswith('$') else tuplify(v)

    args = [resolve(a) for a in case['args']]
    kwargs = {k: resolve(v) for k, v in case.get('kwargs', {}).items()}
    out = getattr(F, case['fn'])(xs[0], *args, **kwargs)
    outs = list(out) if isinstance(out, tuple) else [out]
    return dict(case, inputs_values=[tensor_json(x) for x in make_inputs(case['inputs'], 500 + i)],
                after_inputs=[tensor_json(x) for x in xs], outputs=[tensor_json(o) for o in outs])


def nested():
    torch.manual_seed(7)
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Sequential(nn.Flatten(), nn.Linear(4 * 2 * 2, 3), nn.Dropout(0.1)), nn.LogSoftmax(dim=1))
    x = make_inputs([[2, 1, 4, 4]], 77)[0]
    net.eval()
    return {'repr': str(net), 'state': {k: tensor_json(v) for k, v in net.state_dict().items()},
            'input': tensor_json(x), 'output': tensor_json(net(x))}


def main():
    data = {
        'torch_version': torch.__version__,
        'modules': [module_case(i, c) for i, c in enumerate(CASES)],
        'functional': [functional_case(i, c) for i, c in enumerate(FUNCTIONAL)],
        'nested': nested(),
        'conv2d_repr': str(nn.Conv2d(3, 32, 3, padding=1)),
    }
    with open(OUT, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
