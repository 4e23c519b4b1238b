// The chapter's three models against PyTorch (tests/fixtures/torch-X.Y/chapter_models.json, made by
// scripts/gen_chapter_fixtures.py): the same seeded initial weights, and the same 50-step
// training loss sequence on the same seeded synthetic data and optimizer.
import { readFixture } from './oracle';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { chapterCases, trainChapterCase } from './chapter_cases';

interface Summary { shape: number[]; sum: number; abs_sum: number; idx: number[]; samples: number[] }
interface ModelFixture { init: Record<string, Summary>; init_keys: string[]; losses: number[] }
const fixture: { models: Record<string, ModelFixture> } = readFixture('chapter_models.json');

function expectRelClose(got: number, want: number, rel: number, what: string): void {
  const err = Math.abs(got - want) / Math.max(Math.abs(want), 1e-6);
  expect(err, `${what}: got ${got}, PyTorch ${want}`).toBeLessThanOrEqual(rel);
}

describe.each(Object.keys(chapterCases))('chapter model %s', (name) => {
  const c = chapterCases[name];
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
    const { losses } = trainChapterCase(c, 50);
    losses.forEach((l, i) => expectRelClose(l, want.losses[i], 1e-4, `step ${i} loss`));
  });
});
