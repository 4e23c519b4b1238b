// PyTorch-style repr: tensor([[1.0000, 2.5000], ...], dtype=torch.float64, requires_grad=True).
// Follows torch/_tensor_str.py: 4 decimals, scientific notation for wide ranges, summarised
// output above 1000 elements, and the suffixes PyTorch prints.
import type { Tensor } from './tensor';
import { native } from './binding';
import { typeName } from './autograd_graph';
import { get_default_dtype } from './dtype';

import { params } from './args';

// torch.set_printoptions changes these, process-wide, as in PyTorch.
const PROFILES = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};
const print = { ...PROFILES.default, sci_mode: null as boolean | null };

/**
 * `torch.set_printoptions(precision?, threshold?, edgeitems?, linewidth?, profile?, sci_mode?)`, or
 * the same as an options object: how tensors print, process-wide. `profile` ('default', 'short',
 * 'full') sets the first four at once; `sci_mode` true/false forces scientific notation on or off,
 * null lets the values decide.
 * @see https://pytorch.org/docs/stable/generated/torch.set_printoptions.html
 */
export function set_printoptions(...args: unknown[]): void {
  const [precision, threshold, edgeitems, linewidth, profile, sci_mode] = params('set_printoptions', args,
    ['precision', 'threshold', 'edgeitems', 'linewidth', 'profile', 'sci_mode']);
  if (profile != null) {
    const p = PROFILES[profile as keyof typeof PROFILES];
    if (!p) throw new TypeError(`set_printoptions(): profile must be 'default', 'short' or 'full', got ${String(profile)}`);
    Object.assign(print, p);
  }
  const count = (v: unknown, name: string, min: number) => {
    if (v == null) return undefined;
    if (typeof v !== 'number' || !(Number.isInteger(v) || v === Infinity) || v < min) {
      throw new TypeError(`set_printoptions(): ${name} must be an integer >= ${min}, got ${String(v)}`);
    }
    return v;
  };
  print.precision = count(precision, 'precision', 0) ?? print.precision;
  print.threshold = count(threshold, 'threshold', 0) ?? print.threshold;
  print.edgeitems = count(edgeitems, 'edgeitems', 0) ?? print.edgeitems;
  print.linewidth = count(linewidth, 'linewidth', 1) ?? print.linewidth;
  // As PyTorch: sci_mode is always set, back to null (decide per tensor) when not given.
  if (sci_mode != null && typeof sci_mode !== 'boolean') throw new TypeError('set_printoptions(): sci_mode must be a boolean or null');
  print.sci_mode = (sci_mode as boolean | null | undefined) ?? null;
}

interface Formatter {
  width: number;
  fmt(v: number | boolean): string;
}

function makeFormatter(values: (number | boolean)[], isFloat: boolean, isBool: boolean): Formatter {
  if (isBool) {
    const fmt = (v: number | boolean) => (v ? 'True' : 'False');
    return { width: values.some((v) => !v) ? 5 : 4, fmt };
  }
  const nums = values as number[];
  if (!isFloat) {
    const fmt = (v: number | boolean) => String(v);
    return { width: Math.max(1, ...nums.map((v) => String(v).length)), fmt };
  }
  const finite = nums.filter((v) => Number.isFinite(v));
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  const intMode = finite.every((v) => Number.isInteger(v));
  let fmt: (v: number | boolean) => string;
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (intMode) {
    const sci = print.sci_mode ?? (nonzero.length > 0 && Math.max(...nonzero) > 1e8);
    fmt = (v) => (!Number.isFinite(v as number) ? special(v as number) : sci ? sciStr(v as number) : `${(v as number).toFixed(0)}.`);
  } else {
    const max = nonzero.length ? Math.max(...nonzero) : 0;
    const min = nonzero.length ? Math.min(...nonzero) : 0;
    const sci = print.sci_mode ?? (nonzero.length > 0 && (max / min > 1000 || max > 1e8 || min < 1e-4));
    fmt = (v) => (!Number.isFinite(v as number) ? special(v as number) : sci ? sciStr(v as number) : (v as number).toFixed(print.precision));
  }
  const width = Math.max(1, ...nums.map((v) => fmt(v).length));
  return { width, fmt };
}

function sciStr(v: number): string {
  const [m, e] = v.toExponential(print.precision).split('e');
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Elements shown after summarisation (the first and last edgeitems along each dimension). */
function shownValues(data: unknown, shape: number[], summarize: boolean, out: (number | boolean)[]): void {
  if (shape.length === 0) {
    out.push(data as number);
    return;
  }
  const arr = data as unknown[];
  const n = shape[0];
  const edge = print.edgeitems;
  const idx = summarize && n > 2 * edge ? [...range(0, edge), ...range(n - edge, n)] : range(0, n);
  for (const i of idx) shownValues(arr[i], shape.slice(1), summarize, out);
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

function render(data: unknown, shape: number[], f: Formatter, indent: number, summarize: boolean): string {
  if (shape.length === 0) return f.fmt(data as number).padStart(f.width);
  const arr = data as unknown[];
  const n = shape[0];
  const edge = print.edgeitems;
  const cut = summarize && n > 2 * edge;
  const idx = cut ? [...range(0, edge), -1, ...range(n - edge, n)] : range(0, n);
  if (shape.length === 1) {
    const parts = idx.map((i) => (i < 0 ? '...' : f.fmt(arr[i] as number).padStart(f.width)));
    // Wrap long rows as PyTorch does (linewidth 80 by default).
    const perLine = Math.max(1, Math.floor((print.linewidth - indent) / (f.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < parts.length; i += perLine) lines.push(parts.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const sep = `,${'\n'.repeat(shape.length - 1)}${' '.repeat(indent + 1)}`;
  const rows = idx.map((i) => (i < 0 ? '...' : render(arr[i], shape.slice(1), f, indent + 1, summarize)));
  return `[${rows.join(sep)}]`;
}

/**
 * PyTorch's repr of a tensor, as torch/_tensor_str.py writes it under the current print options.
 * @internal
 */
export function formatTensor(t: Tensor): string {
  const shape = t.shape;
  const dtype = t.dtype;
  const numel = shape.reduce((a, b) => a * b, 1);
  const suffixes: string[] = [];
  const device = t.device.toString();
  if (device !== 'cpu') suffixes.push(`device='${device}'`);
  let body: string;
  if (numel === 0) {
    body = '[]';
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
    // No element shows an empty tensor's dtype, so PyTorch names every dtype but the default one.
    if (dtype !== get_default_dtype()) suffixes.push(`dtype=torch.${dtype.name}`);
  } else {
    const data = t.tolist();
    const summarize = numel > print.threshold;
    const shown: (number | boolean)[] = [];
    shownValues(data, shape, summarize, shown);
    const f = makeFormatter(shown, dtype.is_floating_point, dtype.name === 'bool');
    body = render(data, shape, f, 'tensor('.length, summarize);
    const defaultShown = dtype === get_default_dtype() || dtype.name === 'int64' || dtype.name === 'bool';
    if (!defaultShown) suffixes.push(`dtype=torch.${dtype.name}`);
  }
  // By name, not t.grad_fn: printing should not keep a Node object (and its graph) with the tensor.
  const gradFn = native.gradFnName(t.h);
  if (gradFn !== null) suffixes.push(`grad_fn=<${typeName(gradFn)}>`);
  else if (t.requires_grad) suffixes.push('requires_grad=True');
  return addSuffixes(`tensor(${body}`, suffixes, 'tensor('.length);
}

/**
 * torch/_tensor_str.py _add_suffixes: each suffix goes on the body's last line, or on a line of
 * its own (indented under the body) where it would take that line past linewidth; and the
 * closing parenthesis. The line lengths are counted as PyTorch counts them.
 */
function addSuffixes(tensorStr: string, suffixes: string[], indent: number): string {
  const parts = [tensorStr];
  let lastLineLen = tensorStr.length - tensorStr.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > print.linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${suffix}`);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}
