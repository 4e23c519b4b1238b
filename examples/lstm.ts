// The chapter's LSTM classifier on Fashion-MNIST, row by row: each image is a sequence of 28
// steps of 28 pixels; 2 LSTM layers (the chapter's), hidden size 128, classifying from the
// last step. torchnode is imported after the flags are parsed (examples/cli.ts).
import { exampleMain, type ExampleInfo } from './cli';
import type { Example } from './train';

export const HIDDEN_SIZE = 128;

export const lstmInfo: ExampleInfo = {
  name: 'lstm',
  description: `the chapter's 2-layer LSTM classifier over 28 rows of 28 pixels, hidden size ${HIDDEN_SIZE}, Adam`,
  defaults: { epochs: 3, batchSize: 64, lr: 0.002 },
};

export async function lstmExample(): Promise<Example> {
  const torch = await import('../lib/index');
  const { LSTMClassifier } = await import('./models');
  return {
    ...lstmInfo,
    model: () => new LSTMClassifier(28, HIDDEN_SIZE, 2, 10),
    optimizer: (params, lr) => new torch.optim.Adam(params, { lr }),
    input: (images) => images.squeeze(1),
  };
}

if (require.main === module) exampleMain(lstmInfo, lstmExample);
