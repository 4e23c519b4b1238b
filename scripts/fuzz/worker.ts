// The fuzz worker: runs calls [from, to) of a seed in this process and reports each as JSON
// lines on stdout: {"i", "phase": "start", "src", "tags"} before the call (written synchronously,
// so a crash mid-call still names it) and {"i", "phase": "end", "outcome", ...} after it.
// The driver (scripts/fuzz/driver.ts) restarts a worker that dies, past the call that killed it.
//   tsx scripts/fuzz/worker.ts --seed S --from A --to B   (or --only I)
import * as fs from 'node:fs';
import * as torch from '../../lib/index';
import type { Tensor } from '../../lib/index';
import { build, type BuildContext } from './build';
import { callAt, callSource, publicNames, type Call } from './spec';

/** What must never reach a user's error message: C++ backtraces and internal names. */
export const INTERNAL_MESSAGE = /Exception raised from|frame #\d+|c10::|\bat::|\b_Tensor\b|std::/;

/** Ops whose values differ between two runs by design (random, uninitialized). */
const NONDETERMINISTIC = /^(rand|randn|randint|randperm|dropout|empty|empty_like|empty_strided|bernoulli|normal|uniform|resize_|set_|multinomial)/;

export interface EndLine {
  i: number;
  phase: 'end';
  outcome: 'ok' | 'error';
  cls?: string;
  message?: string;
  violation?: 'non-error-thrown' | 'internal-message' | 'wrong-result';
  detail?: string;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * One JSON line to the driver, synchronously (a crash right after must not lose it). stdout is a
 * pipe that Node may have made non-blocking: when the driver reads slowly (under ASan, say), a
 * write can be partial or fail with EAGAIN, so it waits a moment and writes the rest.
 */
function write(line: object): void {
  let buf = Buffer.from(JSON.stringify(line) + '\n');
  while (buf.length > 0) {
    try {
      buf = buf.subarray(fs.writeSync(1, buf));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

function buildArgs(call: Call): { args: unknown[]; ctx: BuildContext } {
  const ctx: BuildContext = { tensors: [], position: 0 };
  const args = call.args.map((v, position) => build(v, Object.assign(ctx, { position })));
  return { args, ctx };
}

function invoke(call: Call, args: unknown[], ctx: BuildContext): unknown {
  const t = call.target;
  switch (t.kind) {
    case 'aten': {
      const fn = (torch.ops.aten[t.op] as unknown as Record<string, ((...a: unknown[]) => unknown) & { async: (...a: unknown[]) => Promise<unknown> }>)[t.overload];
      if (!t.async) return fn(...args);
      const p = fn.async(...args);
      if (t.race) {
        // An in-place op while the worker thread may be reading the same tensor; its own error
        // (a bool tensor, a disposed one) is beside the point, and must not orphan the promise.
        try {
          ctx.tensors[0]?.mul_(2);
        } catch { /* see above */ }
      }
      return p;
    }
    case 'method': {
      const self = args[0] as Record<string, (...a: unknown[]) => unknown>;
      return self[t.name](...args.slice(1));
    }
    case 'torch': return (torch as unknown as Record<string, (...a: unknown[]) => unknown>)[t.name](...args);
    case 'F': return (torch.nn.functional as unknown as Record<string, (...a: unknown[]) => unknown>)[t.name](...args);
    case 'index': {
      const self = args[0] as Tensor;
      return t.put ? self.index_put_(args[1] as never, args[2] as never) : self.index(...(args.slice(1) as never[]));
    }
  }
}

/** Reads a result back (shape, dtype and, when small, every element) so a dangling tensor shows. */
function touch(r: unknown, depth = 0): unknown {
  if (r instanceof torch.Tensor) {
    if (r.is_disposed) return '<disposed>';
    const info = { dtype: r.dtype.name, shape: r.shape };
    // Complex tensors have no JS export (tolist raises by design), so only their metadata is read.
    const readable = r.numel() <= 4096 && r.device.type !== 'meta' && !r.dtype.name.startsWith('complex');
    return readable ? { ...info, values: r.tolist() } : info;
  }
  if (depth < 3 && r !== null && typeof r === 'object' && Symbol.iterator in r) return Array.from(r as Iterable<unknown>, (x) => touch(x, depth + 1));
  return r;
}

function sameValues(a: unknown, b: unknown, loose = false): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValues(x, b[i], loose));
  if (loose && typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return Object.is(a, b);
}

/** A read-back result as a string that tells NaN, ±Infinity and -0 apart. */
function canon(x: unknown): string {
  const s = JSON.stringify(x, (_k, v) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? (Object.is(v, -0) ? '-0' : String(v)) : typeof v === 'bigint' ? `${v}n` : v));
  return s === undefined ? String(x) : s;
}

function describeTouch(x: unknown): string {
  const s = canon(x);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** The oracle of an oracle call: what the result must be, computed another way. null: agrees. */
async function checkOracle(call: Call, result: unknown): Promise<string | null> {
  const t = call.target;
  const fresh = () => buildArgs(call);
  if (call.oracle === 'js-arith' && t.kind === 'method') {
    const { args } = fresh();
    const x = (args[0] as Tensor).tolist() as unknown;
    const other = args[1] instanceof torch.Tensor ? (args[1] as Tensor).tolist() : args[1];
    const f: Record<string, (a: number, b: number) => number> = {
      add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
      maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
      minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
    };
    const zip = (a: unknown, b: unknown): unknown => (Array.isArray(a) ? a.map((v, i) => zip(v, Array.isArray(b) ? b[i] : b)) : f[t.name](a as number, b as number));
    const want = zip(x, other);
    const got = touch(result) as { dtype: string; values: unknown };
    // maximum/minimum may return either zero for (-0, 0): IEEE calls them equal.
    const loose = t.name === 'maximum' || t.name === 'minimum';
    if (got.dtype !== 'float64' || !sameValues(got.values, want, loose)) return `expected ${describeTouch(want)} (float64), got ${describeTouch(got)}`;
    return null;
  }
  if (call.oracle === 'raw-vs-method' && t.kind === 'method') {
    const { args } = fresh();
    const raw = touch((torch.ops.aten[t.name] as unknown as (...a: unknown[]) => unknown)(...args));
    const viaMethod = touch(result);
    return canon(raw) === canon(viaMethod) ? null : `torch.ops.aten.${t.name} gave ${describeTouch(raw)}, the method ${describeTouch(viaMethod)}`;
  }
  if (call.oracle === 'number-in-tensor-slot' && t.kind === 'aten') {
    const { args } = fresh();
    const want = touch((args[0] as unknown as Record<string, (...a: unknown[]) => unknown>)[t.op](args[1]));
    const got = touch(result);
    return canon(want) === canon(got) ? null : `PyTorch treats the number as a wrapped scalar (x.${t.op}(${String(args[1])}) = ${describeTouch(want)}), got ${describeTouch(got)}`;
  }
  if (call.oracle === 'tensor-as-int' && t.kind === 'aten') {
    const { args, ctx } = fresh();
    const value = ctx.tensors[0].item() as number;
    const want = t.op === 'zeros' ? [(args[0] as number[])[0], value] : [value];
    const got = (result as Tensor).shape;
    return canon(got) === canon(want) ? null : `a 0-dim int64 tensor holding ${value} where the schema wants an int: PyTorch gives shape [${want}], got [${got}]`;
  }
  if (call.oracle === 'async-vs-sync' && t.kind === 'aten') {
    const { args, ctx } = fresh();
    let sync: unknown;
    try {
      sync = touch(invoke({ ...call, target: { ...t, async: false } }, args, ctx));
    } catch (e) {
      return `the async call succeeded, the same call in sync threw ${(e as Error)?.message}`;
    }
    if (NONDETERMINISTIC.test(t.op)) return null;
    const a = touch(result);
    return canon(a) === canon(sync) ? null : `async gave ${describeTouch(a)}, sync ${describeTouch(sync)}`;
  }
  return null;
}

async function runOne(call: Call): Promise<Omit<EndLine, 'i' | 'phase'>> {
  let built: ReturnType<typeof buildArgs>;
  try {
    built = buildArgs(call);
  } catch (e) {
    return { outcome: 'error', cls: 'harness', detail: `could not build the arguments: ${(e as Error)?.message}` };
  }
  const { args, ctx } = built;
  let result: unknown;
  try {
    result = invoke(call, args, ctx);
    if (result instanceof Promise) result = await result;
    touch(result);
  } catch (e) {
    if (!(e instanceof Error)) return { outcome: 'error', cls: typeof e, violation: 'non-error-thrown', detail: String(e) };
    const message = String(e.message);
    const out = { outcome: 'error' as const, cls: e.constructor.name, message: message.slice(0, 300) };
    if (INTERNAL_MESSAGE.test(message)) return { ...out, violation: 'internal-message', detail: message.slice(0, 500) };
    // An oracle call that PyTorch answers must not raise here.
    if (call.oracle === 'number-in-tensor-slot' || call.oracle === 'js-arith' || call.oracle === 'tensor-as-int') {
      return { ...out, violation: 'wrong-result', detail: `raised where PyTorch returns a value: ${message.slice(0, 300)}` };
    }
    if (call.oracle === 'raw-vs-method' && call.target.kind === 'method') {
      // The method raised (e.g. an op a dtype lacks): the raw operator must raise too.
      const fresh = buildArgs(call);
      try {
        const raw = (torch.ops.aten[call.target.name] as unknown as (...a: unknown[]) => unknown)(...fresh.args);
        return { ...out, violation: 'wrong-result', detail: `the method threw (${message.slice(0, 200)}), torch.ops.aten.${call.target.name} returned ${describeTouch(touch(raw))}` };
      } catch { /* both raise: consistent */ }
    }
    if (call.oracle === 'async-vs-sync') {
      const fresh = buildArgs(call);
      try {
        invoke({ ...call, target: { ...(call.target as Extract<Call['target'], { kind: 'aten' }>), async: false } }, fresh.args, fresh.ctx);
        return { ...out, violation: 'wrong-result', detail: `the async call threw (${message.slice(0, 200)}), the same call in sync did not` };
      } catch { /* both raise: consistent */ }
    }
    return out;
  }
  let wrong: string | null = null;
  try {
    wrong = call.oracle ? await checkOracle(call, result) : null;
  } catch (e) {
    wrong = `the oracle's own computation failed: ${(e as Error)?.message}`;
  }
  return wrong ? { outcome: 'ok', violation: 'wrong-result', detail: wrong } : { outcome: 'ok' };
}

async function main(): Promise<void> {
  const seed = flag('seed') ?? 1;
  const only = flag('only');
  const from = only ?? flag('from') ?? 0;
  const to = only !== undefined ? only + 1 : flag('to') ?? from + 100;
  torch.set_num_threads(1);
  process.on('warning', () => { /* deprecation and user warnings from fuzzed calls are expected */ });
  const names = publicNames();
  for (let i = from; i < to; i++) {
    const call = callAt(names, seed, i);
    write({ i, phase: 'start', src: callSource(call), tags: call.tags, oracle: call.oracle ?? null });
    const end = await runOne(call);
    write({ i, phase: 'end', ...end });
  }
}

main().catch((e) => {
  // A failure of the harness itself (not of a fuzzed call): exit distinctly so the driver says so.
  console.error('fuzz worker failed:', e);
  process.exit(70);
});
