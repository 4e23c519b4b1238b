"""Python's side of tests/safetensors.test.ts: files written by Hugging Face's `safetensors`
package, and what that package reads in files torchnode wrote.

    PYTHON scripts/gen_safetensors_fixtures.py
        writes tests/fixtures/safetensors/*.safetensors with the safetensors package and
        expected.json (describe() of each); and tests/fixtures/safetensors/hostile/*.safetensors,
        malformed files built byte by byte, with manifest.json saying what each one breaks and
        whether the safetensors package itself refuses it.
    PYTHON scripts/gen_safetensors_fixtures.py describe FILE
        prints describe(FILE) as JSON (the test checks files torchnode saved).

Needs only the `safetensors` and `numpy` packages (no torch: bfloat16 data is written as raw
bits through safetensors' TensorSpec), e.g. `python3 -m venv /tmp/st-venv &&
/tmp/st-venv/bin/pip install safetensors numpy`. Without them it says so and exits 0, so
`npm run fixtures` (which runs every generator under each PyTorch oracle) passes over it. The
output does not depend on the PyTorch version, so it lives outside tests/fixtures/torch-*/.

describe() gives each tensor's dtype, shape, raw little-endian bytes as hex (the bit-exact
check) and values for reading (int64 as strings, non-finite floats as 'nan'/'inf'/'-inf',
bfloat16 widened from its bits, complex as [re, im]), plus the header's metadata, keys() and
offset_keys() as the package reports them.
"""
import json
import math
import os
import struct
import sys

try:
    import numpy as np
    import safetensors
    from safetensors import deserialize, safe_open, serialize_file
except ImportError as e:  # pragma: no cover - depends on the interpreter
    if __name__ == '__main__' and len(sys.argv) == 1:
        print(f'[gen_safetensors_fixtures] skipped: {e} (install safetensors and numpy into this Python)')
        sys.exit(0)
    raise

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, '..', 'tests', 'fixtures', 'safetensors'))
HOSTILE = os.path.join(OUT, 'hostile')


# ---- describing a file ------------------------------------------------------------------------

def number(x):
    x = float(x)
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return 'inf' if x > 0 else '-inf'
    return x


def values(dtype, shape, data):
    n = 1
    for s in shape:
        n *= s
    if dtype == 'BF16':
        bits = np.frombuffer(data, dtype='<u2').astype('<u4') << 16
        return [number(v) for v in bits.view('<f4')]
    if dtype == 'C64':
        pairs = np.frombuffer(data, dtype='<f4')
        return [[number(pairs[2 * i]), number(pairs[2 * i + 1])] for i in range(n)]
    np_type = {'BOOL': '?', 'U8': 'u1', 'I8': 'i1', 'I16': '<i2', 'I32': '<i4', 'I64': '<i8',
               'F16': '<f2', 'F32': '<f4', 'F64': '<f8'}[dtype]
    arr = np.frombuffer(data, dtype=np_type)
    if dtype == 'BOOL':
        return [bool(v) for v in arr]
    if dtype == 'I64':
        return [str(int(v)) for v in arr]
    if dtype.startswith('F'):
        return [number(v) for v in arr]
    return [int(v) for v in arr]


def describe(path):
    with open(path, 'rb') as f:
        raw = f.read()
    tensors = {}
    for name, view in sorted(deserialize(raw)):  # the Rust crate's checks run here
        data = bytes(view['data'])
        tensors[name] = {'dtype': view['dtype'], 'shape': list(view['shape']), 'hex': data.hex(),
                         'values': values(view['dtype'], view['shape'], data)}
    with safe_open(path, framework='numpy') as f:
        metadata = f.metadata()
        return {'metadata': None if metadata is None else dict(sorted(metadata.items())), 'keys': list(f.keys()), 'offset_keys': list(f.offset_keys()),
                'tensors': tensors}


# ---- fixtures written by the safetensors package ----------------------------------------------

def spec(arr, dtype=None):
    arr = np.ascontiguousarray(arr)
    return safetensors.TensorSpec(dtype=dtype or arr.dtype.name, shape=list(arr.shape),
                                  data_ptr=arr.ctypes.data, data_len=arr.nbytes), arr


def write(name, arrays, metadata=None):
    """arrays: name -> numpy array, or (uint16 bits, 'bfloat16')."""
    specs, keep = {}, []
    for k, v in arrays.items():
        s, a = spec(*v) if isinstance(v, tuple) else spec(v)
        specs[k] = s
        keep.append(a)
    path = os.path.join(OUT, name)
    serialize_file(specs, path, metadata=metadata)
    return path


def bits(values, dtype):
    return np.array(values, dtype=dtype)


def fixtures():
    files = {}
    all_dtypes = {
        'bool': np.array([[True, False, True], [False, False, True]]),
        'u8': np.array([0, 1, 127, 128, 255], dtype=np.uint8),
        'i8': np.array([-128, -1, 0, 1, 127], dtype=np.int8),
        'i16': np.array([[-32768, -1, 0], [1, 32767, 12345]], dtype='<i2'),
        'i32': np.array([[-2**31, -1], [0, 1], [2**31 - 1, 65536]], dtype='<i4'),
        'i64': np.array([-2**63, -1, 0, 2**53 + 1, 2**63 - 1], dtype='<i8'),
        # 0, -0, 1, -2.5, 65504, smallest subnormal, inf, -inf, a NaN with a payload, 0.1
        'f16': bits([0x0000, 0x8000, 0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x7e01, 0x2e66], '<u2').view('<f2').reshape(2, 5),
        # 0, -0, 1, -2.5, largest, smallest subnormal, inf, -inf, a NaN with a payload, 3.140625
        'bf16': (bits([0x0000, 0x8000, 0x3f80, 0xc020, 0x7f7f, 0x0001, 0x7f80, 0xff80, 0x7fc1, 0x4049], '<u2').reshape(2, 5), 'bfloat16'),
        'f32': bits([0x00000000, 0x80000000, 0x3fc00000, 0xc0500000, 0x7f7fffff, 0x00000001, 0x7f800000, 0xff800000, 0x7fc00001, 0x3dcccccd,
                     0x40490fdb, 0xbf800000], '<u4').view('<f4').reshape(2, 3, 2),
        'f64': np.array([0.0, -0.0, 0.1, -1e300, 5e-324, math.inf, -math.inf, math.nan, math.pi], dtype='<f8').reshape(3, 3),
        'c64': np.array([1 + 2j, -0.5 - 0j, complex(math.nan, math.inf)], dtype='<c8'),
        'f32_4d': np.arange(24, dtype='<f4').reshape(1, 2, 3, 4) / 8,
    }
    files['all_dtypes.safetensors'] = write('all_dtypes.safetensors', all_dtypes,
                                            {'format': 'pt', 'unicode': 'ü → ✓ 😀', 'empty': '', 'quote "\\ \n': 'x'})
    files['empty_and_scalar.safetensors'] = write('empty_and_scalar.safetensors', {
        'scalar_f32': np.array(2.5, dtype='<f4'),
        'scalar_bf16': (np.array(0xc0a0, dtype='<u2'), 'bfloat16'),
        'scalar_i64': np.array(-7, dtype='<i8'),
        'empty_f32': np.zeros((0,), dtype='<f4'),
        'empty_i64_2x0x3': np.zeros((2, 0, 3), dtype='<i8'),
        'empty_bool': np.zeros((0, 4), dtype=bool),
    })
    # no "__metadata__", names with dots, slashes and non-ASCII characters, a state_dict's layout
    files['state_dict.safetensors'] = write('state_dict.safetensors', {
        'layers.0.weight': np.linspace(-1, 1, 12, dtype='<f4').reshape(3, 4),
        'layers.0.bias': np.array([0.5, -0.25, 0.125], dtype='<f4'),
        'layers.1.running_mean': np.array([1.0, 2.0, 3.0], dtype='<f4'),
        'layers.1.num_batches_tracked': np.array(12, dtype='<i8'),
        'emb/ü': np.array([[1, 2], [3, 4]], dtype='<f2'),
    })
    files['no_tensors.safetensors'] = write('no_tensors.safetensors', {}, {'note': 'only metadata'})
    expected = {name: describe(path) for name, path in files.items()}
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'safetensors': safetensors.__version__, 'files': expected}, f, indent=1, ensure_ascii=False)
        f.write('\n')


# ---- hostile files ------------------------------------------------------------------------------

def raw(header, data=b'', length=None, pad=True):
    """A file from a header (str or bytes), data bytes, and optionally a lying length field."""
    h = header.encode('utf-8') if isinstance(header, str) else header
    if pad:
        h += b' ' * ((8 - len(h) % 8) % 8)
    n = len(h) if length is None else length
    return struct.pack('<Q', n) + h + data


def entry(name, dtype, shape, begin, end):
    return f'{json.dumps(name)}:{{"dtype":{json.dumps(dtype)},"shape":{json.dumps(shape)},"data_offsets":[{begin},{end}]}}'


def hostile():
    good = raw('{' + entry('a', 'F32', [2], 0, 8) + ',' + entry('b', 'I16', [4], 8, 16) + '}', bytes(range(16)))
    cases = [
        ('empty.safetensors', 'a file of 0 bytes', b''),
        ('tiny.safetensors', 'a file of 3 bytes, shorter than the length field', b'\x01\x02\x03'),
        ('truncated_header.safetensors', 'cut inside the JSON header', good[:30]),
        ('truncated_data.safetensors', 'cut inside the tensor data', good[:-5]),
        ('trailing_bytes.safetensors', 'bytes after the last tensor', good + b'\x00' * 8),
        ('header_length_past_file.safetensors', 'the header length says more than the file holds', raw('{}', length=4096)),
        ('huge_header_length.safetensors', 'the header length is 2^64 - 1', struct.pack('<Q', 2**64 - 1) + b'{}      '),
        ('header_length_over_limit.safetensors', 'the header length is 100,000,001, over the limit', struct.pack('<Q', 100_000_001) + b'{}      '),
        ('overlap.safetensors', 'two tensors share bytes 8..16',
         raw('{' + entry('a', 'F32', [4], 0, 16) + ',' + entry('b', 'F32', [4], 8, 24) + '}', bytes(24))),
        ('gap.safetensors', 'bytes 8..16 belong to no tensor',
         raw('{' + entry('a', 'F32', [2], 0, 8) + ',' + entry('b', 'F32', [2], 16, 24) + '}', bytes(24))),
        ('offsets_outside.safetensors', 'data_offsets reach past the end of the file',
         raw('{' + entry('a', 'U8', [1000], 0, 1000) + '}', bytes(16))),
        ('offsets_reversed.safetensors', 'data_offsets end before they begin',
         raw('{' + entry('a', 'U8', [0], 8, 0) + '}', bytes(8))),
        ('wrong_byte_count.safetensors', 'F32 of shape [4] with 12 bytes',
         raw('{' + entry('a', 'F32', [4], 0, 12) + '}', bytes(12))),
        ('shape_overflow.safetensors', 'a shape whose byte count overflows 64 bits',
         raw('{' + entry('a', 'F32', [2**40, 2**40], 0, 8) + '}', bytes(8))),
        ('negative_shape.safetensors', 'a negative dimension',
         raw('{' + entry('a', 'F32', [-1], 0, 4) + '}', bytes(4))),
        ('float_shape.safetensors', 'a dimension written as 2.0',
         raw('{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', bytes(8))),
        ('three_offsets.safetensors', 'data_offsets with three numbers',
         raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}', bytes(8))),
        ('missing_dtype.safetensors', 'a tensor entry without "dtype"',
         raw('{"a":{"shape":[2],"data_offsets":[0,8]}}', bytes(8))),
        ('entry_not_object.safetensors', 'a tensor entry that is a list',
         raw('{"a":[1,2,3]}', b'')),
        ('unknown_dtype.safetensors', 'dtype "Q7"',
         raw('{' + entry('a', 'Q7', [2], 0, 2) + '}', bytes(2))),
        ('unsupported_dtype.safetensors', 'dtype U16, which the format has and torchnode does not',
         raw('{' + entry('a', 'U16', [2], 0, 4) + '}', bytes(4))),
        ('fp8_dtype.safetensors', 'dtype F8_E4M3', raw('{' + entry('a', 'F8_E4M3', [8], 0, 8) + '}', bytes(8))),
        ('header_array.safetensors', 'the header is a JSON array', raw('[1,2,3]')),
        ('header_string.safetensors', 'the header is a JSON string', raw('"hello"')),
        ('invalid_json.safetensors', 'the header is not JSON', raw('{"a": {"dtype": ')),
        ('nul_padding.safetensors', 'the header padded with NUL bytes instead of spaces', raw(b'{}\x00\x00\x00\x00\x00\x00', pad=False)),
        ('invalid_utf8.safetensors', 'the header is not UTF-8', raw(b'{"\xff\xfe":{}}', pad=True)),
        ('duplicate_keys.safetensors', 'the same tensor name twice',
         raw('{' + entry('a', 'F32', [2], 0, 8) + ',' + entry('a', 'F32', [2], 8, 16) + '}', bytes(16))),
        ('metadata_not_strings.safetensors', '"__metadata__" with a number value',
         raw('{"__metadata__":{"epoch":3},' + entry('a', 'F32', [1], 0, 4) + '}', bytes(4))),
        ('metadata_not_object.safetensors', '"__metadata__" is a string', raw('{"__metadata__":"x"}')),
        ('deep_nesting.safetensors', 'an ignored field nested 10,000 levels deep',
         raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":' + '[' * 10_000 + ']' * 10_000 + '}}', bytes(4))),
        ('offset_beyond_2_53.safetensors', 'a data offset of 2^60',
         raw('{' + entry('a', 'U8', [0], 2**60, 2**60) + '}', b'')),
        ('lone_surrogate.safetensors', 'a name with an unpaired \\ud800 escape',
         raw('{"\\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b'\x01')),
    ]
    os.makedirs(HOSTILE, exist_ok=True)
    manifest = []
    for name, what, content in cases:
        path = os.path.join(HOSTILE, name)
        with open(path, 'wb') as f:
            f.write(content)
        try:
            deserialize(content)
            python = 'loads'
        except Exception as e:  # what the package itself says
            python = f'{type(e).__name__}: {e}'
        manifest.append({'file': name, 'what': what, 'python': python})
    with open(os.path.join(HOSTILE, 'manifest.json'), 'w') as f:
        json.dump({'safetensors': safetensors.__version__, 'files': manifest}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'describe':
        print(json.dumps(describe(sys.argv[2]), ensure_ascii=False))
    elif len(sys.argv) == 1:
        os.makedirs(OUT, exist_ok=True)
        fixtures()
        hostile()
        print(f'[gen_safetensors_fixtures] wrote {OUT}')
    else:
        sys.exit(__doc__)
