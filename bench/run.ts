// npm run bench: each case runs here (torchnode) and in a persistent PyTorch process on the same
// LibTorch, alternating, several repeats; prints the median per iteration and the ratio, and
// writes bench/results/latest.{json,md} (partial.{json,md} for a --filter run). Both sides get
// the same thread settings. CNN inference also runs in onnxruntime-node; last, the peak RSS of a
// training loop in fresh processes.
// Options: --threads N, --repeats N, --filter TEXT (case names containing it; A|B for either), --memory-steps N,
// --cpus LIST|none (the CPUs both sides are pinned to; default: the first N allowed), --library
// package|source (the package build, dist/, as users install it; or lib/ through tsx: see
// measured_library.ts), --readme (rewrite README.md's table).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { mallocSettingsClause, withSharedMalloc } from './malloc_settings';

const { values: opts } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '5' },
    filter: { type: 'string' },
    readme: { type: 'boolean', default: false },
    // steps of the peak-RSS training loop (0 skips it)
    'memory-steps': { type: 'string', default: '2000' },
    cpus: { type: 'string', default: 'auto' },
    // what is measured: the package build (dist/, built if stale) or the sources through tsx
    library: { type: 'string', default: 'package' },
  },
});
const threads = opts.threads!;
const library = opts.library!;
if (library !== 'package' && library !== 'source') {
  console.error(`--library is package or source, got ${library}`);
  process.exit(2);
}
const memorySteps = Number(opts['memory-steps']);
// A --filter run is partial: it goes to results/partial.*, never over latest.* or the README.
const outName = opts.filter ? 'partial' : 'latest';
if (opts.readme && opts.filter) {
  console.error('--readme needs the full suite: drop --filter');
  process.exit(2);
}

// OpenBLAS and OpenMP read their thread counts when they load, so this process re-runs itself
// with them set; the Python side inherits the same environment. On Linux it also re-runs pinned
// (taskset) to as many CPUs as threads, and every process it starts inherits that: on a shared
// 2-CPU machine, unpinned runs moved each side between CPUs whose speed differed from minute to
// minute, and one case's ratio ranged 0.88-2.15 over six runs; pinned, both sides alternate on
// the same CPU and the bench agrees with stand-alone scripts.
// Both sides also get torchnode's glibc malloc settings (bench/malloc_settings.ts).
if (process.env.TORCHNODE_BENCH_CHILD !== threads) {
  const env = withSharedMalloc({ ...process.env, TORCHNODE_BENCH_CHILD: threads, TORCHNODE_BENCH_LIBRARY: library, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads });
  const cpus = pinnedCpus(opts.cpus!, Number(threads));
  const self = [...process.execArgv, __filename, ...process.argv.slice(2)];
  if (cpus) env.TORCHNODE_BENCH_CPUS = cpus;
  else delete env.TORCHNODE_BENCH_CPUS;
  const [cmd, args] = cpus ? ['taskset', ['-c', cpus, process.execPath, ...self]] : [process.execPath, self];
  const r = spawnSync(cmd, args, { env, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

/** The CPU list to pin to (taskset -c syntax), or undefined to leave placement to the OS. */
function pinnedCpus(option: string, n: number): string | undefined {
  if (option === 'none') return undefined;
  if (option !== 'auto') return option;
  if (process.platform !== 'linux' || spawnSync('taskset', ['-V']).status !== 0) return undefined;
  // The CPUs this process may run on, e.g. "0-3,8": pin to the first n when that is fewer.
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  const allowed = list.split(',').flatMap((r) => {
    const [a, b = a] = r.split('-').map(Number);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
  return allowed.length > n ? allowed.slice(0, n).join(',') : undefined;
}

interface Row {
  case: string;
  unit: 'µs' | 'MB';
  ours: number;
  pytorch: number;
  /** ours / PyTorch: below 1 is faster (or smaller) */
  ratio: number;
  onnxruntime?: number;
  ratio_onnxruntime?: number;
}

async function main(): Promise<void> {
  if (library === 'package' && spawnSync('bash', [path.join(__dirname, '..', 'scripts', 'build_ts.sh')], { stdio: 'inherit' }).status !== 0) {
    throw new Error('building the package build (scripts/build_ts.sh) failed; see above');
  }
  await import('./measured_library');
  const torch = await import('../lib/index');
  const { allCases } = await import('./cases');
  const { measureMemory } = await import('./memory');
  torch.set_num_threads(Number(threads));
  // The PyTorch on the same LibTorch (scripts/libtorch2.sh sets TORCHNODE_ORACLE_PYTHON for 2.x).
  const python = process.env.TORCHNODE_ORACLE_PYTHON || process.env.TORCHNODE_PYTHON || '/usr/bin/python3';
  const proc = spawn(python, [path.join(__dirname, 'torch_side.py'), threads], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the PyTorch side (bench/torch_side.py) exited; see its error above');
    return String(r.value);
  };
  const [, pyVersion, pyCuda] = (await next()).split(' ');
  const py = { cuda: pyCuda === '1', request: (line: string) => (proc.stdin!.write(`${line}\n`), next()) };

  const repeats = Number(opts.repeats);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const selected = (name: string) => !opts.filter || opts.filter.split('|').some((f) => name.includes(f));
  const rows: Row[] = [];
  for (const c of (await allCases()).filter((c) => selected(c.name))) {
    if (c.python.includes('@cuda') && !py.cuda) {
      console.log(`${c.name}: skipped, CUDA is not available to PyTorch (${python})`);
      continue;
    }
    await c.prepare?.(py);
    const warm = c.warmup ?? Math.max(1, Math.floor(c.iterations / 10));
    if (warm > 0) {
      await c.run(warm);
      await c.peer?.run(warm);
    }
    const ours: number[] = [], theirs: number[] = [], peer: number[] = [];
    for (let r = 0; r < repeats; r++) {
      ours.push((await c.run(c.iterations)) / c.iterations);
      theirs.push(Number(await py.request(`${c.python} ${c.iterations}`)));
      if (c.peer) peer.push((await c.peer.run(c.iterations)) / c.iterations);
    }
    const row: Row = { case: c.name, unit: 'µs', ours: median(ours) / 1000, pytorch: median(theirs) / 1000, ratio: median(ours) / median(theirs) };
    if (c.peer && !Number.isNaN(median(peer))) Object.assign(row, { onnxruntime: median(peer) / 1000, ratio_onnxruntime: median(ours) / median(peer) });
    rows.push(row);
    printRow(row);
  }
  proc.stdin!.end();

  const memoryCase = `peak RSS, CNN training loop, ${memorySteps} steps`;
  if (memorySteps > 0 && selected(memoryCase)) {
    const [tidy, gc, theirs] = await measureMemory(memorySteps, python, threads);
    const mb = (r: { case: string }, ours: number, pytorch: number): Row => ({ ...r, unit: 'MB', ours: ours / 1024, pytorch: pytorch / 1024, ratio: ours / pytorch });
    for (const row of [
      mb({ case: `${memoryCase} (torch.tidy per step)` }, tidy.peak_kb, theirs.peak_kb),
      mb({ case: `${memoryCase} (no memory code: GC)` }, gc.peak_kb, theirs.peak_kb),
      mb({ case: 'RSS before that loop (runtime, library, model)' }, tidy.before_kb, theirs.before_kb),
    ]) {
      rows.push(row);
      printRow(row);
    }
    console.log(`  (loop time, three processes side by side: tidy ${tidy.seconds.toFixed(0)} s, GC ${gc.seconds.toFixed(0)} s, PyTorch ${theirs.seconds.toFixed(0)} s)`);
  }

  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
  const meta = {
    date: new Date().toISOString(), machine, node: process.version, libtorch: torch.version.libtorch,
    pytorch: pyVersion, threads: Number(threads), repeats,
    library: library === 'package' ? 'the package build (dist/)' : 'the sources through tsx (lib/)',
    env: `OMP_NUM_THREADS=${threads} OPENBLAS_NUM_THREADS=${threads}` +
      mallocSettingsClause(process.env) +
      (process.env.TORCHNODE_BENCH_CPUS ? `, both sides pinned to CPU ${process.env.TORCHNODE_BENCH_CPUS} (taskset)` : ''),
    wall_s: Math.round(performance.now() / 1000),
  };
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${outName}.json`), JSON.stringify({ meta, rows }, null, 2));
  const md = [
    `Measured ${meta.date.slice(0, 10)} on ${machine}; Node ${meta.node}, LibTorch ${meta.libtorch} (PyTorch ${meta.pytorch}), torchnode from ${meta.library}, ${meta.env}, median of ${repeats}. ` +
      `Ratios are torchnode / other: below 1, torchnode is faster or smaller. onnxruntime-node runs the same weights with ${threads} intra-op thread(s). ` +
      'RSS rows: peak resident memory (VmHWM) of one fresh process each.',
    '',
    '| case | torchnode | PyTorch | ratio | onnxruntime | torchnode / onnxruntime |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.case} | ${fmt(r.ours, r.unit)} | ${fmt(r.pytorch, r.unit)} | ${r.ratio.toFixed(2)} | ` +
      `${r.onnxruntime === undefined ? '' : fmt(r.onnxruntime, r.unit)} | ${r.ratio_onnxruntime?.toFixed(2) ?? ''} |`),
  ].join('\n');
  fs.writeFileSync(path.join(outDir, `${outName}.md`), md + '\n');
  console.log(`\n${md}`);
  if (opts.readme) {
    // --readme: replace the table between this LibTorch's bench markers in README.md.
    const readme = path.join(__dirname, '..', 'README.md');
    const tag = `libtorch-${torch.version.libtorch.split('.').slice(0, 2).join('.')}`;
    const [start, end] = [`<!-- bench:${tag}:start -->`, `<!-- bench:${tag}:end -->`];
    const text = fs.readFileSync(readme, 'utf8');
    if (!text.includes(start)) throw new Error(`README.md has no ${start} ... ${end} markers for this LibTorch's table`);
    fs.writeFileSync(readme, text.slice(0, text.indexOf(start)) + `${start}\n${md}\n` + text.slice(text.indexOf(end)));
  }
  console.log(`\ntotal ${meta.wall_s} s`);
}

function printRow(r: Row): void {
  const ort = r.onnxruntime === undefined ? '' : `   onnxruntime ${fmt(r.onnxruntime, r.unit).padStart(12)}   ours/ort ${r.ratio_onnxruntime!.toFixed(2)}`;
  console.log(`${r.case.padEnd(66)} ours ${fmt(r.ours, r.unit).padStart(12)}   PyTorch ${fmt(r.pytorch, r.unit).padStart(12)}   ratio ${r.ratio.toFixed(2)}${ort}`);
}

function fmt(v: number, unit: 'µs' | 'MB'): string {
  if (unit === 'MB') return `${v.toFixed(0)} MB`;
  return `${v < 10 ? v.toFixed(3) : v < 1000 ? v.toFixed(1) : v.toFixed(0)} µs`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
