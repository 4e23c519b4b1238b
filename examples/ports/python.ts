// What the ported programs need of Python itself, so that a port prints what the original
// prints, character for character: print() with Python's str() of its arguments, Python's
// repr() of a float, and the two str.format specs the ports use ('{:.6f}', '{:+.2f}').
// Tensors print through their own toString(), which follows PyTorch's repr.
import * as torch from '../../lib/index';

/** What a port's main() returns: the printed lines and the values compared with the oracle. */
export interface PortRun<R> {
  stdout: string[];
  results: R;
}

/** Python's repr() of a float: the shortest round-trip digits, fixed between 1e-4 and 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expPart] = x.toExponential().split('e');
  const exp = Number(expPart);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}.${frac || '0'}`;
}

/**
 * format(x, '.<n>f') (with '+' for format(x, '+.<n>f')): the exact binary value rounded half to
 * even, as Python does. toFixed rounds exact ties away from zero instead, so ties are redone.
 */
export function formatFixed(x: number, decimals: number, plus = false): string {
  let s = x.toFixed(decimals);
  const exact = Math.abs(x).toFixed(100);
  const rest = exact.slice(exact.indexOf('.') + 1 + decimals);
  if (/^50*$/.test(rest)) {
    // An exact tie: toFixed went away from zero; Python keeps the even last digit.
    const last = Number(s[s.length - 1]);
    if (last % 2 === 1) s = (Math.sign(x) * (Math.abs(Number(s)) - 10 ** -decimals)).toFixed(decimals);
  }
  return plus && !s.startsWith('-') ? `+${s}` : s;
}

/**
 * A Python list: an array that prints as one (`['a', 1]`), where a plain array stands for a tuple.
 * Its slice() and map() give Lists too, as Python's slicing and comprehensions give lists.
 */
export class List<T> extends Array<T> {}

/** A Python list of the given items: `[a, b]` → list([a, b]). */
export function list<T>(items: Iterable<T>): List<T> {
  return List.from(items) as List<T>;
}

/** Python's str() of a value (repr() inside tuples, lists and dicts, as Python prints them). */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  return repr(v);
}

function repr(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) && Math.abs(v) < 1e16 ? `${v}` : floatRepr(v);
  if (v instanceof torch.Tensor) return v.toString();
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(', ')}}`;
  if (v instanceof List) return `[${[...v].map(repr).join(', ')}]`;
  // A JavaScript array stands for a Python tuple: the ports print tuples (an LSTM's (h, c)).
  if (Array.isArray(v)) return `(${v.map(repr).join(', ')}${v.length === 1 ? ',' : ''})`;
  return String(v);
}

/**
 * A Python print() that keeps the lines for main() to return (and echoes them when the port runs
 * from the command line). JavaScript numbers print as Python ints when whole, which is what the
 * ports pass (step counters); floats that may be whole go through floatRepr() first.
 */
export function printer(echo: boolean): { print: (...args: unknown[]) => void; stdout: string[] } {
  const stdout: string[] = [];
  const print = (...args: unknown[]): void => {
    const text = args.map(str).join(' ');
    stdout.push(...text.split('\n'));
    if (echo) console.log(text);
  };
  return { print, stdout };
}
