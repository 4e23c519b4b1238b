// The examples against their PyTorch twins: the CNN example's first 200 training steps on
// Fashion-MNIST (batches in order, fixed seed) give PyTorch's losses (scripts/cnn_fashion_mnist.py).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parityRun } from '../examples/parity';

const DATA = '/usr/share/datasets/fashion-mnist';

describe('examples', () => {
  it("the CNN example trains like its PyTorch twin for 200 steps", () => {
    // scripts/setup.sh installs Debian's dataset-fashion-mnist; without it this is a setup error.
    expect(existsSync(`${DATA}/train-images-idx3-ubyte.gz`), `${DATA} is missing: run scripts/setup.sh`).toBe(true);
    const r = parityRun(200, 64, undefined, 0, DATA);
    expect(r.ours.losses).toHaveLength(200);
    expect(r.pytorch.losses).toHaveLength(200);
    expect(r.ours.losses[199]).toBeLessThan(r.ours.losses[0] * 0.5); // it learns
    expect(r.max_relative_difference).toBeLessThan(1e-4);
  }, 120_000);
});
