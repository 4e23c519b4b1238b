// The chapter's CNN on Fashion-MNIST. Fashion-MNIST images are 1×28×28, so the first conv
// takes 1 channel and the flattened size is 64·7·7 (28 → 14 → 7 after two poolings); the
// architecture (conv 32 → 64, 2×2 max-pool, fc 128 → 10) is the chapter's.
import * as torch from '../lib/index';
import { CNN } from './models';
import { Example, run } from './train';

export const cnn: Example = {
  name: 'cnn',
  description: "the chapter's CNN (conv 1→32→64, max-pool, fc 64·7·7→128→10), SGD with momentum and a cosine schedule",
  defaults: { epochs: 3, batchSize: 64, lr: 0.05 },
  model: () => new CNN(1, 64 * 7 * 7),
  optimizer: (params, lr) => new torch.optim.SGD(params, { lr, momentum: 0.9 }),
  scheduler: (optimizer, totalSteps) => new torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, totalSteps),
  input: (images) => images,
};

if (require.main === module) {
  run(cnn).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
