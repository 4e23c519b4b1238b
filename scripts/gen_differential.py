"""Generates tests/fixtures/torch-X.Y/differential.json: PyTorch's results for torchnode's
differential test (tests/differential.test.ts).

Each case is one op variant: (op, dtype, input kind), with input kinds contiguous, transposed
(non-contiguous), strided (every other column), expanded (stride 0), empty, 0-dim, broadcast
pairs and NaN/Inf data. Inputs are stored in the file (the test rebuilds them from the stored
values and view, never from a seed), so both sides compute on the same bits. Results are stored
exactly: floats as Python floats (every float16/bfloat16/float32 value is exact in a double),
NaN/Inf as strings, -0.0 kept. Where PyTorch raises, the case stores the exception instead.
Also: the optimizers' argument checks (which raise, with what), for tests/optim.test.ts.

    /usr/bin/python3 scripts/gen_differential.py
"""
import json
import math
import platform

import torch

from fixture_dir import fixture_path, json_number

OUT = fixture_path('differential.json')
torch.set_num_threads(1)

DTYPES = {
    'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16, 'bfloat16': torch.bfloat16,
    'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32, 'int64': torch.int64,
    'uint8': torch.uint8, 'bool': torch.bool,
}
FLOATS = ['float32', 'float64', 'float16', 'bfloat16']
INTS = ['int8', 'int16', 'int32', 'int64', 'uint8']
ALL = FLOATS + INTS + ['bool']


num = json_number


def enc_tensor(t):
    t = t.detach()
    flat = t.reshape(-1)
    vals = flat.float().tolist() if t.dtype in (torch.float16, torch.bfloat16) else flat.tolist()
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'data': [num(v) for v in vals],
            'contiguous': t.is_contiguous()}


def enc_result(r):
    if isinstance(r, torch.Tensor):
        return enc_tensor(r)
    if isinstance(r, (tuple, list)):
        return [enc_result(x) for x in r]
    if isinstance(r, bool):
        return {'bool': r}
    if isinstance(r, (int, float)):
        return {'number': num(r)}
    raise TypeError(type(r))


# ---- inputs: generated once, stored, and rebuilt from the stored form on both sides ------------

gen = torch.Generator().manual_seed(20261201)


def values(dtype, n, special=False, positive=False, nonzero=False):
    """n values of a dtype: a mix of signs and magnitudes, or NaN/Inf/-0 when special."""
    dt = DTYPES[dtype]
    if dtype == 'bool':
        return (torch.rand(n, generator=gen) > 0.5).tolist()
    if dtype in INTS:
        lo, hi = {'int8': (-20, 20), 'uint8': (0, 40), 'int16': (-300, 300), 'int32': (-5000, 5000), 'int64': (-100000, 100000)}[dtype]
        if positive:
            lo = 1
        v = torch.randint(lo, hi, (n,), generator=gen, dtype=torch.int64)
        if nonzero:
            v = torch.where(v == 0, torch.ones_like(v), v)
        return v.tolist()
    v = torch.randn(n, generator=gen, dtype=torch.float64) * 3
    if positive:
        v = v.abs() + 0.25
    if special:
        pattern = [float('nan'), float('inf'), float('-inf'), -0.0, 0.0, 1e-30, -1e30, 65504.0 * 2]
        v[:len(pattern)] = torch.tensor(pattern[:n], dtype=torch.float64)
    return v.to(dt).to(torch.float64).tolist()


INPUTS = {}


def make_input(name, dtype, shape, view=None, **kw):
    """A stored input: base values of `shape`, then `view` ('t', 'step2', 'expand') applied."""
    if name in INPUTS:  # one stored input per name: cases computed earlier keep their values
        return name
    n = 1
    for s in shape:
        n *= s
    INPUTS[name] = {'dtype': dtype, 'shape': shape, 'data': [num(v) for v in values(dtype, n, **kw)], 'view': view}
    return name


def build(name):
    """The same construction as the test's buildInput()."""
    spec = INPUTS[name]
    data = [float(v) if isinstance(v, str) else v for v in spec['data']]
    t = torch.tensor(data, dtype=DTYPES[spec['dtype']]).reshape(spec['shape'])
    v = spec['view']
    if v == 't':
        t = t.t()
    elif v == 'step2':
        t = t[:, ::2]
    elif v == 'expand':
        t = t.expand(t.shape[0], 4)
    return t


def kinds_for(dtype, extra=(), positive=False, nonzero=False):
    """The standard input kinds of a dtype, as {kind: input name}; all of logical shape 3×4."""
    key = f'{dtype}{"_pos" if positive else ""}{"_nz" if nonzero else ""}'
    out = {
        'contiguous': make_input(f'{key}_c', dtype, [3, 4], positive=positive, nonzero=nonzero),
        'transposed': make_input(f'{key}_t', dtype, [4, 3], 't', positive=positive, nonzero=nonzero),
    }
    if 'strided' in extra:
        out['strided'] = make_input(f'{key}_s', dtype, [3, 8], 'step2', positive=positive, nonzero=nonzero)
    if 'expanded' in extra:
        out['expanded'] = make_input(f'{key}_x', dtype, [3, 1], 'expand', positive=positive, nonzero=nonzero)
    if 'empty' in extra:
        out['empty'] = make_input(f'{key}_e', dtype, [0, 4], positive=positive, nonzero=nonzero)
    if 'scalar' in extra:
        out['0-dim'] = make_input(f'{key}_0', dtype, [], positive=positive, nonzero=nonzero)
    if 'special' in extra and dtype in FLOATS:
        out['nan-inf'] = make_input(f'{key}_n', dtype, [2, 4], special=True)
    return out


# ---- cases --------------------------------------------------------------------------------------

CASES = []


def arg_enc(a):
    if isinstance(a, Ref):
        return {'$t': a.name}
    if isinstance(a, float):
        return num(a) if not (math.isnan(a) or math.isinf(a)) else {'$f': num(a)}
    if isinstance(a, (list, tuple)):
        return [arg_enc(x) for x in a]
    return a


class Ref:
    def __init__(self, name):
        self.name = name


def arg_dec(a):
    if isinstance(a, Ref):
        return build(a.name)
    if isinstance(a, (list, tuple)):
        return type(a)(arg_dec(x) for x in a)
    return a


def case(op, dtype, kind, call, name, args, kwargs=None, ctor=None):
    """Runs one variant in PyTorch and records its result or its error.
    call: 'method' (args[0].name(*args[1:])), 'torch' (torch.name), 'F' (torch.nn.functional.name)
    or 'module' (torch.nn.name(*ctor)(*args))."""
    kwargs = kwargs or {}
    py_args = [arg_dec(a) for a in args]
    entry = {'id': f'{op}/{dtype}/{kind}', 'op': op, 'dtype': dtype, 'kind': kind, 'call': call, 'name': name,
             'args': [arg_enc(a) for a in args], 'kwargs': {k: arg_enc(v) for k, v in kwargs.items()}}
    if ctor is not None:
        entry['ctor'] = [arg_enc(a) for a in ctor[0]]
        entry['ctor_kwargs'] = ctor[1]
    try:
        if call == 'method':
            r = getattr(py_args[0], name)(*py_args[1:], **kwargs)
        elif call == 'torch':
            r = getattr(torch, name)(*py_args, **kwargs)
        elif call == 'F':
            r = getattr(torch.nn.functional, name)(*py_args, **kwargs)
        elif call == 'module':
            r = getattr(torch.nn, name)(*ctor[0], **ctor[1])(*py_args)
        else:
            raise ValueError(call)
        entry['result'] = enc_result(r)
    except Exception as e:  # PyTorch's error is the expected outcome
        entry['error'] = {'type': type(e).__name__, 'message': str(e).split('\n')[0]}
    CASES.append(entry)


UNARY = ['abs', 'neg', 'exp', 'exp2', 'log', 'log2', 'log10', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'sin', 'cos', 'tan',
         'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'erf', 'floor', 'ceil', 'round', 'trunc', 'frac',
         'sign', 'reciprocal', 'logical_not', 'bitwise_not', 'isnan', 'isinf', 'isfinite', 'relu', 'square']
for dtype in ALL:
    kinds = kinds_for(dtype, ('strided', 'expanded', 'empty', 'scalar', 'special') if dtype in ('float32', 'int64') else ('special',))
    for op in UNARY:
        for kind, inp in kinds.items():
            case(op, dtype, kind, 'method', op, [Ref(inp)])

BINARY = ['add', 'sub', 'mul', 'div', 'remainder', 'fmod', 'floor_divide', 'pow', 'maximum', 'minimum', 'atan2', 'fmax',
          'fmin', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or', 'logical_xor', 'bitwise_and',
          'bitwise_or', 'bitwise_xor']
for dtype in ALL:
    a = kinds_for(dtype, ('empty', 'scalar', 'special') if dtype in ('float32', 'int32') else ())
    b = {'b': make_input(f'{dtype}_rhs', dtype, [3, 4], nonzero=True)}
    row = make_input(f'{dtype}_row', dtype, [4], nonzero=True)
    col = make_input(f'{dtype}_col', dtype, [3, 1])
    for op in BINARY:
        for kind, inp in a.items():
            other = b['b'] if kind not in ('empty', '0-dim', 'nan-inf') else row
            if kind == 'nan-inf':
                other = make_input(f'{dtype}_row_n', dtype, [4], special=True)
            case(op, dtype, kind, 'torch', op, [Ref(inp), Ref(other)])
        case(op, dtype, 'broadcast', 'torch', op, [Ref(col), Ref(row)])
        # A Python number in the Tensor slot: int where integral, as JS numbers map.
        case(op, dtype, 'scalar-int', 'method', op, [Ref(a['contiguous']), 3])
        case(op, dtype, 'scalar-float', 'method', op, [Ref(a['contiguous']), 2.5])

# Type promotion across dtypes (PyTorch's result_type rules).
MIXED = [('int64', 'float32'), ('int32', 'float64'), ('uint8', 'int8'), ('bool', 'float32'), ('float16', 'bfloat16'),
         ('bool', 'int16'), ('uint8', 'float16'), ('int8', 'bfloat16')]
for da, db in MIXED:
    x = make_input(f'mix_{da}', da, [3, 4], nonzero=True)
    y = make_input(f'mix_{db}', db, [3, 4], nonzero=True)
    for op in ['add', 'mul', 'div', 'sub', 'maximum', 'eq', 'remainder']:
        case(op, f'{da}+{db}', 'mixed', 'torch', op, [Ref(x), Ref(y)])

# Integer division by zero raises in PyTorch (ZeroDivisionError) rather than trapping.
for dtype in ['int32', 'int64', 'uint8']:
    z = make_input(f'{dtype}_zero', dtype, [2], positive=True)
    INPUTS[z]['data'] = [0, 0]
    n = make_input(f'{dtype}_num', dtype, [2], positive=True)
    for op in ['div', 'remainder', 'floor_divide', 'fmod']:
        case(op, dtype, 'zero-divisor', 'torch', op, [Ref(n), Ref(z)])

# Reductions, whole-tensor and along a dim.
REDUCE = [('sum', {}), ('mean', {}), ('prod', {}), ('amax', {}), ('amin', {}), ('argmax', {}), ('argmin', {}),
          ('std', {}), ('var', {}), ('nansum', {}), ('all', {}), ('any', {}), ('norm', {}),
          ('sum', {'dim': 1}), ('sum', {'dim': 0, 'keepdim': True}), ('mean', {'dim': 1}), ('prod', {'dim': 0}),
          ('amax', {'dim': 1}), ('argmax', {'dim': 0}), ('max', {'dim': 1}), ('min', {'dim': 0, 'keepdim': True}),
          ('std', {'dim': 1}), ('var', {'dim': 0, 'unbiased': False}), ('logsumexp', {'dim': 1}),
          ('cumsum', {'dim': 1}), ('cumprod', {'dim': 0}), ('softmax', {'dim': 1}), ('log_softmax', {'dim': 0}),
          ('sort', {'dim': 1}), ('argsort', {'dim': 1, 'descending': True})]
for dtype in ALL:
    kinds = kinds_for(dtype, ('strided', 'empty', 'scalar', 'special') if dtype in ('float32', 'int64', 'float16') else ('special',))
    for op, kw in REDUCE:
        label = op + ''.join(f',{k}={v}' for k, v in kw.items())
        for kind, inp in kinds.items():
            case(label, dtype, kind, 'method', op, [Ref(inp)], kw)

# nn.functional activations and their modules, incl. softplus (beta, threshold) and elu (alpha, inplace).
ACT = [('relu', [], {}), ('gelu', [], {}), ('gelu', [], {'approximate': 'tanh'}), ('silu', [], {}), ('sigmoid', [], {}),
       ('tanh', [], {}), ('leaky_relu', [0.2], {}), ('softplus', [], {}), ('softplus', [2], {}),
       ('softplus', [], {'beta': 0.5, 'threshold': 1}), ('softplus', [3, 0.5], {}), ('elu', [], {}), ('elu', [0.5], {}),
       ('elu', [], {'alpha': 2.5}), ('elu', [1.5], {'inplace': True}), ('softmax', [], {'dim': 1}),
       ('log_softmax', [], {'dim': -1})]
for dtype in FLOATS + ['int64']:
    kinds = kinds_for(dtype, ('empty', 'scalar', 'special', 'strided') if dtype in ('float32', 'float64') else ('special',))
    for fn, pos, kw in ACT:
        label = 'F.' + fn + ''.join(f',{a}' for a in pos) + ''.join(f',{k}={v}' for k, v in kw.items())
        for kind, inp in kinds.items():
            case(label, dtype, kind, 'F', fn, [Ref(inp)] + pos, kw)
MODULES = [('Softplus', [], {}), ('Softplus', [2, 10], {}), ('Softplus', [], {'beta': 0.5, 'threshold': 3}),
           ('ELU', [], {}), ('ELU', [0.3], {}), ('ELU', [], {'alpha': 2.0, 'inplace': True})]
for dtype in ['float32', 'float64', 'bfloat16']:
    kinds = kinds_for(dtype, ('special',))
    for cls, pos, kw in MODULES:
        label = 'nn.' + cls + ''.join(f',{a}' for a in pos) + ''.join(f',{k}={v}' for k, v in kw.items())
        for kind, inp in kinds.items():
            case(label, dtype, kind, 'module', cls, [Ref(inp)], ctor=(pos, kw))

# Shape errors PyTorch raises (broadcast mismatch, bad dim, matmul sizes).
bad_a = make_input('err_a', 'float32', [3, 4])
bad_b = make_input('err_b', 'float32', [5, 2])
case('add', 'float32', 'shape-mismatch', 'torch', 'add', [Ref(bad_a), Ref(bad_b)])
case('matmul', 'float32', 'shape-mismatch', 'torch', 'matmul', [Ref(bad_a), Ref(bad_b)])
case('sum,dim=5', 'float32', 'bad-dim', 'method', 'sum', [Ref(bad_a)], {'dim': 5})
case('softmax,dim=-3', 'float32', 'bad-dim', 'method', 'softmax', [Ref(bad_a)], {'dim': -3})
case('F.elu,inplace', 'int64', 'integral-inplace', 'F', 'elu', [Ref(make_input('err_i', 'int64', [3]))], {'inplace': True})

# ---- optimizer argument checks --------------------------------------------------------------------

OPTIM = []
BAD = [-1, -0.5, float('nan'), float('inf'), 0, 'x', None, [0.1]]
p = [torch.nn.Parameter(torch.zeros(2))]
OPTIONS = {
    # SGD's dampening is unchecked in PyTorch until step() computes 1 - dampening; torchnode
    # requires a number up front (tests/optim.test.ts), so it is not in this table.
    'SGD': (['lr', 'momentum', 'weight_decay'], {'lr': 0.1}),
    'Adam': (['lr', 'eps', 'weight_decay'], {}),
    'AdamW': (['lr', 'eps', 'weight_decay'], {}),
    'RMSprop': (['lr', 'eps', 'momentum', 'weight_decay', 'alpha'], {}),
    'Adagrad': (['lr', 'lr_decay', 'weight_decay', 'initial_accumulator_value', 'eps'], {}),
}
for opt, (names, base) in OPTIONS.items():
    for name in names:
        for v in BAD:
            kw = dict(base, **{name: v})
            entry = {'optimizer': opt, 'kwargs': {k: arg_enc(x) for k, x in kw.items()}}
            try:
                getattr(torch.optim, opt)(p, **kw)
                entry['ok'] = True
            except Exception as e:
                entry['error'] = {'type': type(e).__name__, 'message': str(e)}
            OPTIM.append(entry)
for opt in ['Adam', 'AdamW']:
    for betas in [(1.0, 0.999), (0.9, -0.1), (float('nan'), 0.9), (0.9, 1.0), (0.0, 0.0), ('a', 0.9), (0.9, None)]:
        entry = {'optimizer': opt, 'kwargs': {'betas': arg_enc(list(betas))}}
        try:
            getattr(torch.optim, opt)(p, betas=betas)
            entry['ok'] = True
        except Exception as e:
            entry['error'] = {'type': type(e).__name__, 'message': str(e)}
        OPTIM.append(entry)

capability = [l.split(':', 1)[1].strip() for l in torch.__config__.show().split('\n') if 'CPU capability usage' in l]
cpu_model = ''
try:
    with open('/proc/cpuinfo') as f:
        cpu_model = next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
except (OSError, StopIteration):
    cpu_model = platform.processor()

with open(OUT, 'w') as f:
    json.dump({'torch_version': torch.__version__, 'cpu_capability': capability[0] if capability else '',
               'cpu_model': cpu_model, 'inputs': INPUTS, 'cases': CASES, 'optim': OPTIM}, f, separators=(',', ':'))
print(f'wrote {OUT}: {len(CASES)} op variants ({sum("error" in c for c in CASES)} raise in PyTorch), {len(OPTIM)} optimizer checks')
