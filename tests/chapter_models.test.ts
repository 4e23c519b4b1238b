// The chapter's three models against PyTorch (tests/fixtures/torch-X.Y/chapter_models.json, made by
// scripts/gen_chapter_fixtures.py): the same seeded initial weights, and the same 50-step
// training loss sequence on the same seeded synthetic data and optimizer.
import { readFixture } from './oracle';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { CNN, LSTMClassifier, AttentionClassifier } from '../examples/models';

interface Summary { shape: number[]; sum: number; abs_sum: number; idx: number[]; samples: number[] }
interface ModelFixture { init: Record<string, Summary>; init_keys: string[]; losses: number[] }
const fixture: { models: Record<string, ModelFixture> } = readFixture('chapter_models.json');

type Case = {
  model: () => torch.nn.Module;
  data: () => [torch.Tensor, torch.Tensor];
  optimizer: (p: torch.Tensor[]) => { zero_grad(): void; step(): void };
};

// Mirrors cases() in scripts/gen_chapter_fixtures.py line by line.
const cases: Record<string, Case> = {
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

function expectRelClose(got: number, want: number, rel: number, what: string): void {
  const err = Math.abs(got - want) / Math.max(Math.abs(want), 1e-6);
  expect(err, `${what}: got ${got}, PyTorch ${want}`).toBeLessThanOrEqual(rel);
}

describe.each(Object.keys(cases))('chapter model %s', (name) => {
  const c = cases[name];
  const want = fixture.models[name];

  it('has PyTorch\'s seeded initial state_dict', () => {
    torch.manual_seed(0);
    const sd = c.model().state_dict();
    expect(Object.keys(sd)).toEqual(want.init_keys);
    for (const [k, s] of Object.entries(want.init)) {
      const t = sd[k].double().flatten();
      expect(sd[k].shape, k).toEqual(s.shape);
      expectRelClose(t.sum().item() as number, s.sum, 1e-5, `${k} sum`);
      expectRelClose(t.abs().sum().item() as number, s.abs_sum, 1e-6, `${k} abs sum`);
      const values = t.tolist() as number[];
      s.idx.forEach((i, j) => expect(values[i], `${k}[${i}]`).toBeCloseTo(s.samples[j], 6));
    }
  });

  it('trains for 50 steps with PyTorch\'s loss sequence', () => {
    torch.manual_seed(0);
    const model = c.model();
    const [x, y] = c.data();
    const optimizer = c.optimizer(model.parameters());
    const criterion = new torch.nn.CrossEntropyLoss();
    model.train();
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      torch.tidy(() => {
        optimizer.zero_grad();
        const loss = criterion.forward(model.forward(x) as torch.Tensor, y);
        loss.backward();
        optimizer.step();
        losses.push(loss.item() as number);
      });
    }
    losses.forEach((l, i) => expectRelClose(l, want.losses[i], 1e-4, `step ${i} loss`));
  });
});
