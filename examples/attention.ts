// The self-attention classifier on Fashion-MNIST: the 28 rows of an image are the tokens
// (28 pixels each), projected to 64 dimensions with a learned positional embedding, then
// 4-head self-attention and the chapter's attention pooling; Adam with a cosine learning-rate
// schedule. torchnode is imported after the flags are parsed (examples/cli.ts).
import { exampleMain, type ExampleInfo } from './cli';
import type { Example } from './train';

export const attentionInfo: ExampleInfo = {
  name: 'attention',
  description: 'self-attention classifier over 28 row tokens: embed 64, 4 heads, attention pooling, Adam',
  // One attention layer learns more slowly than the CNN per epoch, but an epoch takes seconds.
  defaults: { epochs: 10, batchSize: 64, lr: 0.002 },
};

export async function attentionExample(): Promise<Example> {
  const torch = await import('../lib/index');
  const { AttentionClassifier } = await import('./models');
  return {
    ...attentionInfo,
    model: () => new AttentionClassifier(28, 64, 4, 10, 28),
    optimizer: (params, lr) => new torch.optim.Adam(params, { lr }),
    scheduler: (optimizer, totalSteps) => new torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, totalSteps),
    input: (images) => images.squeeze(1),
  };
}

if (require.main === module) exampleMain(attentionInfo, attentionExample);
