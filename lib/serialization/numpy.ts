// numpy arrays and scalars pickled inside a torch.save file, rebuilt without numpy. numpy
// pickles an array as `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')` followed
// by BUILD with (version, shape, dtype, is_fortran, rawdata), and a dtype as
// `numpy.dtype('f8', False, True)` followed by BUILD with (version, byteorder, subarray, names,
// fields, elsize, alignment, flags[, metadata]); numpy 2 writes `numpy._core.multiarray`.
// An array becomes the Tensor torch.from_numpy would give (same dtype, shape and strides, on
// the CPU); a scalar (np.float64(2.5), np.int64(3)...) becomes a JS number (a bigint past 2^53,
// a boolean for np.bool_), as the Python number it stands for; a complex scalar, which JS has
// no number for, becomes a 0-d complex tensor.
import { Tensor } from '../tensor';
import { DType, float16, float32, float64, int8, int16, int32, int64, uint8, bool, complex64, complex128 } from '../dtype';
import { Device } from '../device';
import { ops } from '../raw_ops';
import { PickleError, PyCallable, describePy } from './pickle';
import { fromBytes, swapBytes } from './tensor_bytes';

const SUPPORTED_DTYPES = {
  array: 'float16/32/64, int8/16/32/64, uint8, bool and complex64/128',
  scalar: 'float16/32/64, int8/16/32/64, uint8/16/32/64, bool and complex64/128',
};

/** The numpy.ndarray class, only ever passed to _reconstruct. */
class NdarrayClass {}

/**
 * A numpy.dtype: filled in by its BUILD (byte order, fields), as numpy's __setstate__ does.
 * @internal
 */
export class NumpyDType {
  byteorder = '=';
  fields: string[] | null = null;
  subarray = false;
  /** Bytes per element: from the type string ('f8'), or from BUILD's elsize where it differs ('U2' is 8). */
  constructor(readonly kind: string, public itemsize: number, readonly spec: string) {}

  /** numpy's name for it, for error messages ('float64', 'object', '<U5', 'structured (a, b)'). */
  get name(): string {
    if (this.fields) return `structured (fields ${this.fields.join(', ')})`;
    if (this.subarray) return `subarray (${this.spec})`;
    const bits = this.itemsize * 8;
    switch (this.kind) {
      case 'f': return `float${bits}`;
      case 'i': return `int${bits}`;
      case 'u': return `uint${bits}`;
      case 'c': return `complex${bits}`;
      case 'b': return 'bool';
      case 'O': return 'object';
      case 'U': return `str (<U${this.itemsize / 4})`;
      case 'S': return `bytes (|S${this.itemsize})`;
      case 'V': return `void (|V${this.itemsize})`;
      case 'M': return 'datetime64';
      case 'm': return 'timedelta64';
      default: return `'${this.spec}'`;
    }
  }

  /** The torch dtype torch.from_numpy would give, or undefined. */
  get torchDType(): DType | undefined {
    if (this.fields || this.subarray) return undefined;
    return TORCH_DTYPES.get(`${this.kind}${this.itemsize}`);
  }

  get bigEndian(): boolean {
    return this.byteorder === '>';
  }
}

const TORCH_DTYPES = new Map<string, DType>([
  ['f2', float16], ['f4', float32], ['f8', float64], ['i1', int8], ['i2', int16], ['i4', int32], ['i8', int64],
  ['u1', uint8], ['b1', bool], ['c8', complex64], ['c16', complex128],
]);

/**
 * What _reconstruct makes; its BUILD turns it into a tensor (kept here, so memo references see it).
 * @internal
 */
export class NumpyArray {
  tensor: Tensor | undefined;
  get value(): Tensor {
    if (!this.tensor) throw new PickleError('a numpy array was never filled in (no BUILD after _reconstruct)');
    return this.tensor;
  }
}

function parseDTypeSpec(spec: unknown): NumpyDType {
  if (typeof spec !== 'string') throw new PickleError(`numpy.dtype: expected a type string, got ${describePy(spec)}`);
  const m = /^[<>|=]?([a-zA-Z])(\d*)$/.exec(spec);
  if (!m) throw new PickleError(`numpy.dtype: unsupported type string '${spec}'`);
  return new NumpyDType(m[1], m[2] ? Number(m[2]) : 0, spec);
}

function buildDType(d: unknown, state: unknown): NumpyDType {
  if (!(d instanceof NumpyDType)) throw new PickleError('numpy.dtype BUILD on something else');
  if (!Array.isArray(state) || state.length < 8) throw new PickleError('numpy.dtype: malformed state');
  const [, byteorder, subarray, names, , elsize] = state;
  if (typeof elsize === 'number' && elsize > 0) d.itemsize = elsize;
  if (typeof byteorder !== 'string' || !['<', '>', '|', '='].includes(byteorder)) throw new PickleError(`numpy.dtype: unknown byte order ${String(byteorder)}`);
  d.byteorder = byteorder;
  d.subarray = subarray !== null;
  if (names !== null) d.fields = Array.isArray(names) ? names.map(String) : ['?'];
  return d;
}

function unsupportedDType(d: NumpyDType, what: 'array' | 'scalar'): PickleError {
  return new PickleError(`a numpy ${what} of dtype ${d.name} cannot be loaded; torchnode loads numpy ${what}s of dtype ${SUPPORTED_DTYPES[what]}`);
}

/** The element bytes of `data` as little-endian (copied when they must be swapped). */
function littleEndian(data: Uint8Array, d: NumpyDType): Uint8Array {
  if (!d.bigEndian || d.itemsize === 1) return data;
  const copy = Uint8Array.from(data);
  swapBytes(copy, d.kind === 'c' ? d.itemsize / 2 : d.itemsize); // a complex number is two floats
  return copy;
}

function buildArray(obj: unknown, state: unknown): NumpyArray {
  if (!(obj instanceof NumpyArray)) throw new PickleError('numpy array BUILD on something else');
  if (!Array.isArray(state) || state.length !== 5) throw new PickleError('numpy array: malformed state (expected version, shape, dtype, is_fortran, data)');
  const [, shape, d, isFortran, data] = state;
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) throw new PickleError('numpy array: malformed shape');
  if (!(d instanceof NumpyDType)) throw new PickleError(`numpy array: expected a numpy dtype, got ${describePy(d)}`);
  const dtype = d.torchDType;
  if (!dtype) throw unsupportedDType(d, 'array');
  if (typeof isFortran !== 'boolean' || !(data instanceof Uint8Array)) throw new PickleError('numpy array: malformed is_fortran flag or data');
  const dims = shape as number[];
  // an empty array may still declare huge dimensions, which its strides would overflow
  if (dims.reduce((a, s) => a * Math.max(s, 1), 1) > Number.MAX_SAFE_INTEGER) {
    throw new PickleError(`numpy array: shape [${dims.join(', ')}] has more elements than a tensor can hold`);
  }
  const numel = dims.reduce((a, s) => a * s, 1);
  if (data.length !== numel * dtype.itemsize) {
    throw new PickleError(`numpy array: ${data.length} bytes of data, but shape [${dims.join(', ')}] of ${d.name} needs ${numel * dtype.itemsize}`);
  }
  // numpy writes the data in C order, or in Fortran order for Fortran-contiguous arrays: the
  // strides say which, as torch.from_numpy's would.
  const strides = new Array<number>(dims.length);
  let step = 1;
  const order = isFortran ? dims.map((_, i) => i) : dims.map((_, i) => dims.length - 1 - i);
  for (const i of order) {
    strides[i] = step;
    step *= Math.max(dims[i], 1);
  }
  const flat = fromBytes(littleEndian(data, d), dtype, new Device('cpu'));
  obj.tensor = ops.aten.as_strided(flat, dims, strides, 0);
  flat.dispose();
  return obj;
}

/** numpy.core.multiarray.scalar(dtype, bytes): np.float64(2.5) and the like. */
function scalar(args: unknown[]): unknown {
  const [d, data] = args;
  if (!(d instanceof NumpyDType)) throw new PickleError(`numpy scalar: expected a numpy dtype, got ${describePy(d)}`);
  if (!(data instanceof Uint8Array)) throw new PickleError('numpy scalar: expected its bytes');
  if (d.fields || d.subarray || !'fiucb'.includes(d.kind)) throw unsupportedDType(d, 'scalar');
  if (data.length !== d.itemsize) throw new PickleError(`numpy scalar: ${data.length} bytes for a ${d.name}`);
  const bytes = littleEndian(data, d);
  const complexDType = d.kind === 'c' ? d.torchDType : undefined;
  if (complexDType) {
    const flat = fromBytes(bytes, complexDType, new Device('cpu'));
    const t: Tensor = ops.aten.as_strided(flat, [], [], 0);
    flat.dispose();
    return t;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (`${d.kind}${d.itemsize}`) {
    case 'b1': return view.getUint8(0) !== 0;
    case 'f2': return halfToNumber(view.getUint16(0, true));
    case 'f4': return view.getFloat32(0, true);
    case 'f8': return view.getFloat64(0, true);
    case 'i1': return view.getInt8(0);
    case 'i2': return view.getInt16(0, true);
    case 'i4': return view.getInt32(0, true);
    case 'u1': return view.getUint8(0);
    case 'u2': return view.getUint16(0, true);
    case 'u4': return view.getUint32(0, true);
    case 'i8': return safeNumber(view.getBigInt64(0, true));
    case 'u8': return safeNumber(view.getBigUint64(0, true));
    default: throw unsupportedDType(d, 'scalar');
  }
}

/** As Python ints load: a number when exact, else a bigint. */
function safeNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const reconstruct: PyCallable = {
  qualname: 'numpy.core.multiarray._reconstruct',
  call: ([cls]) => {
    if (!(cls instanceof NdarrayClass)) throw new PickleError(`numpy _reconstruct: only numpy.ndarray is supported, got ${describePy(cls)}`);
    return new NumpyArray();
  },
  build: buildArray,
};
const dtype: PyCallable = { qualname: 'numpy.dtype', call: ([spec]) => parseDTypeSpec(spec), build: buildDType };
const scalarGlobal: PyCallable = { qualname: 'numpy.core.multiarray.scalar', call: scalar };

/**
 * The numpy globals torchnode rebuilds, by qualified name (numpy 1.x and 2.x module names).
 * @internal
 */
export const numpyGlobals: Record<string, unknown> = {
  'numpy.core.multiarray._reconstruct': reconstruct,
  'numpy._core.multiarray._reconstruct': reconstruct,
  'numpy.core.multiarray.scalar': scalarGlobal,
  'numpy._core.multiarray.scalar': scalarGlobal,
  'numpy.ndarray': new NdarrayClass(),
  'numpy.dtype': dtype,
};
