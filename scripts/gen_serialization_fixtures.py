"""PyTorch's side of tests/serialization.test.ts (torch.save / torch.load interop).

    /usr/bin/python3 scripts/gen_serialization_fixtures.py
        writes tests/fixtures/serialization/*.pt with Python's torch.save, and expected.json:
        describe() of every file, as Python's torch.load sees it.
    /usr/bin/python3 scripts/gen_serialization_fixtures.py describe FILE
        prints describe(torch.load(FILE)) as JSON (the test checks files torchnode saved).
    /usr/bin/python3 scripts/gen_serialization_fixtures.py run-model KIND FILE
        builds the fixture model KIND ('mlp' or 'batchnorm'), loads FILE into it with strict
        load_state_dict, and prints the model's output on MODEL_INPUT as JSON.

Run under both interpreters: each writes its own numpy's pickles (numpy 1.x names
numpy.core.multiarray, numpy 2.x numpy._core.multiarray), and PyTorch 2.x also records which
files its weights_only=True unpickler loads or refuses (expected.json's 'weights_only').

describe() encodes values so JSON keeps what matters: Python ints as {"int": "7"} (exact, and
distinct from floats), tuples and lists apart, dicts with non-string keys as item lists, and
tensors with dtype, shape, stride, storage offset, storage identity and their values flattened
(int64 as strings, complex as [re, im], non-finite floats as strings).
"""
import collections
import json
import math
import os
import re
import sys
import zipfile

import torch
from torch import nn

try:
    import numpy as np
except ImportError:  # the numpy fixtures need it; the others do not
    np = None

from fixture_dir import fixture_path

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = fixture_path('serialization')
MODEL_INPUT = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]


def make_model(kind):
    torch.manual_seed(0)
    if kind == 'mlp':
        return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    if kind == 'batchnorm':
        return nn.BatchNorm1d(3)
    raise ValueError(kind)


def encode_number(x):
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


def describe(v, storages):
    if np is not None and isinstance(v, np.ndarray):
        # torchnode loads a numpy array as the tensor torch.from_numpy gives (native byte order).
        # An empty array's strides mean nothing (numpy 1.x unpickles them as 0s): torchnode
        # gives it contiguous ones.
        t = torch.from_numpy(v.astype(v.dtype.newbyteorder('=')))
        return describe(t if v.size else torch.empty(t.shape, dtype=t.dtype), storages)
    if np is not None and isinstance(v, np.generic):
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, np.integer):
            return {'int': str(int(v))}
        if isinstance(v, np.floating):
            return {'float': encode_number(float(v))}
        if isinstance(v, np.complexfloating):  # JS has no complex number: a 0-d tensor
            return describe(torch.from_numpy(np.asarray(v)), storages)
    if isinstance(v, torch.Tensor):
        flat = v.detach().reshape(-1)
        if v.dtype == torch.int64:
            values = [str(x) for x in flat.tolist()]
        elif v.is_complex():
            values = [[encode_number(x) for x in pair] for pair in torch.view_as_real(flat).tolist()]
        else:
            values = [encode_number(x) for x in flat.tolist()]
        ptr = v.untyped_storage().data_ptr() if hasattr(v, 'untyped_storage') else v.storage().data_ptr()
        storage_id = storages.setdefault(ptr, len(storages))
        return {'tensor': {
            'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape), 'stride': list(v.stride()),
            'offset': v.storage_offset(), 'storage': storage_id, 'requires_grad': v.requires_grad,
            'parameter': isinstance(v, nn.Parameter), 'values': values,
        }}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return {'int': str(v)}
    if isinstance(v, float):
        return {'float': encode_number(v)}
    if isinstance(v, tuple):
        return {'tuple': [describe(x, storages) for x in v]}
    if isinstance(v, list):
        return {'list': [describe(x, storages) for x in v]}
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {'dict': {k: describe(x, storages) for k, x in v.items()}}
        return {'dict_items': [[describe(k, storages), describe(x, storages)] for k, x in v.items()]}
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': bytes(v).hex()}
    if isinstance(v, (set, frozenset)):
        return {'set': [describe(x, storages) for x in sorted(v)]}
    if isinstance(v, complex):
        return describe(torch.tensor(v, dtype=torch.complex128), storages)
    if isinstance(v, torch.dtype):
        return {'dtype': str(v).replace('torch.', '')}
    if isinstance(v, torch.device):
        return {'device': str(v)}
    raise TypeError(f'describe: unexpected {type(v)}')


class Custom:
    """Saved by reference as __main__.Custom, a global torchnode must refuse by name."""

    def __init__(self):
        self.x = 1


def fixtures():
    torch.manual_seed(0)
    mlp = make_model('mlp')
    bn = make_model('batchnorm')
    bn.train()
    bn(torch.randn(8, 3) * 2 + 1)  # moves running stats off their defaults; num_batches_tracked = 1

    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    return {
        'mlp_state_dict': mlp.state_dict(),
        'batchnorm_state_dict': bn.state_dict(),
        'dtypes': {
            'float32': torch.tensor([1.5, -2.25, 3.0e-8, 1.0e30]),
            'float64': torch.tensor([math.pi, -1.0e-300, 1.0e300], dtype=torch.float64),
            'float16': torch.tensor([1.0, -0.333, 65504.0, 6.0e-8], dtype=torch.float16),
            'bfloat16': torch.tensor([1.0, -0.333, 3.0e38, 1.0e-38], dtype=torch.bfloat16),
            'int64': torch.tensor([0, -1, 2 ** 53 + 1, -(2 ** 62), 2 ** 63 - 1], dtype=torch.int64),
            'int32': torch.tensor([-(2 ** 31), 2 ** 31 - 1, 7], dtype=torch.int32),
            'int16': torch.tensor([-32768, 32767, 5], dtype=torch.int16),
            'int8': torch.tensor([-128, 127, 0], dtype=torch.int8),
            'uint8': torch.tensor([0, 255, 17], dtype=torch.uint8),
            'bool': torch.tensor([[True, False], [False, True]]),
            'complex64': torch.tensor([1 + 2j, -0.5 - 4j], dtype=torch.complex64),
            'scalar': torch.tensor(2.5),
            'empty': torch.zeros(0, 3),
        },
        # One storage behind all four: a transposed (non-contiguous) view, a row with an
        # offset, a strided column, and the base itself.
        'views': {'base': base, 'transposed': base.t(), 'row': base[1], 'column': base[:, 2]},
        'nested': {
            'name': 'model', 'epoch': 7, 'lr': 0.125, 'betas': (0.9, 0.999), 'flags': [True, False, None],
            'big': 2 ** 40, 'huge': 2 ** 70, 'negative': -5, 'unicode': 'héllo ✓',
            'nested': {'a': [1, 2, {'b': 'c'}], 't': torch.tensor([1, 2])},
            'int_keys': {0: 'zero', 1: 'one'}, 'dtype': torch.float16, 'device': torch.device('cpu'),
        },
        'parameter': nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]])),
    }


def numpy_fixtures():
    """numpy arrays and scalars inside torch.save files: numpy 1.x pickles them through
    numpy.core.multiarray, numpy 2.x through numpy._core.multiarray (each interpreter writes its own)."""
    arange = np.arange(6).reshape(2, 3)
    return {
        'numpy_arrays': {
            'float16': np.array([1.0, -0.333, 65504.0], dtype=np.float16),
            'float32': np.array([[1.5, -2.25], [3.0e-8, 1.0e30]], dtype=np.float32),
            'float64': np.array([math.pi, -1.0e-300, float('inf'), float('nan')]),
            'int8': np.array([-128, 127, 0], dtype=np.int8),
            'int16': np.array([-32768, 32767], dtype=np.int16),
            'int32': np.array([-(2 ** 31), 2 ** 31 - 1], dtype=np.int32),
            'int64': arange,
            'int64_big': np.array([2 ** 53 + 1, -(2 ** 62)], dtype=np.int64),
            'uint8': np.array([0, 255, 17], dtype=np.uint8),
            'bool': np.array([[True, False], [False, True]]),
            'complex64': np.array([1 + 2j, -0.5 - 4j], dtype=np.complex64),
            'complex128': np.array([[1e-300 + 2j], [-3 + 0.5j]]),
            'big_endian_f4': np.arange(6, dtype='>f4').reshape(2, 3) - 2.5,
            'big_endian_i8': np.array([1, -2, 2 ** 40], dtype='>i8'),
            'big_endian_c16': np.array([1 + 2j, -3.5 - 0.25j], dtype='>c16'),
            'big_endian_i2': np.array([[258, -3]], dtype='>i2'),
            'fortran_2d': np.asfortranarray(np.arange(6.0).reshape(2, 3)),
            'fortran_3d': np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)),
            'fortran_big_endian': np.asfortranarray(np.arange(6, dtype='>f8').reshape(3, 2)),
            'transposed_view': arange.T[1:],  # neither C- nor Fortran-contiguous: pickled in C order
            'scalar_0d': np.array(7.25),
            'empty': np.zeros((0, 3), dtype=np.float32),
            'same_array_twice': [arange, arange],
        },
        'numpy_scalars': {
            'float64': np.float64(2.5), 'float32': np.float32(-0.375), 'float16': np.float16(1.5),
            'int64': np.int64(-7), 'int64_big': np.int64(2 ** 60 + 1), 'uint64_big': np.uint64(2 ** 64 - 1),
            'int8': np.int8(-128), 'uint16': np.uint16(65535), 'int32': np.int32(123456),
            'bool': np.bool_(True), 'complex128': np.complex128(1.5 - 2j), 'complex64': np.complex64(0.5 + 4j),
            'nan': np.float64('nan'),
        },
    }


def numpy_unsupported():
    """numpy dtypes with no tensor equivalent: torchnode refuses these, naming the dtype."""
    return {
        'numpy_object': np.array([1, 'a'], dtype=object),
        'numpy_str': np.array(['ab', 'c']),
        'numpy_structured': np.zeros(2, dtype=[('a', '<i4'), ('b', '<f8')]),
        'numpy_uint16': np.arange(3, dtype=np.uint16),
        'numpy_datetime': np.array(['2020-01-01'], dtype='datetime64[D]'),
    }


def weights_only_types():
    """What PyTorch's weights_only unpickler allows beyond tensors and containers."""
    attributed = torch.tensor([1.0, 2.0])
    attributed.note = 'dropped'  # PyTorch 2.x saves it through _rebuild_from_type_v2
    return {
        'counter': collections.Counter('aab'), 'complex': 1.5 - 2j, 'bytearray': bytearray(b'\x00\xffab'),
        'bytes': b'xy\x80', 'set': {3, 1, 2}, 'device': torch.device('cpu'), 'tensor_with_attribute': attributed,
    }


def weights_only_outcome(path):
    """'ok', or the global PyTorch's weights_only=True refuses (PyTorch 2.x only: 1.13's list differs)."""
    try:
        torch.load(path, weights_only=True)
        return 'ok'
    except Exception as e:  # noqa: BLE001 - any refusal is the outcome being recorded
        m = re.search(r'GLOBAL (\S+) (was not an allowed global|whose module \S+ is blocked)', str(e))
        return {'refused': m.group(1), 'blocked': m.group(2).startswith('whose')} if m else {'error': str(e)}


def write_pt2_layout(path, obj):
    """PyTorch 2.x's layout (archive/ folder, byteorder and .data/ records), written record by
    record with Python's zipfile so neither the alignment padding nor data descriptors appear."""
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as dst:
        # PyTorch 1.13 writes none of these three records; 2.x writes them itself.
        extra = {'byteorder': 'little', '.data/version': '3\n', '.data/serialization_id': '1234567890'}
        names = {name.split('/', 1)[1]: name for name in src.namelist()}
        dst.writestr('archive/byteorder', src.read(names['byteorder']) if 'byteorder' in names else extra['byteorder'])
        for short, name in names.items():
            if short != 'byteorder' and short not in extra:
                dst.writestr('archive/' + short, src.read(name))
        for short in ('.data/version', '.data/serialization_id'):
            dst.writestr('archive/' + short, src.read(names[short]) if short in names else extra[short])
    os.remove(tmp)


def write_deflated(path, obj):
    """The same archive re-zipped with compression, as an archiver tool might leave it."""
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    os.remove(tmp)


def generate():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for name, obj in fixtures().items():
        torch.save(obj, os.path.join(OUT, f'{name}.pt'))
    write_pt2_layout(os.path.join(OUT, 'pt2_layout.pt'), {'w': torch.tensor([[1.0, -2.0]]), 'step': 3})
    write_deflated(os.path.join(OUT, 'deflated.pt'), {'w': torch.arange(6, dtype=torch.int16).reshape(2, 3)})
    torch.save({'custom': Custom()}, os.path.join(OUT, 'unknown_global.pt'))
    torch.save(torch.ones(2), os.path.join(OUT, 'legacy_format.pt'), _use_new_zipfile_serialization=False)
    torch.save(weights_only_types(), os.path.join(OUT, 'weights_only_types.pt'))
    torch.save({'fs': frozenset([3, 1])}, os.path.join(OUT, 'frozenset.pt'))
    torch.save({'b': b'', 'list': [b'']}, os.path.join(OUT, 'empty_bytes.pt'))  # bytes(), which weights_only refuses
    torch.save({'evil': os.system}, os.path.join(OUT, 'blocked_module.pt'))
    unloadable = {'unknown_global.pt', 'legacy_format.pt', 'blocked_module.pt'}
    if np is not None:
        for name, obj in numpy_fixtures().items():
            torch.save(obj, os.path.join(OUT, f'{name}.pt'))
        for name, arr in numpy_unsupported().items():
            torch.save({'a': arr}, os.path.join(OUT, f'{name}.pt'))
            unloadable.add(f'{name}.pt')
        expected['numpy_version'] = np.__version__
    else:
        print('numpy is not importable here: numpy fixtures not written', file=sys.stderr)
    for fname in sorted(os.listdir(OUT)):
        if fname.endswith('.pt') and fname not in unloadable:
            # weights_only=False: numpy arrays need it in PyTorch 2.x (1.13's default is False anyway)
            expected[fname] = describe(torch.load(os.path.join(OUT, fname), weights_only=False), {})
    if int(torch.__version__.split('.')[0]) >= 2:
        expected['weights_only'] = {fname: weights_only_outcome(os.path.join(OUT, fname))
                                    for fname in sorted(os.listdir(OUT)) if fname.endswith('.pt') and fname != 'legacy_format.pt'}
    for kind in ('mlp', 'batchnorm'):
        expected[f'{kind}_output'] = run_model(kind, os.path.join(OUT, f'{kind}_state_dict.pt'))
    expected['model_input'] = MODEL_INPUT
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write('\n')


def run_model(kind, path):
    model = make_model(kind)
    model.load_state_dict(torch.load(path), strict=True)
    model.eval()
    with torch.no_grad():
        return model(torch.tensor(MODEL_INPUT)).tolist()


def main(argv):
    if len(argv) == 0:
        generate()
    elif argv[0] == 'describe' and len(argv) == 2:
        print(json.dumps(describe(torch.load(argv[1]), {}), ensure_ascii=False))
    elif argv[0] == 'run-model' and len(argv) == 3:
        print(json.dumps(run_model(argv[1], argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
