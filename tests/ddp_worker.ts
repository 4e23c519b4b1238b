// One rank of a tests/ddp.test.ts scenario: `node --import tsx tests/ddp_worker.ts <scenario>
// <rank> <world_size> <init_method> <outDir>`. Prints one JSON line of results (and may save
// tensors under outDir), or exits non-zero with the error on stderr.
import * as path from 'node:path';
import * as torch from '../lib/index';
import * as dist from '../lib/distributed';
import { CNN } from '../examples/models';
import { cnnBatches, CNN_LR, CNN_MOMENTUM, CNN_STEPS, tinyBatch, TinyNet, TINY_LR } from './ddp_shared';
import { reportAsRank } from './dist_procs';

const [scenario, rankS, worldS, initMethod, outDir] = process.argv.slice(2);
const rank = Number(rankS);
const world = Number(worldS);
const { nn } = torch;
const F = torch.nn.functional;
type Tensor = torch.Tensor;

const vals = (t: Tensor): number[] => (t.detach().reshape(-1).tolist() as number[]);

/** This rank's rows of a global batch: the world splits it into equal consecutive shares. */
function share(t: Tensor): Tensor {
  const n = t.shape[0] / world;
  return t.narrow(0, rank * n, n);
}

async function main(): Promise<Record<string, unknown>> {
  dist.init_process_group('gloo', { init_method: initMethod, rank, world_size: world, timeout: 60000 });
  const out: Record<string, unknown> = { rank };
  switch (scenario) {
    case 'cnn': {
      // Ranks start from different weights: DDP must hand everyone rank 0's.
      torch.manual_seed(rank === 0 ? 0 : 100 + rank);
      const model = new CNN(1, 64 * 7 * 7);
      const ddp = new nn.parallel.DistributedDataParallel(model);
      out.initial_fc2 = vals(model.fc2.weight).slice(0, 4);
      const opt = new torch.optim.SGD(ddp.parameters(), { lr: CNN_LR, momentum: CNN_MOMENTUM });
      const losses: number[] = [];
      for (const [x, y] of cnnBatches()) {
        opt.zero_grad();
        const loss = F.cross_entropy(ddp.forward(share(x)), share(y));
        loss.backward();
        opt.step();
        losses.push(loss.item() as number);
      }
      out.steps = losses.length === CNN_STEPS ? CNN_STEPS : -1;
      out.losses = losses;
      out.keys = Object.keys(ddp.state_dict());
      torch.save(model.state_dict(), path.join(outDir, `rank${rank}.pt`));
      break;
    }
    case 'no_sync': {
      // Accumulate two micro-batches: the first inside no_sync keeps its gradient local; the
      // second backward all-reduces the sum.
      torch.manual_seed(rank);
      const model = new TinyNet();
      const ddp = new nn.parallel.DistributedDataParallel(model);
      const [x1, y1] = tinyBatch(rank, 0);
      const [x2, y2] = tinyBatch(rank, 1);
      ddp.no_sync(() => F.mse_loss(ddp.forward(x1), y1).backward());
      out.after_no_sync = vals(model.fc1.weight.grad!);
      F.mse_loss(ddp.forward(x2), y2).backward();
      out.synced = vals(model.fc1.weight.grad!);
      out.sync_flag_restored = ddp.require_backward_grad_sync;
      // The same two micro-batches on a plain copy of the (broadcast) weights: local gradients.
      const plain = new TinyNet();
      plain.load_state_dict(model.state_dict());
      F.mse_loss(plain.forward(x1), y1).backward();
      out.local_first = vals(plain.fc1.weight.grad!);
      F.mse_loss(plain.forward(x2), y2).backward();
      const g = plain.fc1.weight.grad!.clone();
      dist.all_reduce(g);
      out.expected_synced = vals(g.div(world));
      break;
    }
    case 'interop': {
      // One rank of a mixed group: scripts/ddp_interop.py is the Python side, step for step.
      // 'small_buckets': about one parameter per bucket, and a layer forward never uses, which
      // the unused-parameter search must find (otherwise backward would wait for it).
      // 'batchnorm': buffers, which DDP broadcasts from rank 0 before each forward.
      const small = process.env.DDP_VARIANT === 'small_buckets';
      torch.manual_seed(7 + rank);
      const model = new TinyNet(3, small, process.env.DDP_VARIANT === 'batchnorm');
      const ddp = new nn.parallel.DistributedDataParallel(model, small ? { bucket_cap_mb: 0.00005, find_unused_parameters: true } : {});
      const opt = new torch.optim.SGD(ddp.parameters(), { lr: TINY_LR });
      const grads: (number[] | null)[][] = [];
      for (let step = 0; step < 3; step++) {
        const [x, y] = tinyBatch(rank, step);
        opt.zero_grad();
        F.mse_loss(ddp.forward(x), y).backward();
        grads.push(model.parameters().map((p) => (p.grad ? vals(p.grad) : null)));
        opt.step();
      }
      out.grads = grads;
      out.weights = model.parameters().map(vals);
      // Each rank's buffers now hold its own last batch's statistics; an evaluation forward
      // first broadcasts rank 0's (and, in eval mode, leaves them as they are).
      ddp.eval();
      torch.no_grad(() => ddp.forward(tinyBatch(rank, 3)[0]));
      out.buffers = model.buffers().map(vals);
      break;
    }
    case 'mismatch': {
      // Rank 1's model has another shape: construction must fail on every rank, clearly.
      const model = rank === 0 ? new TinyNet() : new TinyNet(5);
      new nn.parallel.DistributedDataParallel(model);
      break;
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
  dist.destroy_process_group();
  return out;
}

reportAsRank(main);
