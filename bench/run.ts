// npm run bench: each case runs here (torchnode) and in a persistent PyTorch process on the same
// LibTorch, alternating, several repeats; prints the median per iteration and the ratio, and
// writes bench/results/latest.{json,md}. Both sides get the same thread settings.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '5' },
    filter: { type: 'string' },
    readme: { type: 'boolean', default: false },
  },
});
const threads = opts.threads!;

// OpenBLAS and OpenMP read their thread counts when they load, so this process re-runs itself
// with them set; the Python side inherits the same environment.
if (process.env.TORCHNODE_BENCH_CHILD !== threads) {
  const env = { ...process.env, TORCHNODE_BENCH_CHILD: threads, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads };
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2)], { env, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

async function main(): Promise<void> {
  const torch = await import('../lib/index');
  const { cases } = await import('./cases');
  torch.set_num_threads(Number(threads));
  const python = process.env.TORCHNODE_PYTHON ?? '/usr/bin/python3';
  const py = spawn(python, [path.join(__dirname, 'torch_side.py'), threads], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  const pyVersion = (await next()).split(' ')[1];

  const repeats = Number(opts.repeats);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows: { case: string; ours_us: number; pytorch_us: number; ratio: number }[] = [];
  for (const c of cases.filter((c) => !opts.filter || c.name.includes(opts.filter))) {
    c.run(Math.max(1, Math.floor(c.iterations / 10))); // warm-up
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      ours.push(c.run(c.iterations) / c.iterations);
      py.stdin!.write(`${c.python} ${c.iterations}\n`);
      theirs.push(Number(await next()));
    }
    const row = { case: c.name, ours_us: median(ours) / 1000, pytorch_us: median(theirs) / 1000, ratio: median(ours) / median(theirs) };
    rows.push(row);
    console.log(`${row.case.padEnd(42)} ours ${fmt(row.ours_us).padStart(10)} µs   PyTorch ${fmt(row.pytorch_us).padStart(10)} µs   ratio ${row.ratio.toFixed(2)}`);
  }
  py.stdin!.end();

  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
  const meta = {
    date: new Date().toISOString(), machine, node: process.version, libtorch: torch.version.libtorch,
    pytorch: pyVersion, threads: Number(threads), repeats, env: `OMP_NUM_THREADS=${threads} OPENBLAS_NUM_THREADS=${threads}`,
  };
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify({ meta, rows }, null, 2));
  const md = [
    `Measured ${meta.date.slice(0, 10)} on ${machine}; Node ${meta.node}, LibTorch ${meta.libtorch} (PyTorch ${meta.pytorch}), ${meta.env}, median of ${repeats}.`,
    '',
    '| case | torchnode | PyTorch | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.case} | ${fmt(r.ours_us)} µs | ${fmt(r.pytorch_us)} µs | ${r.ratio.toFixed(2)} |`),
  ].join('\n');
  fs.writeFileSync(path.join(outDir, 'latest.md'), md + '\n');
  console.log(`\n${md}`);
  if (opts.readme) {
    // --readme: replace the table between the bench markers in README.md.
    const readme = path.join(__dirname, '..', 'README.md');
    const text = fs.readFileSync(readme, 'utf8');
    const updated = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${md}\n<!-- bench:end -->`);
    fs.writeFileSync(readme, updated);
  }
}

function fmt(us: number): string {
  return us < 10 ? us.toFixed(3) : us < 1000 ? us.toFixed(1) : us.toFixed(0);
}

void main();
