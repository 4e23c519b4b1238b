// One rank of a tests/distributed.test.ts scenario: `node --import tsx tests/distributed_worker.ts
// <scenario> <rank> <world_size> <init_method>`. Prints one JSON line of results, or exits
// non-zero with the error on stderr.
import * as torch from '../lib/index';
import * as dist from '../lib/distributed';
import { reportAsRank } from './dist_procs';

const [scenario, rankS, worldS, initMethod, timeoutS] = process.argv.slice(2);
const rank = Number(rankS);
const world = Number(worldS);
const timeout = Number(timeoutS ?? 20000);

// float32 everywhere: ranks must agree on dtypes (gloo checks only sizes, in bytes)
const f = (xs: number[]): torch.Tensor => torch.tensor(xs, { dtype: torch.float32 });
const vals = (t: torch.Tensor): number[] => (t.tolist() as number[]).flat(Infinity as 1) as number[];

async function main(): Promise<Record<string, unknown>> {
  dist.init_process_group('gloo', { init_method: initMethod, rank, world_size: world, timeout });
  const out: Record<string, unknown> = { rank: dist.get_rank(), world: dist.get_world_size() };
  switch (scenario) {
    case 'collectives': {
      const t = f([rank + 1, 10 * (rank + 1)]);
      dist.all_reduce(t);
      out.sum = vals(t);
      const m = f([rank + 1.5]);
      dist.all_reduce(m, { op: dist.ReduceOp.MAX });
      out.max = vals(m);
      const p = f([rank + 2]);
      dist.all_reduce(p, { op: dist.ReduceOp.PRODUCT });
      out.prod = vals(p);
      const mn = f([rank + 2]);
      dist.all_reduce(mn, { op: dist.ReduceOp.MIN });
      out.min = vals(mn);
      const b = rank === 1 ? f([7, 8, 9]) : torch.zeros(3);
      dist.broadcast(b, 1);
      out.broadcast = vals(b);
      const gl = Array.from({ length: world }, () => torch.zeros(2));
      dist.all_gather(gl, f([rank, rank * rank]));
      out.all_gather = gl.map(vals);
      const r = f([rank + 1]);
      dist.reduce(r, 0);
      out.reduce = vals(r);
      const gather_list = rank === 0 ? Array.from({ length: world }, () => torch.zeros(1)) : null;
      dist.gather(f([100 + rank]), { gather_list, dst: 0 });
      if (gather_list) out.gather = gather_list.map(vals);
      const sc = torch.zeros(1);
      dist.scatter(sc, { scatter_list: rank === 0 ? Array.from({ length: world }, (_, i) => f([i * 3])) : null, src: 0 });
      out.scatter = vals(sc);
      dist.barrier();
      // ring send/recv
      const next = (rank + 1) % world, prev = (rank + world - 1) % world;
      const inbox = torch.zeros(1);
      const sw = dist.isend(f([rank * 11]), next)!;
      out.recv_from = dist.recv(inbox);
      await sw.wait();
      out.recv = vals(inbox);
      out.prev = prev;
      try {
        dist.all_reduce(f([1.0]), { op: dist.ReduceOp.AVG });
        out.avg = 'ok';
      } catch (e) {
        out.avg = (e as Error).message;
      }
      try {
        const o = torch.zeros(1);
        dist.reduce_scatter(o, Array.from({ length: world }, (_, i) => f([i + rank])));
        out.reduce_scatter = vals(o);
      } catch (e) {
        out.reduce_scatter = (e as Error).message;
      }
      // a subgroup of the even ranks
      const evens = Array.from({ length: world }, (_, i) => i).filter((i) => i % 2 === 0);
      const g = dist.new_group(evens);
      const e = f([rank]);
      dist.all_reduce(e, { group: g });
      out.group_rank = dist.get_rank(g);
      out.group_sum = vals(e);
      break;
    }
    case 'async': {
      // rank 1 joins late: rank 0's await must leave the event loop running meanwhile
      if (rank === 1) await new Promise((r) => setTimeout(r, 800));
      const t = f([rank + 1]);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 20);
      const w = dist.all_reduce(t, { async_op: true })!;
      out.completed_before = w.is_completed();
      await w.wait();
      clearInterval(timer);
      out.ticks = ticks;
      out.completed_after = w.is_completed();
      out.sum = vals(t);
      break;
    }
    case 'mismatch': {
      const t = torch.ones(rank === 0 ? 4 : 1000);
      dist.all_reduce(t);
      out.sum = vals(t);
      break;
    }
    case 'die': {
      dist.barrier();
      if (rank === 1) process.exit(3);  // dies before the collective
      const start = Date.now();
      try {
        await dist.all_reduce(torch.ones(4), { async_op: true })!.wait();
        out.error = null;
      } catch (e) {
        out.error = (e as Error).message;
      }
      out.elapsed = Date.now() - start;
      break;
    }
    case 'interop': {
      const t = f([0, 1, 2, 3, 4, 5]).mul(rank + 1);
      dist.all_reduce(t);
      out.sum = vals(t);
      const b = torch.zeros(3);
      if (rank === 1) b.copy_(f([4, 5, 6]));
      dist.broadcast(b, 1);
      out.broadcast = vals(b);
      break;
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
  dist.destroy_process_group();
  return out;
}

reportAsRank(main);
