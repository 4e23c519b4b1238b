// The training cases of the chapter's models, mirroring training_cases() in
// scripts/chapter_models.py line by line: the CPU fixtures (chapter_models.test.ts) and the GPU
// oracle (cuda.test.ts) both run them.
import * as torch from '../lib/index';
import { CNN, LSTMClassifier, AttentionClassifier } from '../examples/models';

export interface ChapterCase {
  model: () => torch.nn.Module;
  data: () => [torch.Tensor, torch.Tensor];
  optimizer: (p: torch.Tensor[]) => torch.optim.Optimizer;
}

export const chapterCases: Record<string, ChapterCase> = {
  cnn: {
    model: () => new CNN(),
    data: () => [torch.randn(16, 3, 24, 24), torch.randint(0, 10, [16])],
    optimizer: (p) => new torch.optim.SGD(p, { lr: 0.01, momentum: 0.9 }),
  },
  lstm: {
    model: () => new LSTMClassifier(10, 8, 2, 2),
    data: () => [torch.randn(16, 7, 10), torch.randint(0, 2, [16])],
    optimizer: (p) => new torch.optim.Adam(p, { lr: 0.01 }),
  },
  attention: {
    model: () => new AttentionClassifier(10, 16, 4, 3, 6),
    data: () => [torch.randn(16, 6, 10), torch.randint(0, 3, [16])],
    optimizer: (p) => new torch.optim.Adam(p, { lr: 0.005 }),
  },
};

/**
 * Trains a case as scripts/chapter_models.py's scripts do: seed 0, the model and then the data
 * made on the CPU and moved to `device`, cross-entropy, one step a batch. The loss of each step.
 */
export function trainChapterCase(c: ChapterCase, steps: number, device: torch.DeviceString = 'cpu'): { model: torch.nn.Module; losses: number[] } {
  torch.manual_seed(0);
  const model = c.model().to(device);
  const [x, y] = c.data().map((t) => t.to(device));
  const optimizer = c.optimizer(model.parameters());
  const criterion = new torch.nn.CrossEntropyLoss();
  model.train();
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    torch.tidy(() => {
      optimizer.zero_grad();
      const loss = criterion.forward(model.forward(x) as torch.Tensor, y);
      loss.backward();
      optimizer.step();
      losses.push(loss.item() as number);
    });
  }
  return { model, losses };
}
