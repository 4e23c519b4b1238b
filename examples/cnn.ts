// The chapter's CNN on Fashion-MNIST. Fashion-MNIST images are 1×28×28, so the first conv
// takes 1 channel and the flattened size is 64·7·7 (28 → 14 → 7 after two poolings); the
// architecture (conv 32 → 64, 2×2 max-pool, fc 128 → 10) is the chapter's.
//
// torchnode is imported inside cnnExample(), after the flags are parsed (examples/cli.ts), so
// `--help` answers before LibTorch loads.
import { exampleMain, type ExampleInfo } from './cli';
import type { Example } from './train';

export const cnnInfo: ExampleInfo = {
  name: 'cnn',
  description: "the chapter's CNN (conv 1→32→64, max-pool, fc 64·7·7→128→10), SGD with momentum and a cosine schedule",
  defaults: { epochs: 3, batchSize: 64, lr: 0.05 },
};

export async function cnnExample(): Promise<Example> {
  const torch = await import('../lib/index');
  const { CNN } = await import('./models');
  return {
    ...cnnInfo,
    model: () => new CNN(1, 64 * 7 * 7),
    optimizer: (params, lr) => new torch.optim.SGD(params, { lr, momentum: 0.9 }),
    scheduler: (optimizer, totalSteps) => new torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, totalSteps),
    input: (images) => images,
  };
}

if (require.main === module) exampleMain(cnnInfo, cnnExample);
