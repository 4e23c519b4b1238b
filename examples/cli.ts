// The training examples' command line. Everything here loads without LibTorch: the flags are
// parsed (and --help answered) first, and torchnode is imported only after that, so `--help`
// and flag mistakes answer at once instead of after LibTorch's ~3 s of loading.
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type * as Torch from '../lib/index';
import type { Example } from './train';

/** What the flags need to know about an example: nothing that loads torchnode. */
export interface ExampleInfo {
  name: string;
  description: string;
  defaults: { epochs: number; batchSize: number; lr: number };
}

export interface Options {
  epochs: number;
  batchSize: number;
  lr: number;
  device: string;
  seed: number;
  data: string;
  download: boolean;
  /** Train and test on the first `limit` images of each split only (a quick try); 0: all. */
  limit: number;
  out: string;
}

/** Where Debian's dataset-fashion-mnist package puts Fashion-MNIST (lib/datasets says the same). */
const DEBIAN_ROOT = '/usr/share/datasets/fashion-mnist';

/** The --data default: TORCHNODE_DATA when set, else Debian's package folder. */
export function defaultDataRoot(): string {
  return process.env.TORCHNODE_DATA || DEBIAN_ROOT;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function parseOptions(ex: ExampleInfo, argv = process.argv): Options {
  const program = new Command(ex.name)
    .description(ex.description)
    .option('--epochs <n>', 'training epochs', positiveInt, ex.defaults.epochs)
    .option('--batch-size <n>', 'batch size', positiveInt, ex.defaults.batchSize)
    .option('--lr <x>', 'learning rate', positiveNumber, ex.defaults.lr)
    .option('--device <device>', "'cpu', or 'cuda' / 'cuda:N' where LibTorch has CUDA", 'cpu')
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 0)
    .option('--data <dir>', 'Fashion-MNIST folder; TORCHNODE_DATA sets the default', defaultDataRoot())
    .option('--download', 'fetch Fashion-MNIST into --data first when it is not there (checksums verified)')
    .option('--limit <n>', 'use only the first n training and n test images (a quick try)', positiveInt)
    .option('--out <dir>', 'where the checkpoint, plot and results go', path.join(__dirname, 'out'))
    .addHelpText('after', '\nProgress: a bar on a terminal; otherwise a plain line every 10% of an epoch (at most one per 5 s;\nTORCHNODE_PROGRESS_SECONDS changes the 5 s).')
    .parse(argv);
  const opts = program.opts<Options>();
  return { ...opts, download: opts.download === true, limit: opts.limit ?? 0 };
}

/**
 * A clear answer for a device this build cannot use, naming the devices it has and the flag to
 * pass; undefined when `device` is usable. (LibTorch's own message lists all 19 device types
 * it knows, most of which no build of torchnode has.)
 */
export function deviceProblem(torch: typeof Torch, device: string): string | undefined {
  const cudaCount = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
  const cuda = cudaCount > 0
    ? `cuda (${cudaCount} device${cudaCount === 1 ? '' : 's'}: cuda:0${cudaCount > 1 ? `..cuda:${cudaCount - 1}` : ''})`
    : `cuda: not available — ${torch.version.cuda ? `LibTorch has CUDA ${torch.version.cuda} but sees no GPU` : 'LibTorch without CUDA'}`;
  const has = cudaCount > 0 ? `cpu, ${cuda}` : `cpu (${cuda})`;
  const use = cudaCount > 0 ? 'Use --device cpu or --device cuda.' : 'Use --device cpu.';
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(device);
  if (!m || (m[1] === 'cpu' && m[2] !== undefined)) return `--device ${device}: unknown device. This build has: ${has}. ${use}`;
  if (m[1] === 'cuda' && cudaCount === 0) return `--device ${device}: CUDA is not available. This build has: ${has}. ${use}`;
  if (m[1] === 'cuda' && m[2] !== undefined && Number(m[2]) >= cudaCount) {
    return `--device ${device}: there is no such CUDA device. This build has: ${has}. ${use}`;
  }
  return undefined;
}

/**
 * Runs a training example as a program: flags first, then torchnode and the example (`load`
 * imports them), then the training. Errors are one line on stderr and exit status 1.
 */
export function exampleMain(info: ExampleInfo, load: () => Promise<Example>): void {
  const opts = parseOptions(info);
  (async () => {
    const [{ run }, ex] = await Promise.all([import('./train'), load()]);
    await run(ex, opts);
  })().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
