// The training harness the three examples share: Fashion-MNIST loading, progress per epoch
// (examples/progress.ts), per-epoch summaries, a checkpoint that Python's torch.load opens, and
// a plot. The flags are examples/cli.ts's, parsed before this module (and LibTorch) loads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as torch from '../lib/index';
import { deviceProblem, parseOptions, type ExampleInfo, type Options } from './cli';
import { epochProgress } from './progress';

export { parseOptions, type Options } from './cli';

type Tensor = torch.Tensor;

export interface Example extends ExampleInfo {
  /** Builds the model; the data is 1×28×28 Fashion-MNIST images, normalised. */
  model(): torch.nn.Module<[Tensor], Tensor>;
  optimizer(params: torch.Tensor[], lr: number): torch.optim.Optimizer;
  /** Turns a batch [N, 1, 28, 28] into the model's input (e.g. [N, 28, 28] rows for sequence models). */
  input(images: Tensor): Tensor;
  /** Optional training-time augmentation of a batch [N, 1, 28, 28]. */
  augment?(images: Tensor): Tensor;
  /** Optional learning-rate schedule, stepped after every batch; totalSteps covers all epochs. */
  scheduler?(optimizer: torch.optim.Optimizer, totalSteps: number): { step(): void };
}

// Fashion-MNIST's pixel mean and standard deviation over the training set (scaled to [0, 1]).
const MEAN = 0.286;
const STD = 0.353;

/**
 * Loads a split as normalised float images [N, 1, 28, 28] and int64 labels [N] on the device;
 * with a limit, only its first `limit` images and labels.
 */
export function loadSplit(root: string, train: boolean, device: string, limit = 0): [Tensor, Tensor] {
  const ds = new torch.datasets.FashionMNIST(root, { train });
  const n = limit > 0 ? Math.min(limit, ds.length) : ds.length;
  const images = torch.tidy(() => ds.data.narrow(0, 0, n).unsqueeze(1).float().div(255).sub(MEAN).div(STD).to(device));
  return [torch.keep(images), torch.keep(torch.tidy(() => ds.targets.narrow(0, 0, n).to(device)))];
}

function accuracy(model: torch.nn.Module<[Tensor], Tensor>, ex: Example, images: Tensor, labels: Tensor): number {
  model.eval();
  let correct = 0;
  torch.no_grad(() => {
    for (let i = 0; i < images.size(0); i += 1000) {
      torch.tidy(() => {
        const x = images.narrow(0, i, Math.min(1000, images.size(0) - i));
        const y = labels.narrow(0, i, x.size(0));
        correct += model.forward(ex.input(x)).argmax(1).eq(y).sum().item() as number;
      });
    }
  });
  return correct / images.size(0);
}

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_accuracy: number;
  seconds: number;
  images_per_second: number;
}

export async function run(ex: Example, opts: Options = parseOptions(ex)): Promise<EpochRecord[]> {
  const problem = deviceProblem(torch, opts.device);
  if (problem) throw new Error(problem);
  if (opts.download) await torch.datasets.FashionMNIST.download(opts.data);
  torch.manual_seed(opts.seed);
  const [trainX, trainY] = loadSplit(opts.data, true, opts.device, opts.limit);
  const [testX, testY] = loadSplit(opts.data, false, opts.device, opts.limit);
  const model = ex.model().to(torch.device(opts.device));
  const optimizer = ex.optimizer(model.parameters(), opts.lr);
  const criterion = new torch.nn.CrossEntropyLoss();
  const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(trainX, trainY), {
    batch_size: opts.batchSize,
    shuffle: true,
  });
  const scheduler = ex.scheduler?.(optimizer, opts.epochs * loader.length);
  console.log(`${ex.name}: ${ex.description}`);
  console.log(`${trainX.size(0)} training and ${testX.size(0)} test images; ${opts.epochs} epochs, batch ${opts.batchSize}, lr ${opts.lr}, ${opts.device}, seed ${opts.seed}; torchnode ${torch.version.torchnode} on LibTorch ${torch.version.libtorch}`);

  const records: EpochRecord[] = [];
  const steps: { step: number; loss: number }[] = [];
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    model.train();
    const progress = epochProgress({ epoch, epochs: opts.epochs, batches: loader.length, images: trainX.size(0) });
    const started = performance.now();
    let seen = 0;
    let lossSum = 0;
    let correct = 0;
    let running = 0;
    for await (const [x, y] of loader) {
      torch.tidy(() => {
        const input = ex.input(ex.augment ? ex.augment(x) : x);
        optimizer.zero_grad();
        const logits = model.forward(input);
        const loss = criterion.forward(logits, y);
        loss.backward();
        optimizer.step();
        scheduler?.step();
        const l = loss.item() as number;
        running = seen === 0 ? l : 0.98 * running + 0.02 * l;
        lossSum += l * y.size(0);
        correct += logits.argmax(1).eq(y).sum().item() as number;
      });
      seen += y.size(0);
      steps.push({ step: steps.length + 1, loss: running });
      x.dispose();
      y.dispose();
      const elapsed = (performance.now() - started) / 1000;
      progress.update(seen, running, seen / elapsed);
    }
    progress.stop();
    const seconds = (performance.now() - started) / 1000;
    const rec: EpochRecord = {
      epoch,
      train_loss: lossSum / seen,
      train_accuracy: correct / seen,
      test_accuracy: accuracy(model, ex, testX, testY),
      seconds,
      images_per_second: seen / seconds,
    };
    records.push(rec);
    console.log(
      `epoch ${epoch}/${opts.epochs}  train loss ${rec.train_loss.toFixed(4)}  train acc ${(rec.train_accuracy * 100).toFixed(2)}%  ` +
        `test acc ${(rec.test_accuracy * 100).toFixed(2)}%  ${seconds.toFixed(1)} s (${Math.round(rec.images_per_second)} img/s)`,
    );
  }

  fs.mkdirSync(opts.out, { recursive: true });
  const checkpoint = path.join(opts.out, `${ex.name}.pt`);
  torch.save(model.state_dict(), checkpoint);
  const plot = path.join(opts.out, `${ex.name}.svg`);
  const { writePlot } = await import('./plot'); // vega is large: loaded when the plot is drawn
  await writePlot(plot, ex.name, steps, records);
  const results = path.join(opts.out, `${ex.name}.json`);
  fs.writeFileSync(results, JSON.stringify({ example: ex.name, options: opts, epochs: records }, null, 2));
  console.log(`saved ${path.relative(process.cwd(), checkpoint)} (torch.load opens it), ${path.relative(process.cwd(), plot)} and ${path.relative(process.cwd(), results)}`);
  return records;
}
