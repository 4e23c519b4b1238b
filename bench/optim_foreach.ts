// Single-tensor against foreach optimizer steps, ours and PyTorch's, on many small parameters
// (200 Linear(16, 16) layers: 400 tensors), fixed gradients, one thread. Prints µs per step for
// each side and path over several runs. Run: npx tsx bench/optim_foreach.ts [runs] [steps]
// (TORCHNODE_ORACLE_PYTHON picks the PyTorch; /usr/bin/python3 by default, the 1.13 twin of the default build).
import { spawnSync } from 'node:child_process';
import * as torch from '../lib/index';

const runs = Number(process.argv[2] ?? 5);
const steps = Number(process.argv[3] ?? 50);
const LAYERS = 200;
const WIDTH = 16;
torch.set_num_threads(1);

function makeParams(): torch.Tensor[] {
  torch.manual_seed(0);
  const params: torch.Tensor[] = [];
  for (let i = 0; i < LAYERS; i++) {
    for (const shape of [[WIDTH, WIDTH], [WIDTH]]) {
      const p = torch.keep(new torch.nn.Parameter(torch.randn(shape)));
      p.grad = torch.randn(shape);
      params.push(p);
    }
  }
  return params;
}

function ours(foreach: boolean): number {
  const params = makeParams();
  const opt = new torch.optim.Adam(params, { lr: 1e-3, foreach });
  for (let i = 0; i < 5; i++) opt.step(); // warm-up: state made, kernels resolved
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) opt.step();
  return Number(process.hrtime.bigint() - t0) / 1e3 / steps;
}

const PY = `
import sys, time, torch
torch.set_num_threads(1)
runs, steps = int(sys.argv[1]), int(sys.argv[2])
def bench(foreach):
    torch.manual_seed(0)
    params = []
    for _ in range(${LAYERS}):
        for shape in [(${WIDTH}, ${WIDTH}), (${WIDTH},)]:
            p = torch.nn.Parameter(torch.randn(shape)); p.grad = torch.randn(shape); params.append(p)
    opt = torch.optim.Adam(params, lr=1e-3, foreach=foreach)
    for _ in range(5): opt.step()
    t0 = time.perf_counter_ns()
    for _ in range(steps): opt.step()
    return (time.perf_counter_ns() - t0) / 1e3 / steps
for _ in range(runs):
    print(bench(False), bench(True))
`;

function theirs(): [number, number][] {
  const python = process.env.TORCHNODE_ORACLE_PYTHON || process.env.TORCHNODE_PYTHON || '/usr/bin/python3';
  const r = spawnSync(python, ['-c', PY, String(runs), String(steps)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch side failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
}

const rows: string[] = [];
const py = theirs();
for (let r = 0; r < runs; r++) {
  const single = ours(false);
  const fe = ours(true);
  rows.push(`run ${r + 1}: torchnode single ${single.toFixed(0)} µs, foreach ${fe.toFixed(0)} µs | PyTorch single ${py[r][0].toFixed(0)} µs, foreach ${py[r][1].toFixed(0)} µs`);
}
console.log(`Adam step, ${LAYERS * 2} parameter tensors (${LAYERS} x Linear(${WIDTH}, ${WIDTH})), LibTorch ${torch.version.libtorch}, 1 thread, ${steps} steps per run`);
for (const row of rows) console.log(row);
