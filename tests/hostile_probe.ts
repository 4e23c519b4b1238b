// Child process of tests/hostile_files.test.ts (run with tsx and --expose-gc): loads each file
// it is given and prints one JSON line per file with the outcome (the error, or a summary of
// the value), the wall and CPU time the load took, and an upper bound on its peak memory.
// Usage: tsx --expose-gc hostile_probe.ts '[{"file": "...", "options": {...}}, ...]'
// HOSTILE_LIB=<path of another lib/index> measures another version of the library.
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const torch = require(process.env.HOSTILE_LIB ?? path.join(__dirname, '..', 'lib', 'index'));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** What the test checks of a loaded value, computed here where the value lives (iteratively). */
function summarize(v: unknown): Record<string, unknown> {
  const s: Record<string, unknown> = { type: Array.isArray(v) ? 'array' : v instanceof Map ? 'map' : typeof v };
  if (typeof v === 'bigint') s.bits = v.toString(2).length;
  if (Array.isArray(v)) {
    s.length = v.length;
    s.self_cycle = v.length > 0 && v[0] === v;
    s.all_bigints = v.every((x) => typeof x === 'bigint');
  }
  const w = v !== null && typeof v === 'object' ? (v as { w?: unknown }).w : undefined;
  if (w instanceof torch.Tensor) s.tensor = (w as { tolist(): unknown }).tolist();
  // depth: how many containers are nested, following the first item of each
  let depth = 0;
  for (let x: unknown = v; x !== null && typeof x === 'object' && !(x instanceof torch.Tensor); depth++) {
    const first = Array.isArray(x) ? x[0] : x instanceof Map ? x.values().next().value : Object.values(x)[0];
    if (first === x) break;
    x = first;
  }
  s.depth = depth;
  return s;
}

const jobs: { file: string; options?: object }[] = JSON.parse(process.argv[2]);
for (const { file, options } of jobs) {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let outcome: Record<string, unknown>;
  let value: unknown;
  try {
    // weights_only: false, the wider of the two unpicklers (numpy arrays, frozensets...): the
    // corpus probes the larger surface; the weights_only test below covers the default.
    value = torch.load(file, { weights_only: false, ...options });
    outcome = { outcome: 'load' };
  } catch (e) {
    const err = e as Error;
    outcome = { outcome: 'error', class: err.constructor?.name, message: String(err.message) };
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  // maxRSS is the process's high-water mark (KiB): the load's own peak is at most that.
  const peakGrowthMB = Math.max(0, process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20;
  if (outcome.outcome === 'load') outcome.summary = summarize(value);
  value = undefined;
  process.stdout.write(JSON.stringify({ file: path.basename(file), ms, cpuMs: (cpu.user + cpu.system) / 1000, peakGrowthMB, ...outcome }) + '\n');
}
