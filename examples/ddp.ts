// The chapter's CNN on Fashion-MNIST, trained on several processes with DistributedDataParallel:
//
//   npx torchnode run --nproc-per-node 2 examples/ddp.ts [--epochs 3 --batch-size 64 --limit 2000 ...]
//
// Every process builds the same model (DDP broadcasts rank 0's weights anyway), takes its own
// share of each epoch's shuffled indices (DistributedSampler, set_epoch), and trains on batches
// of --batch-size images: the batch is per process, as in PyTorch's DDP tutorial, so one step
// sees batch-size × world-size images and the gradients DDP averages during backward are those
// of that global batch. Rank 0 prints the progress (its own running loss; images counted over
// all processes), and each epoch's summary (loss and accuracy summed over all processes; the
// test split evaluated in shares, one per process) and saves the checkpoint of ddp.module.
// scripts/ddp_cnn.py is the PyTorch twin (torchrun), printing the same lines.
//
// Threads: N processes on a machine of N cores each want one intra-op thread (--threads, default 1).
// --accumulate K adds up K steps' gradients locally (ddp.no_sync) before each all-reduce and update.
//
// torchnode is imported after the flags are parsed, so `--help` answers before LibTorch loads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { defaultDataRoot, positiveInt } from './cli';
import type { EpochRecord } from './train';

export interface DdpOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  data: string;
  download: boolean;
  /** Train and test on the first `limit` images of each split only; 0: all. */
  limit: number;
  /** Stop each epoch after this many steps; 0: the whole epoch. */
  steps: number;
  /** Steps left out of the throughput figure at the start (start-up, allocator warm-up). */
  warmupSteps: number;
  /** Steps whose gradients add up locally (ddp.no_sync) before one all-reduce and optimizer step. */
  accumulate: number;
  /** Intra-op threads per process (default 1). */
  threads: number;
  /** Process-group timeout, seconds. */
  timeout: number;
  out: string;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer of 0 or more');
  return n;
}

export function parseDdpOptions(argv = process.argv): DdpOptions {
  const program = new Command('ddp')
    .description("the chapter's CNN on Fashion-MNIST with DistributedDataParallel; start it with npx torchnode run --nproc-per-node N")
    .option('--epochs <n>', 'training epochs', positiveInt, 3)
    .option('--batch-size <n>', 'batch size of each process (a step sees batch size × processes images)', positiveInt, 64)
    .option('--lr <x>', 'learning rate', positiveNumber, 0.05)
    .option('--seed <n>', 'random seed (model and shuffling; the same on every process)', (v) => Number.parseInt(v, 10), 0)
    .option('--data <dir>', 'Fashion-MNIST folder; TORCHNODE_DATA sets the default', defaultDataRoot())
    .option('--download', 'fetch Fashion-MNIST into --data first when it is not there (local rank 0 of each node)')
    .option('--limit <n>', 'use only the first n training and n test images (a quick try)', positiveInt)
    .option('--steps <n>', 'stop each epoch after n steps (a quick try, or a benchmark)', positiveInt)
    .option('--warmup-steps <n>', 'steps left out of the throughput line at the start', nonNegativeInt, 0)
    .option('--accumulate <k>', 'add up the gradients of k steps locally (ddp.no_sync) before each all-reduce and optimizer step', positiveInt, 1)
    .option('--threads <n>', 'intra-op threads per process', positiveInt, 1)
    .option('--timeout <seconds>', 'process-group timeout: a collective waiting longer for a peer fails', positiveNumber, 1800)
    .option('--out <dir>', 'where rank 0 writes the checkpoint (ddp.pt) and the results (ddp.json)', path.join(__dirname, 'out'))
    .parse(argv);
  const o = program.opts<DdpOptions>();
  return { ...o, download: o.download === true, limit: o.limit ?? 0, steps: o.steps ?? 0 };
}

/** One epoch's summary, over all processes (images_per_second: all processes' images). */
export type DdpEpochRecord = EpochRecord;

/** 2410.4 → "2,410". */
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export async function ddpMain(opts: DdpOptions): Promise<void> {
  const torch = await import('../lib/index');
  const { CNN } = await import('./models');
  const { loadSplit } = await import('./train');
  const { epochProgress } = await import('./progress');
  const dist = torch.distributed;

  // env:// reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT, which the launcher sets.
  if (process.env.WORLD_SIZE === undefined) {
    throw new Error('examples/ddp.ts runs under the launcher: npx torchnode run --nproc-per-node 2 examples/ddp.ts');
  }
  // One thread per process unless told otherwise: N processes with a thread per core each would
  // fight over the cores (the launcher's OMP_NUM_THREADS=1 says the same).
  torch.set_num_threads(opts.threads);
  dist.init_process_group('gloo', { timeout: opts.timeout * 1000 });
  const rank = dist.get_rank();
  const world = dist.get_world_size();
  const lead = rank === 0;
  const log = (line: string) => {
    if (lead) console.log(line);
  };
  if (opts.download) {
    // One download per node (its local rank 0); the others wait for it at the barrier.
    if (process.env.LOCAL_RANK === '0') await torch.datasets.FashionMNIST.download(opts.data);
    dist.barrier();
  }
  torch.manual_seed(opts.seed);
  const [trainX, trainY] = loadSplit(opts.data, true, 'cpu', opts.limit);
  const [testX, testY] = loadSplit(opts.data, false, 'cpu', opts.limit);
  const model = new CNN(1, 64 * 7 * 7);
  // Broadcasts rank 0's parameters, then averages gradients in buckets during backward.
  const ddp = new torch.nn.parallel.DistributedDataParallel(model);
  const optimizer = new torch.optim.SGD(ddp.parameters(), { lr: opts.lr, momentum: 0.9 });
  const criterion = new torch.nn.CrossEntropyLoss();
  const dataset = new torch.utils.data.TensorDataset(trainX, trainY);
  const sampler = new torch.utils.data.DistributedSampler(dataset, { shuffle: true, seed: opts.seed });
  const loader = new torch.utils.data.DataLoader(dataset, { batch_size: opts.batchSize, sampler });
  const stepsPerEpoch = opts.steps > 0 ? Math.min(opts.steps, loader.length) : loader.length;
  const updatesPerEpoch = Math.ceil(stepsPerEpoch / opts.accumulate);
  const scheduler = new torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, opts.epochs * updatesPerEpoch);

  log(`ddp: the chapter's CNN on ${world} processes (gloo), DistributedDataParallel`);
  log(
    `${trainX.size(0)} training and ${testX.size(0)} test images; ${opts.epochs} epochs of ${stepsPerEpoch} steps, batch ${opts.batchSize} per process ` +
      `(${opts.batchSize * world} per step${opts.accumulate > 1 ? `, ${opts.accumulate} steps per update` : ''}), lr ${opts.lr}, seed ${opts.seed}, ` +
      `${torch.get_num_threads()} thread(s) per process; torchnode ${torch.version.torchnode} on LibTorch ${torch.version.libtorch}`,
  );

  // The test split in contiguous shares, one per process, whose correct counts are summed.
  const testShare = (): [number, number] => {
    const n = testX.size(0);
    const per = Math.ceil(n / world);
    const start = Math.min(n, rank * per);
    return [start, Math.min(n, start + per) - start];
  };
  const testAccuracy = (): number => {
    const [start, count] = testShare();
    let correct = 0;
    ddp.eval();
    torch.no_grad(() => {
      for (let i = 0; i < count; i += 1000) {
        torch.tidy(() => {
          const x = testX.narrow(0, start + i, Math.min(1000, count - i));
          const y = testY.narrow(0, start + i, x.size(0));
          correct += ddp.module.forward(x).argmax(1).eq(y).sum().item() as number;
        });
      }
    });
    ddp.train();
    const total = torch.tensor([correct], { dtype: torch.float64 });
    dist.all_reduce(total);
    return (total.item() as number) / testX.size(0);
  };

  const records: DdpEpochRecord[] = [];
  // The throughput counts the steps after the first --warmup-steps of the run, and only the time
  // spent in them (not the evaluations between epochs).
  let step = 0;
  let measuredSteps = 0;
  let measuredSeconds = 0;
  // What one process trains on per epoch: --steps batches, or its whole share (the last batch may be short).
  const imagesPerEpoch = Math.min(stepsPerEpoch * opts.batchSize, sampler.length);
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    sampler.set_epoch(epoch - 1); // every process the same epoch: the same permutation, shared out
    ddp.train();
    const progress = lead ? epochProgress({ epoch, epochs: opts.epochs, batches: stepsPerEpoch, images: imagesPerEpoch * world }) : undefined;
    const started = performance.now();
    let stepStarted = started;
    let seen = 0;
    let lossSum = 0;
    let correct = 0;
    let running = 0;
    let i = 0;
    optimizer.zero_grad();
    for await (const [x, y] of loader) {
      if (i === stepsPerEpoch) {
        x.dispose();
        y.dispose();
        break;
      }
      const update = (i + 1) % opts.accumulate === 0 || i + 1 === stepsPerEpoch;
      const forwardBackward = () =>
        torch.tidy(() => {
          const logits = ddp.forward(x);
          const loss = criterion.forward(logits, y);
          // Accumulated steps add up: each one's share of the update's mean.
          (opts.accumulate > 1 ? loss.div(opts.accumulate) : loss).backward();
          const l = loss.item() as number;
          running = seen === 0 ? l : 0.98 * running + 0.02 * l;
          lossSum += l * y.size(0);
          correct += logits.argmax(1).eq(y).sum().item() as number;
        });
      // Without an update the gradients only add up here; the step that updates all-reduces them.
      if (update) forwardBackward();
      else ddp.no_sync(forwardBackward);
      if (update) {
        optimizer.step();
        scheduler.step();
        optimizer.zero_grad();
      }
      seen += y.size(0);
      x.dispose();
      y.dispose();
      i++;
      step++;
      const now = performance.now();
      if (step > opts.warmupSteps) {
        measuredSteps++;
        measuredSeconds += (now - stepStarted) / 1000;
      }
      stepStarted = now;
      progress?.update(seen * world, running, (seen * world) / ((now - started) / 1000));
    }
    progress?.stop();
    const seconds = (performance.now() - started) / 1000;
    // Loss, accuracy and image counts summed over the processes (float64: exact counts).
    const sums = torch.tensor([lossSum, correct, seen], { dtype: torch.float64 });
    dist.all_reduce(sums);
    const [lossAll, correctAll, seenAll] = sums.tolist() as number[];
    const rec: DdpEpochRecord = {
      epoch,
      train_loss: lossAll / seenAll,
      train_accuracy: correctAll / seenAll,
      test_accuracy: testAccuracy(),
      seconds,
      images_per_second: seenAll / seconds,
    };
    records.push(rec);
    log(
      `epoch ${epoch}/${opts.epochs}  train loss ${rec.train_loss.toFixed(4)}  train acc ${(rec.train_accuracy * 100).toFixed(2)}%  ` +
        `test acc ${(rec.test_accuracy * 100).toFixed(2)}%  ${seconds.toFixed(1)} s (${thousands(rec.images_per_second)} img/s on ${world} processes)`,
    );
  }
  // Every process trains the same number of steps of the same size (the sampler pads), so
  // rank 0's clock times all of them.
  const throughput = measuredSteps > 0
    ? { steps: measuredSteps, images: measuredSteps * opts.batchSize * world, seconds: measuredSeconds, images_per_second: (measuredSteps * opts.batchSize * world) / measuredSeconds }
    : undefined;
  if (throughput) {
    log(`throughput ${thousands(throughput.images_per_second)} img/s on ${world} processes (${throughput.steps} steps after ${opts.warmupSteps} warm-up steps, ${throughput.seconds.toFixed(2)} s)`);
  }

  if (lead) {
    fs.mkdirSync(opts.out, { recursive: true });
    // The wrapped model's weights, without DDP's 'module.' prefix: a plain CNN loads them.
    // Written beside the target and renamed over it, so a reader never sees half a file.
    const checkpoint = path.join(opts.out, 'ddp.pt');
    const partial = `${checkpoint}.${process.pid}.partial`;
    torch.save(ddp.module.state_dict(), partial);
    fs.renameSync(partial, checkpoint);
    const results = path.join(opts.out, 'ddp.json');
    const record = { example: 'ddp', implementation: 'torchnode', libtorch: torch.version.libtorch, world_size: world, threads: torch.get_num_threads(), options: opts, epochs: records, throughput };
    fs.writeFileSync(`${results}.partial`, JSON.stringify(record, null, 2));
    fs.renameSync(`${results}.partial`, results);
    log(`saved ${path.relative(process.cwd(), checkpoint)} (a plain CNN loads it; torch.load opens it) and ${path.relative(process.cwd(), results)}`);
  }
  trainX.dispose();
  trainY.dispose();
  testX.dispose();
  testY.dispose();
  // Every rank ends together, after rank 0 has saved (as the twin must: see scripts/ddp_cnn.py).
  // Only after success: after a failure the process exits, and the peers have their own error.
  dist.barrier();
  dist.destroy_process_group();
}

if (require.main === module) {
  const opts = parseDdpOptions();
  ddpMain(opts).catch((e) => {
    // One line naming the rank: with N processes failing at once, which one said what matters.
    const who = process.env.RANK !== undefined ? ` rank ${process.env.RANK} of ${process.env.WORLD_SIZE}` : '';
    const message = e instanceof Error ? e.message : String(e);
    // gloo's words for a peer whose sockets closed under it: say what that usually means.
    const peerGone = /connection (reset|closed)|closed by peer|broken pipe/i.test(message) ? ' (another rank has stopped: its own output says why)' : '';
    console.error(`ddp:${who} failed: ${message}${peerGone}`);
    process.exit(1);
  });
}
