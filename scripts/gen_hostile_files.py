"""Writes tests/fixtures/hostile/: files built to attack torch.load (code-running pickles, zip
bombs, huge integers, deep nesting, out-of-bounds tensors, lying zip headers, truncation) and
manifest.json, which says for each file what torch.load must do with it (tests/hostile_files.test.ts).

Plain Python, no torch: every byte is written by hand here (pickle opcodes, zip records), so the
files are exactly what they claim and regenerating them gives the same bytes (fixed seeds, fixed
timestamps). The whole corpus stays under 5 MB: the zip bombs are deflate streams of zeros,
compressed on the fly, that inflate to 1 GiB and 256 MiB.
Run: /usr/bin/python3 scripts/gen_hostile_files.py
"""
import json
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, '..', 'tests', 'fixtures', 'hostile'))

GIB = 1 << 30


# ---- pickle opcodes ---------------------------------------------------------------------------

def p_int(v):
    if 0 <= v < 256:
        return b'K' + bytes([v])
    if 0 <= v < 65536:
        return b'M' + struct.pack('<H', v)
    if -2**31 <= v < 2**31:
        return b'J' + struct.pack('<i', v)
    n = (v.bit_length() + 8) // 8
    return b'\x8a' + bytes([n]) + v.to_bytes(n, 'little', signed=True)


def p_str(s):
    b = s.encode('utf8')
    return b'X' + struct.pack('<I', len(b)) + b


def p_global(module, name):
    return b'c' + f'{module}\n{name}\n'.encode()


def p_tuple(*parts):
    return b'(' + b''.join(parts) + b't'


def pickle(body):
    return b'\x80\x02' + body + b'.'


def tensor(storage_type='FloatStorage', key='0', numel=2, offset=0, size=(2,), stride=(1,), location='cpu'):
    """torch._utils._rebuild_tensor_v2 of a persistent-id storage, as torch.save writes it."""
    pid = p_tuple(p_str('storage'), p_global('torch', storage_type), p_str(key), p_str(location), p_int(numel))
    return (p_global('torch._utils', '_rebuild_tensor_v2') + b'(' + pid + b'Q' + p_int(offset)
            + p_tuple(*map(p_int, size)) + p_tuple(*map(p_int, stride)) + b'\x89'
            + p_global('collections', 'OrderedDict') + b')R' + b'tR')


# ---- zip records ------------------------------------------------------------------------------

class Rec:
    """One zip record; the declared fields default to the truth and can be made to lie."""

    def __init__(self, name, data=b'', method=0, raw=None, size=None, crc=None, zip64_size=None, zip64_extra_len=None):
        self.name = name.encode('utf8')
        self.data = data
        self.method = method
        # raw: the bytes stored in the file (a deflate stream for method 8)
        self.raw = raw if raw is not None else (deflate(data) if method == 8 else data)
        self.size = len(data) if size is None else size
        self.crc = zlib.crc32(data) if crc is None else crc
        self.zip64_size = zip64_size          # write sizes as 0xFFFFFFFF plus this in a zip64 extra field
        self.zip64_extra_len = zip64_extra_len  # lie about that extra field's length


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflated_zeros(n):
    """A raw deflate stream of n zero bytes, built in 1 MiB steps (never n bytes in memory)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    out = []
    for _ in range(n // len(chunk)):
        out.append(c.compress(chunk))
    out.append(c.compress(bytes(n % len(chunk))))
    out.append(c.flush())
    return b''.join(out)


def zip_archive(records, cd_count=None, eocd64=None):
    """A zip file: local headers and data, central directory, end record (zip64 on request)."""
    body = b''
    central = b''
    for r in records:
        offset = len(body)
        size32 = 0xFFFFFFFF if r.zip64_size is not None else r.size
        comp32 = 0xFFFFFFFF if r.zip64_size is not None else len(r.raw)
        extra = b''
        if r.zip64_size is not None:
            payload = struct.pack('<QQ', r.zip64_size, len(r.raw))
            extra = struct.pack('<HH', 1, len(payload) if r.zip64_extra_len is None else r.zip64_extra_len) + payload
        body += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, r.method, 0, 33, r.crc, comp32, size32, len(r.name), 0) + r.name + r.raw
        central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, r.method, 0, 33, r.crc, comp32, size32,
                               len(r.name), len(extra), 0, 0, 0, 0, offset) + r.name + extra
    count = len(records) if cd_count is None else cd_count
    tail = b''
    if eocd64 is not None:  # (count, cd_size, cd_offset, locator_points_to) lies, None meaning the truth
        c64, size64, off64, at = eocd64
        eocd64_at = len(body) + len(central)
        tail += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, c64, c64, size64, off64)
        tail += struct.pack('<IIQI', 0x07064b50, 0, eocd64_at if at is None else at, 1)
        eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, count, count, len(central), len(body), 0)
    return body + central + tail + eocd


def torch_zip(pkl, storages=None, extra=()):
    """A torch.save-shaped archive: archive/data.pkl, archive/data/<key>, archive/version."""
    recs = [Rec('archive/data.pkl', pkl)]
    recs += [Rec(f'archive/data/{k}', v) for k, v in (storages or {}).items()]
    recs += list(extra)
    recs.append(Rec('archive/version', b'3\n'))
    return zip_archive(recs)


FLOATS2 = struct.pack('<2f', 1.5, -3.0)


# ---- the corpus -------------------------------------------------------------------------------

def corpus():
    files = []  # (name, bytes, what, expect) where expect = {'outcome': 'error', 'error': regex} or {'outcome': 'load', ...}

    def add(name, data, what, **expect):
        files.append((name, data, what, expect))

    refused = "cannot load objects of type '{}'"

    # -- pickles that would run code in Python's unrestricted unpickler
    add('reduce_os_system.pt', torch_zip(pickle(p_global('os', 'system') + p_tuple(p_str('touch /tmp/torchnode-pwned')) + b'R')),
        'GLOBAL os.system + REDUCE', outcome='error', error=refused.format('os.system'))
    add('reduce_posix_system.pt', torch_zip(pickle(p_global('posix', 'system') + p_tuple(p_str('touch /tmp/torchnode-pwned')) + b'R')),
        'GLOBAL posix.system + REDUCE (what pickle.dumps(os.system) writes on Linux)', outcome='error', error=refused.format('posix.system'))
    stack_global = b'\x8c\x08builtins\x8c\x04eval\x93' + b'\x8c\x1b__import__("os").system("id")\x85R'
    add('builtins_eval.pt', torch_zip(b'\x80\x04' + stack_global + b'.'), 'STACK_GLOBAL builtins.eval + REDUCE, protocol 4',
        outcome='error', error=refused.format('builtins.eval'))
    add('builtins_getattr.pt', torch_zip(pickle(p_global('builtins', 'getattr') + p_tuple(p_global('collections', 'OrderedDict'), p_str('__init__')) + b'R')),
        'builtins.getattr reaching into an allowed class', outcome='error', error=refused.format('builtins.getattr'))
    add('inst_opcode.pt', torch_zip(pickle(b'(' + p_str('id') + b'ios\nsystem\n')), 'INST os system',
        outcome='error', error='pickle opcode INST')
    add('obj_opcode.pt', torch_zip(pickle(b'(' + p_global('os', 'system') + p_str('id') + b'o')), 'OBJ with os.system',
        outcome='error', error=refused.format('os.system'))
    add('newobj_popen.pt', torch_zip(pickle(p_global('subprocess', 'Popen') + p_tuple(p_str('id')) + b'\x81')),
        'NEWOBJ subprocess.Popen', outcome='error', error=refused.format('subprocess.Popen'))
    add('ext_opcode.pt', torch_zip(pickle(b'\x82\x01' + b')R')), 'EXT1 (copyreg extension registry)',
        outcome='error', error='pickle opcode EXT1')
    add('build_on_dict.pt', torch_zip(pickle(b'}' + p_tuple(p_str('__class__')) + b'b')), 'BUILD (setstate) on a plain dict',
        outcome='error', error='BUILD on a dict')
    # A raw pickle outside any zip: Python's legacy loader would unpickle (and run) it.
    add('raw_pickle_os_system.pt', pickle(p_global('os', 'system') + p_tuple(p_str('id')) + b'R'),
        'bare pickle with os.system, no zip', outcome='error', error='not a PyTorch zip archive')

    # -- zip bombs
    bomb = deflated_zeros(GIB)
    small_bomb = deflated_zeros(GIB // 4)
    add('zip_bomb_storage.pt', zip_archive([Rec('archive/data.pkl', pickle(tensor())),
                                            Rec('archive/data/0', FLOATS2, method=8, raw=bomb),
                                            Rec('archive/version', b'3\n')]),
        'storage record declared 8 bytes, inflating to 1 GiB', outcome='error', error="record 'archive/data/0' inflates to more than its declared 8 bytes")
    add('zip_bomb_pickle.pt', zip_archive([Rec('archive/data.pkl', b'\x80\x02N.', method=8, raw=small_bomb),
                                           Rec('archive/version', b'3\n')]),
        'data.pkl declared 4 bytes, inflating to 256 MiB', outcome='error', error="record 'archive/data.pkl' inflates to more than its declared 4 bytes")
    add('zip_bomb_declared.pt', zip_archive([Rec('archive/data.pkl', pickle(tensor(numel=GIB // 16, size=(GIB // 16,)))),
                                             Rec('archive/data/0', b'', method=8, raw=small_bomb, size=GIB // 4, crc=0),
                                             Rec('archive/version', b'3\n')]),
        'storage record honestly declared 256 MiB (deflated), read with max_bytes 64 MiB', outcome='error',
        options={'max_bytes': 64 << 20}, error='needs 268435456 bytes, more than max_bytes')
    add('deflate_ratio_lie.pt', zip_archive([Rec('archive/data.pkl', pickle(tensor(numel=GIB // 4, size=(GIB // 4,)))),
                                             Rec('archive/data/0', b'', method=8, raw=deflate(bytes(1000)), size=GIB, crc=0),
                                             Rec('archive/version', b'3\n')]),
        'a 1000-byte deflate stream declared to inflate to 1 GiB (past what deflate can do)', outcome='error',
        error="record 'archive/data/0' declares 1073741824 bytes, more than its")

    # -- huge integers
    rng = random.Random(9)
    big = bytes(rng.getrandbits(8) for _ in range(256 * 1024))
    add('huge_int_long4.pt', torch_zip(pickle(b'\x8b' + struct.pack('<I', len(big)) + big)),
        'LONG4 with a 256 KiB integer (Python loads it in about 1 ms)', outcome='load', check='bigint', bytes=len(big))
    many = b''.join(b'\x8a\xff' + bytes(rng.getrandbits(8) for _ in range(255)) for _ in range(1000))
    add('many_long1.pt', torch_zip(pickle(b'(' + many + b'l')), '1,000 LONG1 integers of 255 bytes in a list',
        outcome='load', check='list_of_bigints', count=1000)
    digits = ''.join(str(rng.randrange(10)) for _ in range(256 * 1024))
    add('huge_int_text.pt', torch_zip(pickle(b'I1' + digits.encode() + b'\n')),
        'protocol-0 INT with 256 Ki decimal digits (Python 3.11 refuses past 4300 digits)', outcome='error',
        error='more than 4300 digits')

    # -- deep nesting (Python's unpickler loads 10^6 levels)
    n = 100_000
    add('deep_lists_mark.pt', torch_zip(pickle(b'(' * n + b'l' * n)), f'{n} nested lists, MARK + LIST', outcome='load', check='depth', depth=n)
    add('deep_lists_append.pt', torch_zip(pickle(b']' * (n + 1) + b'a' * n)), f'{n} nested lists, EMPTY_LIST + APPEND',
        outcome='load', check='depth', depth=n)
    add('deep_dicts_setitem.pt', torch_zip(pickle((b'}' + p_int(0)) * n + b'}' + b's' * n)), f'{n} nested dicts, EMPTY_DICT + SETITEM',
        outcome='load', check='depth', depth=n)
    add('deep_dicts_mark.pt', torch_zip(pickle((b'(' + p_int(0)) * n + b'}' + b'd' * n)), f'{n} nested dicts, MARK + DICT',
        outcome='load', check='depth', depth=n)
    add('deep_tuples_mark.pt', torch_zip(pickle(b'(' * n + b't' * n)), f'{n} nested tuples, MARK + TUPLE', outcome='load', check='depth', depth=n)
    m = 1_000_000
    add('deep_tuples1.pt', torch_zip(pickle(b')' + b'\x85' * m)), f'{m} nested tuples, TUPLE1', outcome='load', check='depth', depth=m)
    add('deep_marks_unclosed.pt', torch_zip(pickle(b'(' * n)), f'{n} MARKs never closed', outcome='error', error='unbalanced stack at STOP')
    w = 300_000  # past the ~120k arguments a JS spread call takes
    add('wide_appends.pt', torch_zip(pickle(b']' + b'(' + b'N' * w + b'e')), f'one APPENDS of {w} items', outcome='load', check='length', length=w)
    add('cyclic_list.pt', torch_zip(pickle(b']q\x00h\x00a')), 'a list that contains itself (Python loads it)', outcome='load', check='self_cycle')

    # -- tensors outside their storage
    add('oob_offset.pt', torch_zip(pickle(tensor(offset=5)), {'0': FLOATS2}), 'storage offset past the storage',
        outcome='error', error='reaches element 6 of a storage with 2 elements')
    add('oob_stride.pt', torch_zip(pickle(tensor(size=(2, 2), stride=(1000, 1))), {'0': FLOATS2}), 'stride reaching past the storage',
        outcome='error', error='reaches element 1001 of a storage with 2 elements')
    add('oob_size.pt', torch_zip(pickle(tensor(size=(3,))), {'0': FLOATS2}), 'size larger than the storage',
        outcome='error', error='reaches element 2 of a storage with 2 elements')
    add('negative_stride.pt', torch_zip(pickle(tensor(stride=(-1,))), {'0': FLOATS2}), 'negative stride',
        outcome='error', error='negative size, stride or offset')
    add('numel_overflow.pt', torch_zip(pickle(tensor(size=(2**40, 2**40), stride=(0, 0))), {'0': FLOATS2}),
        'stride-0 view of 2^80 elements (in bounds, but too many elements)', outcome='error', error='more elements than')
    add('short_storage_record.pt', torch_zip(pickle(tensor()), {'0': FLOATS2[:4]}), 'storage record shorter than its numel',
        outcome='error', error="storage record 'archive/data/0' has 4 bytes, but 2 torch.float32 elements need 8")
    add('huge_numel.pt', torch_zip(pickle(tensor(numel=2**60, size=(2,))), {'0': FLOATS2}), 'storage declaring 2^60 elements',
        outcome='error', error='a storage declares 1152921504606846976 elements')
    add('large_numel.pt', torch_zip(pickle(tensor(numel=2**40, size=(2,))), {'0': FLOATS2}), 'storage declaring 2^40 elements (4 TiB)',
        outcome='error', error="storage record 'archive/data/0' has 8 bytes, but 1099511627776 torch.float32 elements need 4398046511104")
    add('storage_key_traversal.pt', torch_zip(pickle(tensor(key='../../../etc/passwd')), {'0': FLOATS2}), "storage key '../../../etc/passwd'",
        outcome='error', error="the storage record 'archive/data/../../../etc/passwd' is missing")
    add('storage_dtype_clash.pt', torch_zip(pickle(p_tuple(tensor(), tensor(storage_type='DoubleStorage', numel=1, size=(1,))) ), {'0': FLOATS2}),
        'one storage used as float32 and float64', outcome='error', error="storage '0' is used as both")

    # -- lying or odd zip structure
    add('traversal_names.pt', zip_archive([Rec('../../etc/x', b'owned'), Rec('../data.pkl', pickle(b'N')), Rec('../version', b'3\n')]),
        "records named '../../etc/x' and '../data.pkl'", outcome='error', error="unsafe record name '../../etc/x'")
    add('absolute_name.pt', zip_archive([Rec('/etc/x/data.pkl', pickle(b'N'))]), "a record named '/etc/x/data.pkl'",
        outcome='error', error="unsafe record name '/etc/x/data.pkl'")
    add('duplicate_entries.pt', zip_archive([Rec('archive/data.pkl', pickle(p_int(1))), Rec('archive/data.pkl', pickle(p_int(2))),
                                             Rec('archive/version', b'3\n')]),
        'two records named archive/data.pkl', outcome='error', error="two records named 'archive/data.pkl'")
    add('zip64_size_lie.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'), zip64_size=2**62), Rec('archive/version', b'3\n')]),
        'zip64 extra field declaring a 2^62-byte data.pkl', outcome='error', error="record 'archive/data.pkl' declares")
    add('zip64_short_extra.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'), zip64_size=8, zip64_extra_len=4), Rec('archive/version', b'3\n')]),
        'zip64 sizes set to 0xFFFFFFFF with a zip64 extra field too short to hold them', outcome='error', error='zip64 extra field')
    add('zip64_eocd_lie.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'))], eocd64=(10**12, 2**50, 0, None)),
        'zip64 end record declaring 10^12 entries and a 1 PiB directory', outcome='error', error='central directory')
    add('zip64_locator_lie.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'))], eocd64=(1, 100, 0, 2**60)),
        'zip64 locator pointing 1 EiB into the file', outcome='error', error='zip64 end of central directory')
    add('count_lie.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'))], cd_count=65000), 'end record declaring 65,000 entries for one',
        outcome='error', error='central directory')
    add('crc_lie.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'), crc=0x12345678), Rec('archive/version', b'3\n')]),
        'wrong CRC-32', outcome='error', error="CRC-32 mismatch in record 'archive/data.pkl'")
    add('unknown_method.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'), method=12, raw=pickle(b'N'))]), 'bzip2 (method 12) record',
        outcome='error', error='unsupported compression method 12')
    add('bad_deflate.pt', zip_archive([Rec('archive/data.pkl', pickle(b'N'), method=8, raw=b'\xff' * 64)]), 'a deflate record that is not deflate data',
        outcome='error', error="record 'archive/data.pkl' is not valid deflate data")

    # -- truncated and wrong magic
    good = torch_zip(pickle(b'}' + p_str('w') + tensor() + b's'), {'0': FLOATS2})
    add('good_reference.pt', good, 'a well-formed file, for comparison', outcome='load', check='tensor', values=[1.5, -3.0])
    add('truncated_half.pt', good[:len(good) // 2], 'the reference file cut in half', outcome='error', error='not a PyTorch zip archive')
    add('truncated_last_byte.pt', good[:-1], 'the reference file without its last byte', outcome='error', error='not a PyTorch zip archive')
    add('truncated_pickle.pt', torch_zip(pickle(b'}' + p_str('w'))[:-3]), 'data.pkl cut short', outcome='error', error='pickle data is truncated')
    bad_local = bytearray(good)
    bad_local[0:4] = b'XXXX'
    add('wrong_local_magic.pt', bytes(bad_local), 'local header signature overwritten', outcome='error', error="corrupt local header for record 'archive/data.pkl'")
    add('wrong_magic_gzip.pt', b'\x1f\x8b\x08\x00' + bytes(60), 'gzip magic', outcome='error', error='not a PyTorch zip archive')
    add('empty.pt', b'', 'empty file', outcome='error', error='the file is empty')
    rnd = random.Random(3)
    add('random_bytes.pt', bytes(rnd.getrandbits(8) for _ in range(4096)), '4 KiB of random bytes', outcome='error', error='not a PyTorch zip archive')
    add('not_a_torch_zip.pt', zip_archive([Rec('hello.txt', b'hello')]), 'a zip without data.pkl', outcome='error', error='has no data.pkl record')
    return files


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    manifest = {'_generated_by': 'scripts/gen_hostile_files.py', 'files': []}
    total = 0
    for name, data, what, expect in corpus():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
        total += len(data)
        manifest['files'].append({'file': name, 'what': what, **expect})
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print(f'[hostile] {len(manifest["files"])} files, {total / 1e6:.1f} MB in {OUT}')


if __name__ == '__main__':
    main()
