// The fuzz driver: runs calls [0, calls) of a seed in worker processes (scripts/fuzz/worker.ts),
// so that a call that kills its process (signal, abort) is counted instead of ending the run.
// A worker that dies or stops answering (per-call timeout) is replaced by a fresh one starting
// after the call that killed it; that call is recorded with its reproducer.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { EndLine } from './worker';

export interface FuzzOptions {
  seed: number;
  calls: number;
  /** First call index (default 0). */
  from?: number;
  /** A call that takes longer than this is a hang (ms). */
  callTimeoutMs?: number;
  /** Workers run side by side, each on its own slice of the indices. */
  workers?: number;
  /** Data-segment limit of a worker (KiB): an enormous allocation fails instead of swapping. */
  dataLimitKb?: number;
  onProgress?: (done: number) => void;
}

export interface Incident {
  seed: number;
  i: number;
  kind: 'crash' | 'hang' | 'non-error-thrown' | 'internal-message' | 'wrong-result';
  src: string;
  tags: string[];
  detail: string;
  /** The command that replays just this call. */
  replay: string;
}

export interface FuzzReport {
  seed: number;
  calls: number;
  ok: number;
  errors: number;
  errorsByClass: Record<string, number>;
  incidents: Incident[];
  workerStarts: number;
  seconds: number;
}

interface StartLine { i: number; phase: 'start'; src: string; tags: string[] }

const WORKER = path.join(__dirname, 'worker.ts');
const TSX = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');

/** tsx runs the script in a child node and exits with 128 + n when that child dies of signal n. */
function signalOfExit(code: number | null): string {
  if (code !== null && code > 128) {
    const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return `killed by ${name} (exit code ${code})`;
  }
  return `exit code ${code}`;
}

function replayOf(seed: number, i: number): string {
  return `npm run fuzz -- --seed ${seed} --only ${i}`;
}

/** Runs [from, to) in as many consecutive workers as crashes require. */
async function runSlice(seed: number, from: number, to: number, opts: FuzzOptions, report: FuzzReport): Promise<void> {
  let next = from;
  let failedStarts = 0;
  while (next < to) {
    const start = next;
    const inFlight: { line: StartLine | null } = { line: null };
    const stderr: string[] = [];
    report.workerStarts++;
    // The data limit turns a huge but valid allocation into an error instead of filling memory.
    // AddressSanitizer reserves terabytes of shadow memory at start, which that limit forbids;
    // under it (scripts/asan.sh) ASan's allocator_may_return_null does the same job.
    const limit = /libasan/.test(process.env.LD_PRELOAD ?? '') ? 'unlimited' : String(opts.dataLimitKb ?? 4_000_000);
    const child = spawn('bash', ['-c', `ulimit -d ${limit} && exec "$0" "$@"`, TSX, WORKER,
      '--seed', String(seed), '--from', String(start), '--to', String(to)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => {
      stderr.push(d.toString());
      if (stderr.length > 50) stderr.shift();
    });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    // The first call waits for the worker to load LibTorch, so it gets a longer allowance.
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, ms);
    };
    arm(60_000);
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (text) => {
      let msg: StartLine | (EndLine & { i: number });
      try {
        msg = JSON.parse(text);
      } catch {
        return; // a stray print from a fuzzed call
      }
      if (msg.phase === 'start') {
        inFlight.line = msg as StartLine;
        arm(opts.callTimeoutMs ?? 10_000);
        return;
      }
      const end = msg as EndLine;
      const started = inFlight.line;
      inFlight.line = null;
      next = end.i + 1;
      if (end.outcome === 'ok') report.ok++;
      else {
        report.errors++;
        report.errorsByClass[end.cls ?? '?'] = (report.errorsByClass[end.cls ?? '?'] ?? 0) + 1;
      }
      if (end.violation) {
        report.incidents.push({ seed, i: end.i, kind: end.violation, src: started?.src ?? '?', tags: started?.tags ?? [], detail: end.detail ?? '', replay: replayOf(seed, end.i) });
      }
      opts.onProgress?.(report.ok + report.errors + report.incidents.filter((x) => x.kind === 'crash' || x.kind === 'hang').length);
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    const dead = inFlight.line;
    if (dead) {
      const kind = timedOut ? 'hang' : 'crash';
      const how = timedOut ? `no answer within ${opts.callTimeoutMs ?? 10_000} ms` : signal ? `killed by ${signal}` : signalOfExit(code);
      const tail = stderr.join('').split('\n').filter((l) => l.trim() && !/^W\d{8} |^WARNING: Logging/.test(l)).slice(-6).join(' | ');
      report.incidents.push({ seed, i: dead.i, kind, src: dead.src, tags: dead.tags, detail: `${how}${tail ? `; stderr: ${tail.slice(0, 600)}` : ''}`, replay: replayOf(seed, dead.i) });
      next = dead.i + 1;
      failedStarts = 0;
    } else if (next === start) {
      // Died before its first call: the harness, not a fuzzed call. Give up after a few tries.
      if (++failedStarts >= 3) throw new Error(`fuzz worker cannot start (exit ${code ?? signal}): ${stderr.join('').slice(-2000)}`);
    } else if (code !== 0 && next < to) {
      throw new Error(`fuzz worker failed between calls (exit ${code ?? signal}): ${stderr.join('').slice(-2000)}`);
    }
  }
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now();
  const from = opts.from ?? 0;
  const report: FuzzReport = { seed: opts.seed, calls: opts.calls, ok: 0, errors: 0, errorsByClass: {}, incidents: [], workerStarts: 0, seconds: 0 };
  const n = Math.max(1, opts.workers ?? 1);
  const per = Math.ceil(opts.calls / n);
  const slices: Promise<void>[] = [];
  for (let w = 0; w < n; w++) {
    const a = from + w * per, b = Math.min(from + opts.calls, a + per);
    if (a < b) slices.push(runSlice(opts.seed, a, b, opts, report));
  }
  await Promise.all(slices);
  report.incidents.sort((x, y) => x.i - y.i);
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}
