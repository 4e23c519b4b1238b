// One soak run in its own process (bench/soak.ts starts it): argv = steps every batch mode.
// Prints one JSON line {step, rss_mb, live_tensors, seconds} every `every` steps.
import * as torch from '../../lib/index';
import { CNN } from '../../examples/models';

const [steps, every, batch] = process.argv.slice(2, 5).map(Number);
const mode = process.argv[5] ?? 'tidy';

torch.set_num_threads(Number(process.env.OMP_NUM_THREADS ?? 1));
torch.manual_seed(0);
const model = new CNN(1, 64 * 7 * 7);
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const lossFn = new torch.nn.CrossEntropyLoss();
const t0 = performance.now();

const step = (): void => {
  const x = torch.randn(batch, 1, 28, 28), y = torch.randint(0, 10, [batch]);
  opt.zero_grad();
  lossFn.forward(model.forward(x), y).backward();
  opt.step();
};

const report = (i: number): void => {
  const line = { step: i, rss_mb: process.memoryUsage().rss / 2 ** 20, live_tensors: torch.memory_stats().live_tensors, seconds: (performance.now() - t0) / 1000 };
  console.log(JSON.stringify(line));
};

report(0);
for (let i = 1; i <= steps; i++) {
  if (mode === 'gc') step();
  else torch.tidy(step);
  if (i % every === 0) report(i);
}
