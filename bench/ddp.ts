// DDP throughput: the chapter's CNN on Fashion-MNIST trained by examples/ddp.ts under the
// launcher (torchnode run) and by its PyTorch twin scripts/ddp_cnn.py under torchrun, on 1 and
// on 2 processes of one thread each, alternating, several repeats. Each run reports the images
// per second of all its processes together over a fixed number of steps after a warm-up (the
// start-up, data loading and evaluation are left out); the table gives the median, the range,
// the torchnode / PyTorch ratio (above 1: torchnode trains faster) and each side's scaling
// from 1 to 2 processes.
//
//   npx tsx bench/ddp.ts [--repeats 3 --steps 240 --warmup 5 --batch-size 64 --python /usr/bin/python3]
//
// PyTorch is /usr/bin/python3 (1.13, the default addon's LibTorch) unless TORCHNODE_ORACLE_PYTHON
// or --python names another (the 2.13 venv with TORCHNODE_ADDON pointing at the 2.13 addon).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { mallocSettingsClause, withSharedMalloc } from './malloc_settings';

const ROOT = path.join(__dirname, '..');
const { values: opts } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    // 240 steps: about 6 s a run on 1 process. Over 60 steps (1.5 s) a second of load elsewhere
    // on this 2-core machine moved a run by 20%, and PyTorch's 1-process runs under torchrun
    // sometimes measured 400 img/s against 2,500 in the runs beside them.
    steps: { type: 'string', default: '240' },
    warmup: { type: 'string', default: '5' },
    'batch-size': { type: 'string', default: '64' },
    processes: { type: 'string', default: '1,2' },
    python: { type: 'string', default: process.env.TORCHNODE_ORACLE_PYTHON || '/usr/bin/python3' },
  },
});
const int = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${v}`);
  return n;
};
const repeats = int('repeats', opts.repeats, 1);
const steps = int('steps', opts.steps, 1);
const warmup = int('warmup', opts.warmup, 0);
const batch = int('batch-size', opts['batch-size'], 1);
const processCounts = opts.processes!.split(',').map((p) => int('processes', p, 1));
const python = opts.python!;

// One thread everywhere, read by OpenMP and OpenBLAS when they load; both sides also call
// set_num_threads(1) (--threads 1). Both also get torchnode's glibc malloc settings, as in the
// main benchmark (bench/malloc_settings.ts).
const env = withSharedMalloc({ ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', TORCHNODE_PROGRESS_SECONDS: '1000' });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-bench-ddp-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));

type Side = 'torchnode' | 'pytorch';

/** A run taking longer than this is stopped (its process group) and counts as a failure. */
const RUN_LIMIT_MS = 300_000;

function exec(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-p.pid!, signal);
      } catch {
        // already gone
      }
    };
    const limit = setTimeout(() => {
      output += `\n(stopped after ${RUN_LIMIT_MS / 1000} s)\n`;
      signalGroup('SIGTERM');
      setTimeout(() => signalGroup('SIGKILL'), 5000).unref();
    }, RUN_LIMIT_MS);
    p.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, output });
    });
  });
}

/** Python 3.11 breaks torchrun 1.13's default --redirects 0 (Std.from_str('0') gives None); 1 works. */
function torchrunWorkaround(version: string): string[] {
  return version.startsWith('1.') ? ['--redirects', '1', '--tee', '1'] : [];
}

let pytorchVersion = '';
let libtorchVersion = '';

/** One run: its images per second over the measured steps, all processes together. */
async function once(side: Side, nproc: number, run: number): Promise<number> {
  const out = path.join(scratch, `${side}-${nproc}-${run}`);
  // Enough images that every process has warm-up + measured steps of a full batch.
  const args = ['--epochs', '1', '--batch-size', `${batch}`, '--limit', `${(warmup + steps) * batch * nproc}`, '--steps', `${warmup + steps}`,
    '--warmup-steps', `${warmup}`, '--threads', '1', '--out', out];
  const r = side === 'torchnode'
    ? await exec(process.execPath, ['--import', 'tsx', '-e', "require('./lib/cli/main').main(process.argv.slice(1)).then((c) => process.exit(c))",
      'run', '--standalone', '--nproc-per-node', `${nproc}`, 'examples/ddp.ts', ...args])
    : await exec(python, ['-m', 'torch.distributed.run', '--standalone', '--monitor_interval', '0.5', '--nproc_per_node', `${nproc}`, ...torchrunWorkaround(pytorchVersion), 'scripts/ddp_cnn.py', ...args]);
  const file = path.join(out, 'ddp.json');
  if (r.code !== 0 || !fs.existsSync(file)) throw new Error(`${side} on ${nproc} process(es) failed (exit ${r.code}):\n${r.output}`);
  const result = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (result.world_size !== nproc || result.threads !== 1 || result.throughput?.steps !== steps) {
    throw new Error(`${side}: unexpected run ${JSON.stringify({ world_size: result.world_size, threads: result.threads, throughput: result.throughput })}`);
  }
  if (side === 'torchnode') libtorchVersion = result.libtorch;
  return result.throughput.images_per_second;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const cell = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;

async function main(): Promise<void> {
  const v = await exec(python, ['-c', 'import torch; print(torch.__version__)']);
  if (v.code !== 0) throw new Error(`${python} cannot import torch:\n${v.output}`);
  pytorchVersion = v.output.trim().split('\n').at(-1)!;
  const load0 = os.loadavg();
  const results = new Map<string, number[]>();
  const t0 = performance.now();
  for (let run = 0; run < repeats; run++) {
    for (const nproc of processCounts) {
      // alternate which side goes first, so that a drift in the machine's load hits both
      const sides: Side[] = run % 2 === 0 ? ['torchnode', 'pytorch'] : ['pytorch', 'torchnode'];
      for (const side of sides) {
        const ips = await once(side, nproc, run);
        const key = `${side}:${nproc}`;
        results.set(key, [...(results.get(key) ?? []), ips]);
        console.error(`run ${run + 1}/${repeats}: ${side} on ${nproc} process(es): ${fmt(ips)} img/s`);
      }
    }
  }
  const load1 = os.loadavg();
  const cpus = os.cpus();
  console.log(`\nDDP training throughput, the chapter's CNN on Fashion-MNIST, batch ${batch} per process, 1 thread per process, ` +
    `${steps} steps after ${warmup} warm-up steps, median (min–max) of ${repeats} runs, images/s of all processes together` +
    `${mallocSettingsClause(env)}.`);
  console.log(`${new Date().toISOString().slice(0, 10)} on ${cpus.length} × ${cpus[0]?.model.trim()}; Node ${process.version}, torchnode on LibTorch ${libtorchVersion}, ` +
    `PyTorch ${pytorchVersion} (${python}); load average ${load0.map((l) => l.toFixed(2)).join(' ')} before, ${load1.map((l) => l.toFixed(2)).join(' ')} after; ` +
    `${((performance.now() - t0) / 1000).toFixed(0)} s.\n`);
  console.log('| processes | torchnode img/s | PyTorch img/s | torchnode / PyTorch |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const nproc of processCounts) {
    const ours = results.get(`torchnode:${nproc}`)!;
    const theirs = results.get(`pytorch:${nproc}`)!;
    console.log(`| ${nproc} | ${cell(ours)} | ${cell(theirs)} | ${(median(ours) / median(theirs)).toFixed(2)} |`);
  }
  const [first, ...rest] = processCounts;
  for (const nproc of rest) {
    const scale = (side: Side) => (median(results.get(`${side}:${nproc}`)!) / median(results.get(`${side}:${first}`)!)).toFixed(2);
    console.log(`| ${nproc} vs ${first}: scaling | ${scale('torchnode')}× | ${scale('pytorch')}× | |`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
