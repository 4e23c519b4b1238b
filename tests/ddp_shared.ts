// What tests/ddp.test.ts and its ranks (tests/ddp_worker.ts) share: the data and the small model.
// The tiny batches are formulas, not random draws, so that scripts/ddp_interop.py (the Python
// rank) computes the same values.
import * as torch from '../lib/index';

const { nn } = torch;
type Tensor = torch.Tensor;

export const CNN_STEPS = 3;
export const CNN_BATCH = 8; // divisible by 2 and 4 ranks
export const CNN_LR = 0.05;
export const CNN_MOMENTUM = 0.9;
export const TINY_LR = 0.1;

/** The global batches of the CNN run: seeded, the same in every process. */
export function cnnBatches(): [Tensor, Tensor][] {
  torch.manual_seed(1234);
  return Array.from({ length: CNN_STEPS }, () => [torch.randn(CNN_BATCH, 1, 28, 28), torch.randint(0, 10, [CNN_BATCH])] as [Tensor, Tensor]);
}

/**
 * Linear(4, hidden), ReLU, Linear(hidden, 2); with `spare`, a Linear(2, 2) that forward never
 * uses; with `bn`, a BatchNorm1d(hidden) after fc1 (buffers for DDP to broadcast).
 */
export class TinyNet extends nn.Module {
  fc1: torch.nn.Linear;
  bn?: torch.nn.BatchNorm1d;
  fc2: torch.nn.Linear;
  spare?: torch.nn.Linear;
  constructor(hidden = 3, spare = false, bn = false) {
    super();
    this.fc1 = new nn.Linear(4, hidden);
    if (bn) this.bn = new nn.BatchNorm1d(hidden);
    this.fc2 = new nn.Linear(hidden, 2);
    if (spare) this.spare = new nn.Linear(2, 2);
  }
  forward(x: Tensor): Tensor {
    const h = this.fc1.forward(x);
    return this.fc2.forward(torch.relu(this.bn ? this.bn.forward(h) : h));
  }
}

/** Rank `rank`'s batch at `step`: x (3, 4) and y (3, 2). */
export function tinyBatch(rank: number, step: number): [Tensor, Tensor] {
  const x = torch.arange(12, { dtype: torch.float32 }).mul(0.37).add(rank * 1.3 + step * 0.71).sin().reshape(3, 4);
  const y = torch.arange(6, { dtype: torch.float32 }).mul(0.5).add(rank + step).cos().reshape(3, 2);
  return [x, y];
}
