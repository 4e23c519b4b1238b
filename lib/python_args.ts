// The engine under the generated torch.* namespace (lib/generated/): PyTorch's Python argument
// parser, for JS. Each name has its Python signatures, in the order PyTorch's parser tries them
// (scripts/gen_namespace.py takes both from torchgen); a call takes the first signature its
// arguments fit, maps the Python arguments onto that overload's schema as this LibTorch has it,
// and runs it through the dispatcher (raw_ops.invokeOp).
import { native } from './binding';
import { Tensor, ValuesIndices, isTensor } from './tensor';
import { DType, dtypeFromCode, toDType } from './dtype';
import { Device } from './device';
import { defaultDeviceArg } from './default_device';
import { isOptions } from './args';
import { lookupOp, invokeOp, ResolvedOp } from './raw_ops';
import { GENERATED_FROM, NUMBERS_AS_TENSORS } from './generated/signatures';

/**
 * [aten overload, Python signature, out= overload, names of a named-tuple result]
 * @internal
 */
export type SignatureRow = [string, string, string, string];
/**
 * Signature rows by function name, as scripts/gen_namespace.py writes them.
 * @internal
 */
export type Signatures = Record<string, SignatureRow[]>;

/**
 * A tensor layout, as PyTorch's `torch.layout` values without the `torch.` prefix (`'strided'` is
 * the dense default).
 * @see https://pytorch.org/docs/stable/tensor_attributes.html#torch.layout
 */
export type Layout = 'strided' | 'sparse_coo' | 'sparse_csr' | 'sparse_csc' | 'sparse_bsr' | 'sparse_bsc' | '_mkldnn';
/**
 * A memory format, as PyTorch's `torch.memory_format` values without the `torch.` prefix.
 * @see https://pytorch.org/docs/stable/tensor_attributes.html#torch.memory_format
 */
export type MemoryFormat = 'contiguous_format' | 'preserve_format' | 'channels_last' | 'channels_last_3d';
/**
 * A tuple result with named fields, as PyTorch's structseq: `const [Q, R] = torch.linalg.qr(a)` or
 * `torch.linalg.qr(a).Q`.
 */
export type NamedTuple<T extends unknown[], N> = T & N;

// c10::Layout and c10::MemoryFormat as the dispatcher takes them.
const LAYOUTS: Record<string, number> = { strided: 0, sparse_coo: 1, _mkldnn: 2, sparse_csr: 3, sparse_csc: 4, sparse_bsr: 5, sparse_bsc: 6 };
const MEMORY_FORMATS: Record<string, number> = { contiguous_format: 0, preserve_format: 1, channels_last: 2, channels_last_3d: 3 };

interface Param {
  name: string;
  /** the element kind: Tensor, Scalar, int, float, bool, str, ScalarType, Layout, Device... */
  base: string;
  list: boolean;
  /** int[2]: a fixed size, so one int stands for the whole list */
  size: number;
  /** Tensor?[]: a list whose elements may be null */
  nullableElements: boolean;
  optional: boolean;
  hasDefault: boolean;
  kwOnly: boolean;
}

interface Signature {
  op: string;
  outOp: string;
  plan?: Plan;
  outPlan?: Plan;
  named: string[];
  params: Param[];
  maxPositional: number;
  varargsIntList: boolean;
  numbersAsTensors: boolean;
}

function parseParam(token: string, kwOnly: boolean): Param {
  const colon = token.indexOf(':');
  const name = token.slice(0, colon);
  let type = token.slice(colon + 1);
  const hasDefault = type.endsWith('=');
  if (hasDefault) type = type.slice(0, -1);
  const optional = type.endsWith('?') && !type.endsWith('?[]');
  if (optional) type = type.slice(0, -1);
  const m = /^(\w+)(\??)\[(\d*)\]$/.exec(type);
  return {
    name, kwOnly, optional, hasDefault,
    base: m ? m[1] : type,
    list: m !== null,
    size: m && m[3] ? Number(m[3]) : 0,
    nullableElements: m !== null && m[2] === '?',
  };
}

const numbersAsTensors = new Set(NUMBERS_AS_TENSORS);

function parseSignature(row: SignatureRow, shortName: string): Signature {
  const [op, spec, outOp, named] = row;
  const params: Param[] = [];
  let kwOnly = false;
  for (const token of spec.split(' ')) {
    if (token === '') continue;
    if (token === '*') kwOnly = true;
    else if (!(kwOnly && token.startsWith('out:'))) params.push(parseParam(token, kwOnly)); // out= is bound apart
  }
  const positional = params.filter((p) => !p.kwOnly);
  return {
    op, outOp, params,
    named: named ? named.split(',') : [],
    maxPositional: positional.length,
    varargsIntList: positional.length === 1 && positional[0].list && positional[0].base === 'int',
    numbersAsTensors: numbersAsTensors.has(shortName),
  };
}

// ---- does a value fit a parameter? --------------------------------------------------------------

// A Tensor where a number goes, as PyTorch's parser takes one: 0-dim only (a one-element tensor
// of more dimensions just inside int lists), and for a float or Scalar not one that requires
// grad, whose gradient would be lost when its value is read.
function isIntTensor(v: unknown, inList: boolean): boolean {
  return isTensor(v) && !v.is_floating_point() && !v.dtype.is_complex && v.dtype.name !== 'bool' &&
    (inList ? v.numel() === 1 : v.dim() === 0);
}

function isNumberTensor(v: unknown): boolean {
  return isTensor(v) && v.dim() === 0 && !v.requires_grad;
}

function isInt(v: unknown, inList = false): boolean {
  return typeof v === 'number' ? Number.isInteger(v) : isIntTensor(v, inList);
}

function fitsElement(p: Param, v: unknown, numbersAsTensors: boolean): boolean {
  switch (p.base) {
    case 'Tensor':
      return isTensor(v) || (numbersAsTensors && (typeof v === 'number' || typeof v === 'boolean'));
    case 'Scalar':
      return typeof v === 'number' || typeof v === 'boolean' || isNumberTensor(v);
    case 'int':
    case 'DeviceIndex':
      return isInt(v, p.list);
    case 'float':
      return typeof v === 'number' || isNumberTensor(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'str':
      return typeof v === 'string';
    case 'ScalarType':
      return v instanceof DType || (typeof v === 'string' && isDtypeName(v));
    case 'Layout':
      return typeof v === 'string' && Object.hasOwn(LAYOUTS, v);
    case 'MemoryFormat':
      return typeof v === 'string' && Object.hasOwn(MEMORY_FORMATS, v);
    case 'Device':
      return v instanceof Device || typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
    default:
      return false; // Generator objects, streams, Dimnames: not available here
  }
}

function fits(p: Param, v: unknown, numbersAsTensors: boolean): boolean {
  if (v === null) return p.optional;
  if (!p.list) return fitsElement(p, v, numbersAsTensors);
  if (Array.isArray(v)) {
    return v.every((x) => (x === null ? p.nullableElements : fitsElement(p, x, false)));
  }
  // int[2] takes one int for every element (kernel_size=3).
  return p.size > 0 && p.base === 'int' && isInt(v);
}

let dtypeNames: Set<string> | null = null;
function isDtypeName(s: string): boolean {
  if (!dtypeNames) dtypeNames = new Set();
  if (dtypeNames.has(s)) return true;
  try {
    toDType(s);
  } catch {
    return false;
  }
  dtypeNames.add(s);
  return true;
}

// ---- matching a call against the signatures ------------------------------------------------------

/** The call's values by parameter index (sig.params), plus out=. */
interface Bound {
  values: unknown[];
  out: unknown;
}

/** The arguments bound to sig's parameters, or why they do not fit. */
function bind(sig: Signature, positional: unknown[], kwargs: Record<string, unknown> | null): Bound | string {
  const values: unknown[] = new Array(sig.params.length);
  let out: unknown;
  let pos = positional;
  // As PyTorch's parser: a lone int-list parameter may be given as separate ints, x.view(2, 3).
  if (sig.varargsIntList && typeof pos[0] === 'number') pos = [pos];
  if (pos.length > sig.maxPositional) {
    return `takes ${sig.maxPositional} positional argument${sig.maxPositional === 1 ? '' : 's'} but ${pos.length} were given`;
  }
  for (let i = 0; i < pos.length; i++) values[i] = pos[i];
  if (kwargs) {
    for (const key of Object.keys(kwargs)) {
      const value = kwargs[key];
      if (value === undefined) continue;
      if (key === 'out' && sig.outOp) {
        out = value;
        continue;
      }
      let i = sig.params.findIndex((q) => q.name === key);
      if (i < 0 && key in NUMPY_ALIASES) i = sig.params.findIndex((q) => q.name === NUMPY_ALIASES[key]);
      if (i < 0) return `got an unexpected keyword argument '${key}'`;
      if (values[i] !== undefined) return `got multiple values for argument '${key}'`;
      values[i] = value;
    }
  }
  for (let i = 0; i < sig.params.length; i++) {
    const p = sig.params[i];
    const v = values[i];
    if (v === undefined) {
      // Only a default makes an argument omittable: `bool? stable` without one must be given
      // (None is a value there), as PyTorch's parser has it.
      if (!p.hasDefault) return `missing required argument '${p.name}'`;
    } else if (!fits(p, v, sig.numbersAsTensors)) {
      return `argument '${p.name}' must be ${typeName(p)}, not ${jsTypeOf(v)}`;
    }
  }
  if (out !== undefined && out !== null && !isTensor(out) && !(Array.isArray(out) && out.every(isTensor))) {
    return `argument 'out' must be a Tensor or an array of Tensors, not ${jsTypeOf(out)}`;
  }
  return { values, out };
}

// PyTorch's parser also takes NumPy's names for these (numpy_compatibility_arg_names in
// python_arg_parser.cpp): torch.sum(x, axis=0, keepdims=True).
const NUMPY_ALIASES: Record<string, string> = { axis: 'dim', keepdims: 'keepdim', x: 'input', a: 'input', x1: 'input', x2: 'other' };

// ---- running the chosen overload ---------------------------------------------------------------

const SELF = -1;
const OUT = -2;
const UNBOUND = -3;

/**
 * How one signature's parameters land on one overload's schema as this LibTorch has it: for each
 * schema argument, the parameter index (or SELF, OUT, UNBOUND), worked out once per signature.
 */
interface Plan {
  op: ResolvedOp;
  slots: Int32Array;
  /** parameters this LibTorch's schema lacks (an argument added after its version) */
  missing: number[];
  requiresGrad: number;
}

const resolved = new Map<string, ResolvedOp | Error>();

function resolve(qualname: string, op: string): ResolvedOp {
  let r = resolved.get(op);
  if (r === undefined) {
    const dot = op.indexOf('.');
    const [name, overload] = dot < 0 ? [op, ''] : [op.slice(0, dot), op.slice(dot + 1)];
    try {
      r = lookupOp(name, overload);
    } catch {
      r = new Error(
        `this LibTorch (${native.libtorch.version}) has no operator aten::${op}; ` +
          `torchnode's namespace follows PyTorch ${GENERATED_FROM}, which has it`,
      );
    }
    resolved.set(op, r);
  }
  if (r instanceof Error) throw new TypeError(`${qualname}(): ${r.message}`);
  return r;
}

function missingOp(op: string): boolean {
  try {
    resolve('', op);
    return false;
  } catch {
    return true;
  }
}

function makePlan(qualname: string, sig: Signature, opName: string, method: boolean): Plan {
  const op = resolve(qualname, opName);
  const { info } = op;
  const slots = new Int32Array(info.args.length).fill(UNBOUND);
  const placed = new Set<number>();
  for (let i = 0; i < info.args.length; i++) {
    const name = info.args[i].name;
    if (name === 'self' && method) {
      slots[i] = SELF;
      continue;
    }
    // A function's `self` is Python's `input`.
    // Python spells a schema's `from` as `from_` (a keyword in Python).
    let k = sig.params.findIndex((q) => q.name === name || q.name === `${name}_`);
    if (k < 0 && name === 'self') k = sig.params.findIndex((q) => q.name === 'input');
    if (k >= 0) {
      slots[i] = k;
      placed.add(k);
    } else if (opName === sig.outOp && info.args[i].kwargOnly) {
      slots[i] = OUT; // the out= overload's result arguments, in order
    }
  }
  const requiresGrad = sig.params.findIndex((q) => q.name === 'requires_grad');
  const missing = sig.params.map((_, k) => k).filter((k) => !placed.has(k) && k !== requiresGrad);
  return { op, slots, missing, requiresGrad };
}

function convert(p: Param, v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (p.base === 'ScalarType') return toDType(v as DType | string);
  if (p.base === 'Layout') return LAYOUTS[v as string];
  if (p.base === 'MemoryFormat') return MEMORY_FORMATS[v as string];
  // An int device is a CUDA index, as PyTorch reads it.
  if (p.base === 'Device' && typeof v === 'number') return `cuda:${v}`;
  if (p.list && p.size > 0 && !Array.isArray(v)) return new Array(p.size).fill(v);
  return v;
}

function invoke(qualname: string, sig: Signature, bound: Bound, self: Tensor | undefined): unknown {
  const useOut = bound.out !== undefined && bound.out !== null;
  const plan = useOut ? (sig.outPlan ??= makePlan(qualname, sig, sig.outOp, self !== undefined))
    : (sig.plan ??= makePlan(qualname, sig, sig.op, self !== undefined));
  const { info } = plan.op;
  for (const k of plan.missing) {
    if (bound.values[k] != null) {
      throw new TypeError(`${qualname}(): argument '${sig.params[k].name}' is not supported by this LibTorch (${native.libtorch.version}): its ${info.schema} lacks it`);
    }
  }
  const outs = useOut ? (Array.isArray(bound.out) ? bound.out : [bound.out]) : [];
  let nextOut = 0;
  const values: unknown[] = new Array(plan.slots.length);
  for (let i = 0; i < plan.slots.length; i++) {
    const k = plan.slots[i];
    if (k >= 0) values[i] = convert(sig.params[k], bound.values[k]);
    else if (k === SELF) values[i] = self;
    else if (k === OUT) values[i] = outs[nextOut++];
  }
  const result = invokeOp(plan.op, values, (i) => `${qualname}(): argument '${info.args[i].name === 'self' && !self ? 'input' : info.args[i].name}'`);
  if (useOut) return bound.out;
  if (plan.requiresGrad >= 0 && bound.values[plan.requiresGrad] === true && isTensor(result)) result.requires_grad_(true);
  return shapeResult(sig, info.returns, result);
}

function shapeResult(sig: Signature, kinds: string[], result: unknown): unknown {
  if (kinds.length === 1 && kinds[0] === 'int' && SCALAR_TYPE_RESULTS.has(sig.op)) return dtypeFromCode(result as number);
  if (sig.named.length < 2 || !Array.isArray(result)) return result;
  if (sig.named.length === 2 && sig.named[0] === 'values' && sig.named[1] === 'indices') {
    return new ValuesIndices(result[0] as Tensor, result[1] as Tensor);
  }
  sig.named.forEach((n, i) => Object.defineProperty(result, n, { value: result[i], enumerable: false }));
  return result;
}

// The few operators whose result is a dtype (the dispatcher gives its code).
const SCALAR_TYPE_RESULTS = new Set(['result_type.Tensor', 'result_type.Scalar', 'result_type.Scalar_Tensor', 'result_type.Scalar_Scalar', 'promote_types']);

// ---- the entry points the generated modules use --------------------------------------------------

function dispatch(qualname: string, sigs: Signature[], self: Tensor | undefined, args: unknown[]): unknown {
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  const kwargs = isOptions(last, isTensor) ? (last as Record<string, unknown>) : null;
  const positional = kwargs ? args.slice(0, -1) : args;
  const reasons: string[] = [];
  for (const sig of sigs) {
    const bound = bind(sig, positional, kwargs);
    if (typeof bound !== 'string') return invoke(qualname, sig, bound, self);
    reasons.push(bound);
  }
  // An operator this LibTorch lacks says so, rather than that the arguments do not fit.
  if (sigs.every((s) => missingOp(s.op))) resolve(qualname, sigs[0].op);
  if (sigs.length === 1) throw new TypeError(`${qualname}(): ${reasons[0]}`);
  throw new TypeError(
    `${qualname}() received an invalid combination of arguments - got (${describeArgs(positional, kwargs)}), but expected one of:\n` +
      sigs.map((s) => ` * (${signatureText(s)})`).join('\n'),
  );
}

function parsed(rows: SignatureRow[] | undefined, qualname: string): () => Signature[] {
  let sigs: Signature[] | null = null;
  const short = qualname.slice(qualname.lastIndexOf('.') + 1);
  return () => (sigs ??= (rows ?? []).map((r) => parseSignature(r, short)));
}

// The functions torch.set_default_device applies to: PyTorch's _device_constructors()
// (torch/utils/_device.py), less those written by hand in lib/creation.ts. The *_like functions,
// normal and every other function that takes a device are left alone, as there.
const DEVICE_CONSTRUCTORS = new Set([
  'torch.empty_permuted', 'torch.empty_strided', 'torch.empty_quantized', 'torch.bartlett_window', 'torch.blackman_window',
  'torch.hamming_window', 'torch.hann_window', 'torch.kaiser_window', 'torch.logspace', 'torch.randperm',
  'torch.tril_indices', 'torch.triu_indices', 'torch.fft.fftfreq', 'torch.fft.rfftfreq',
]);

/**
 * A device constructor's arguments with the default device as `device` where none is given (as
 * PyTorch's DeviceContext fills it in); as they are while no default is set, or when `out` is
 * given, whose device decides.
 */
function withDefaultDevice(args: unknown[]): unknown[] {
  const device = defaultDeviceArg();
  if (device === null) return args;
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  if (!isOptions(last, isTensor)) return [...args, { device }];
  if (last.device != null || last.out != null) return args;
  return [...args.slice(0, -1), { ...last, device }];
}

/**
 * torch.<name> (or torch.linalg.<name>...) over its generated signatures.
 * @internal
 */
export function pythonFunction(qualname: string, rows: SignatureRow[] | undefined): any {
  const sigs = parsed(rows, qualname);
  const constructs = DEVICE_CONSTRUCTORS.has(qualname);
  const fn = (...args: unknown[]): unknown => {
    try {
      return dispatch(qualname, sigs(), undefined, constructs ? withDefaultDevice(args) : args);
    } catch (e) {
      throw callersError(e, fn);
    }
  };
  Object.defineProperty(fn, 'name', { value: qualname.slice(qualname.lastIndexOf('.') + 1) });
  return fn;
}

/**
 * Tensor.<name> over its generated signatures; `this` is the schema's self.
 * @internal
 */
export function tensorMethod(name: string, rows: SignatureRow[] | undefined): (this: Tensor, ...args: unknown[]) => unknown {
  const qualname = `Tensor.${name}`;
  const sigs = parsed(rows, qualname);
  const method = {
    [name](this: Tensor, ...args: unknown[]): unknown {
      try {
        if (!isTensor(this)) throw new TypeError(`${qualname}(): called on ${jsTypeOf(this)}, not a Tensor`);
        return dispatch(qualname, sigs(), this, args);
      } catch (e) {
        throw callersError(e, method[name]);
      }
    },
  };
  return method[name];
}

/** The error with its stack starting at the caller of the torch function, not in this engine. */
function callersError(e: unknown, entry: Function): unknown {
  if (e instanceof Error) Error.captureStackTrace(e, entry);
  return e;
}

// ---- messages ----------------------------------------------------------------------------------

function typeName(p: Param): string {
  const el: Record<string, string> = {
    Tensor: 'Tensor', Scalar: 'number', int: 'int', float: 'number', bool: 'boolean', str: 'string',
    ScalarType: 'dtype', Layout: 'layout', MemoryFormat: 'memory format', Device: 'device', Generator: 'null (Generator objects are not supported)',
    DeviceIndex: 'int',
  };
  const base = el[p.base] ?? p.base;
  if (!p.list) return base;
  return p.size > 0 && p.base === 'int' ? `an int or an array of ${p.size} ints` : `an array of ${base}s`;
}

function signatureText(s: Signature): string {
  const parts: string[] = [];
  let star = false;
  for (const p of s.params) {
    if (p.kwOnly && !star) {
      parts.push('*');
      star = true;
    }
    parts.push(`${p.list ? `${p.base}[]` : p.base}${p.optional ? '?' : ''} ${p.name}`);
  }
  return parts.join(', ');
}

function jsTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (isTensor(v)) return 'Tensor';
  if (Array.isArray(v)) return `Array of [${v.map(jsTypeOf).join(', ')}]`;
  if (v instanceof DType) return 'dtype';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function describeArgs(positional: unknown[], kwargs: Record<string, unknown> | null): string {
  const parts = positional.map(jsTypeOf);
  if (kwargs) for (const [k, v] of Object.entries(kwargs)) parts.push(`${k}=${jsTypeOf(v)}`);
  return parts.join(', ');
}
