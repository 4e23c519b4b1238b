// pytorch/examples regression/main.py, ported line by line: fits a degree-4 polynomial with a
// Linear layer, plain SGD written out by hand, on fresh random batches until the smooth L1 loss
// drops under 1e-3. tests/ports.test.ts checks every batch's loss, the learned and target
// weights and the printed lines against the PyTorch run of scripts/ports/regression.py, bit for
// bit.
//
// Source:  https://github.com/pytorch/examples/blob/77f55b912142e11fcfdf5b530231fb9c52f181e8/regression/main.py
// License: BSD-3-Clause, Copyright (c) 2017, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/regression.py), marked "torchnode: <n>.":
//  1. torch.manual_seed(0): the original is unseeded. 2. every batch's loss kept in `losses`.
//  3. at most 5000 batches (the seeded run stops at 830). 4. the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: `a * b` → a.mul(b), module(x) →
// module.forward(x), keyword arguments → a trailing options object):
//  - The module-level program is the body of main(); its functions are closures there, so that
//    they see W_target and b_target as the Python functions see the globals.
//  - `for batch_idx in count(1)` → a counting for loop.
//  - `for i, w in enumerate(W)` over a tensor → W.unbind(0).forEach((w, i) => ...): a torchnode
//    Tensor is not iterable; Python's Tensor.__iter__ is unbind(0) too.
//  - '{:+.2f}'.format(w) and '{:.6f}'.format(loss) → formatFixed() (examples/ports/python.ts),
//    which rounds as Python does; a 0-d tensor formats as its item(), as Tensor.__format__ does.
//  - print() → the printer of examples/ports/python.ts, which keeps the lines for the test.
//  - `from __future__ import print_function` dropped (Python 2 only).
import * as torch from '../../lib/index';
import { formatFixed, printer, type PortRun } from './python';

const F = torch.nn.functional;

export interface RegressionResults {
  W_target: number[][];
  b_target: number[];
  batches: number;
  losses: number[];
  'fc.weight': number[][];
  'fc.bias': number[];
}

export function main(echo = false): PortRun<RegressionResults> {
  const { print, stdout } = printer(echo);

  torch.manual_seed(0); // torchnode: 1. seeded

  const POLY_DEGREE = 4;
  const W_target = torch.randn(POLY_DEGREE, 1).mul(5);
  const b_target = torch.randn(1).mul(5);

  /** Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]. */
  function make_features(x: torch.Tensor): torch.Tensor {
    x = x.unsqueeze(1);
    return torch.cat(Array.from({ length: POLY_DEGREE }, (_, k) => x.pow(k + 1)), 1);
  }

  /** Approximated function. */
  function f(x: torch.Tensor): torch.Tensor {
    return x.mm(W_target).add(b_target.item() as number);
  }

  /** Creates a string description of a polynomial. */
  function poly_desc(W: torch.Tensor, b: torch.Tensor): string {
    let result = 'y = ';
    W.unbind(0).forEach((w, i) => {
      result += `${formatFixed(w.item() as number, 2, true)} x^${i + 1} `;
    });
    result += formatFixed(b.index(0).item() as number, 2, true);
    return result;
  }

  /** Builds a batch i.e. (x, f(x)) pair. */
  function get_batch(batch_size = 32): [torch.Tensor, torch.Tensor] {
    const random = torch.randn(batch_size);
    const x = make_features(random);
    const y = f(x);
    return [x, y];
  }

  // Define model
  const fc = new torch.nn.Linear(W_target.size(0), 1);
  const losses: number[] = []; // torchnode: 2. every batch's loss

  let loss = NaN;
  let batch_idx: number;
  for (batch_idx = 1; ; batch_idx++) {
    // Get data
    const [batch_x, batch_y] = get_batch();

    // Reset gradients
    fc.zero_grad();

    // Forward pass
    const output = F.smooth_l1_loss(fc.forward(batch_x), batch_y);
    loss = output.item() as number;
    losses.push(loss); // torchnode: 2.

    // Backward pass
    output.backward();

    // Apply gradients
    for (const param of fc.parameters()) {
      param.data.add_(param.grad!.mul(-0.1));
    }

    // Stop criterion
    if (loss < 1e-3) {
      break;
    }
    if (batch_idx === 5000) break; // torchnode: 3. a diverging run ends
  }

  print(`Loss: ${formatFixed(loss, 6)} after ${batch_idx} batches`);
  print('==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias!));
  print('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target));

  // torchnode: 4. the values the port is compared on
  const results: RegressionResults = {
    W_target: W_target.tolist() as number[][],
    b_target: b_target.tolist() as number[],
    batches: batch_idx,
    losses,
    'fc.weight': fc.weight.tolist() as number[][],
    'fc.bias': fc.bias!.tolist() as number[],
  };
  return { stdout, results };
}

if (require.main === module) main(true);
