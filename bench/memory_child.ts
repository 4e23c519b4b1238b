// Peak RSS of a plain CNN training loop (chapter CNN, batch 64, 3×24×24, SGD momentum), run by
// bench/memory.ts in a fresh process. Written as a user would: a fresh batch each step and one
// torch.tidy around the step (README "Memory"). Its twin is `torch_side.py THREADS memory STEPS`.
import * as fs from 'node:fs';
import './measured_library'; // first: it decides what ../lib/index is
import * as torch from '../lib/index';
import { CNN } from '../examples/models';

const steps = Number(process.argv[2] ?? 2000);
// 'gc': the same loop with no memory code at all, left to the GC-time finalizers.
const mode = process.argv[3] ?? 'tidy';

/**
 * Peak RSS in KiB. On Linux, getrusage's maxrss (process.resourceUsage().maxRSS) keeps the
 * parent's peak across fork + exec, so a child of the big benchmark process would report the
 * parent's size; VmHWM belongs to this process's own address space.
 */
function peakKb(): number {
  try {
    return Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
}
torch.set_num_threads(Number(process.env.OMP_NUM_THREADS ?? 1));
torch.manual_seed(0);
const model = new CNN();
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const lossFn = new torch.nn.CrossEntropyLoss();
const before = peakKb();
const t = performance.now();
const step = () => {
  const x = torch.randn(64, 3, 24, 24), y = torch.randint(0, 10, [64]);
  opt.zero_grad();
  lossFn.forward(model.forward(x), y).backward();
  opt.step();
};
for (let i = 0; i < steps; i++) {
  if (mode === 'gc') step();
  else torch.tidy(step);
}
console.log(JSON.stringify({ before_kb: before, peak_kb: peakKb(), seconds: (performance.now() - t) / 1000 }));
