// The parity run of the CNN example: the same training, from the same seed, with batches taken
// in order, in torchnode and in PyTorch (scripts/cnn_fashion_mnist.py) on the same LibTorch.
// Prints the largest relative difference between the two loss curves and the training
// throughput of each side.
//
//   npm run example:parity -- --steps 200
//
// torchnode is imported after the flags are parsed, so `--help` answers before LibTorch loads.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import { cnnExample, cnnInfo } from './cnn';
import { defaultDataRoot, positiveInt } from './cli';

export interface ParityResult {
  ours: { losses: number[]; images_per_second: number };
  pytorch: { losses: number[]; images_per_second: number; torch: string; threads: number };
  max_relative_difference: number;
}

export async function trainInOrder(steps: number, batchSize: number, lr: number, seed: number, data: string): Promise<ParityResult['ours']> {
  const torch = await import('../lib/index');
  const { loadSplit } = await import('./train');
  const cnn = await cnnExample();
  torch.manual_seed(seed);
  const [images, labels] = loadSplit(data, true, 'cpu');
  if (steps * batchSize > images.size(0)) throw new RangeError('steps × batch size must fit in one epoch (60000 images)');
  const model = cnn.model();
  const optimizer = cnn.optimizer(model.parameters(), lr);
  const criterion = new torch.nn.CrossEntropyLoss();
  const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(images, labels), { batch_size: batchSize });
  // The example's schedule, sized for its default epochs, as scripts/cnn_fashion_mnist.py sizes it.
  const scheduler = cnn.scheduler?.(optimizer, cnn.defaults.epochs * loader.length);
  model.train();
  const losses: number[] = [];
  const started = performance.now();
  for (const [x, y] of loader) {
    if (losses.length === steps) break;
    torch.tidy(() => {
      optimizer.zero_grad();
      const loss = criterion.forward(model.forward(cnn.input(x)), y);
      loss.backward();
      optimizer.step();
      scheduler?.step();
      losses.push(loss.item() as number);
    });
    x.dispose();
    y.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  images.dispose();
  labels.dispose();
  return { losses, images_per_second: (steps * batchSize) / seconds };
}

export async function parityRun(steps = 200, batchSize = 64, lr = cnnInfo.defaults.lr, seed = 0, data = defaultDataRoot()): Promise<ParityResult> {
  const ours = await trainInOrder(steps, batchSize, lr, seed, data);
  const script = path.join(__dirname, '..', 'scripts', 'cnn_fashion_mnist.py');
  const args = [script, '--steps', `${steps}`, '--batch-size', `${batchSize}`, '--lr', `${lr}`, '--seed', `${seed}`, '--data', data, '--epochs', `${cnnInfo.defaults.epochs}`];
  const python = process.env.TORCHNODE_ORACLE_PYTHON || process.env.TORCHNODE_PYTHON || '/usr/bin/python3';
  const pytorch = JSON.parse(execFileSync(python, args, { encoding: 'utf8' }));
  let max = 0;
  for (let i = 0; i < steps; i++) max = Math.max(max, Math.abs(ours.losses[i] - pytorch.losses[i]) / Math.abs(pytorch.losses[i]));
  return { ours, pytorch, max_relative_difference: max };
}

async function main(): Promise<void> {
  const opts = new Command('parity')
    .description('the CNN example and its PyTorch twin, side by side')
    .option('--steps <n>', 'training steps', positiveInt, 200)
    .option('--batch-size <n>', 'batch size', positiveInt, 64)
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 0)
    .option('--data <dir>', 'Fashion-MNIST folder; TORCHNODE_DATA sets the default', defaultDataRoot())
    .parse()
    .opts();
  const r = await parityRun(opts.steps, opts.batchSize, cnnInfo.defaults.lr, opts.seed, opts.data);
  const torch = await import('../lib/index');
  const last = opts.steps - 1;
  console.log(`CNN on Fashion-MNIST, ${opts.steps} steps of batch ${opts.batchSize}, seed ${opts.seed}, no shuffling; ${torch.get_num_threads()} threads`);
  console.log(`loss at step 1:   torchnode ${r.ours.losses[0].toFixed(6)}  PyTorch ${r.pytorch.losses[0].toFixed(6)}`);
  console.log(`loss at step ${opts.steps}: torchnode ${r.ours.losses[last].toFixed(6)}  PyTorch ${r.pytorch.losses[last].toFixed(6)}`);
  console.log(`largest relative loss difference over all steps: ${r.max_relative_difference.toExponential(2)}`);
  console.log(`training throughput: torchnode ${Math.round(r.ours.images_per_second)} img/s, PyTorch ${r.pytorch.torch} ${Math.round(r.pytorch.images_per_second)} img/s (ratio of times ${(r.pytorch.images_per_second / r.ours.images_per_second).toFixed(2)})`);
  if (r.max_relative_difference > 1e-4) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
