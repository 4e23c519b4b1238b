// torch.distributed over c10d/gloo: ranks are separate node processes on loopback
// (tests/distributed_worker.ts), plus a Python rank for interop (scripts/distributed_interop.py).
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import * as dist from '../lib/distributed';
import { oracleEnv, oraclePython } from './oracle';
import { freePort, loopbackEnv as baseEnv, ROOT, Ran, runProcess } from './dist_procs';

const WORKER = path.join(__dirname, 'distributed_worker.ts');
const major = Number(torch.version.libtorch.split('.')[0]);
// Processes start slowly on a loaded machine; the collectives themselves take milliseconds.
const SLOW = 240_000;

function node(scenario: string, rank: number, world: number, init: string, timeout = 20000, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return runProcess(process.execPath, ['--import', 'tsx', WORKER, scenario, String(rank), String(world), init, String(timeout)], { ...baseEnv(), ...env });
}

async function ranks(scenario: string, world: number, env: NodeJS.ProcessEnv = {}, init?: string): Promise<Ran[]> {
  const url = init ?? `tcp://127.0.0.1:${await freePort()}`;
  return Promise.all(Array.from({ length: world }, (_, r) => node(scenario, r, world, url, 20000, env)));
}

function checkCollectives(rs: Ran[], world: number): void {
  const tri = (world * (world + 1)) / 2;
  rs.forEach((r, rank) => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const o = r.out;
    expect(o.rank).toBe(rank);
    expect(o.world).toBe(world);
    expect(o.sum).toEqual([tri, 10 * tri]);
    expect(o.max).toEqual([world - 1 + 1.5]);
    expect(o.prod).toEqual([Array.from({ length: world }, (_, i) => i + 2).reduce((a, b) => a * b)]);
    expect(o.min).toEqual([2]);
    expect(o.broadcast).toEqual([7, 8, 9]);
    expect(o.all_gather).toEqual(Array.from({ length: world }, (_, i) => [i, i * i]));
    if (rank === 0) {
      expect(o.reduce).toEqual([tri]);
      expect(o.gather).toEqual(Array.from({ length: world }, (_, i) => [100 + i]));
    }
    expect(o.scatter).toEqual([3 * rank]);
    const prev = (rank + world - 1) % world;
    expect(o.recv_from).toBe(prev);
    expect(o.recv).toEqual([11 * prev]);
    if (major < 2) {
      // PyTorch 1.13's gloo has neither: the same errors as PyTorch's
      expect(o.avg).toBe('Cannot use ReduceOp.AVG with Gloo');
      expect(o.reduce_scatter).toBe('ProcessGroupGloo does not support reduce_scatter');
    } else {
      expect(o.avg).toBe('ok');
      expect(o.reduce_scatter).toEqual([world * rank + (world * (world - 1)) / 2]);
    }
    const evens = Array.from({ length: world }, (_, i) => i).filter((i) => i % 2 === 0);
    expect(o.group_rank).toBe(rank % 2 === 0 ? rank / 2 : -1);
    expect(o.group_sum).toEqual(rank % 2 === 0 ? [evens.reduce((a, b) => a + b)] : [rank]);
  });
}

describe('torch.distributed (gloo)', () => {
  it('is available', () => {
    expect(dist.is_available()).toBe(true);
    expect(dist.is_initialized()).toBe(false);
    // before init_process_group, PyTorch's message
    expect(() => dist.get_rank()).toThrow('Default process group has not been initialized, please make sure to call init_process_group.');
    expect(() => dist.get_world_size()).toThrow('Default process group has not been initialized');
  });

  it('TCPStore and FileStore: set, get, add, wait, check, prefixes', () => {
    const d = dist;
    const s = new d.TCPStore('127.0.0.1', 0, { world_size: 1, is_master: true, timeout: 2000 });
    expect(s.port).toBeGreaterThan(0);
    s.set('a', 'hello');
    expect(s.get('a').toString()).toBe('hello');
    expect(s.add('n', 2)).toBe(2);
    expect(s.add('n', 3)).toBe(5);
    expect(s.check(['a', 'missing'])).toBe(false);
    const p = new d.PrefixStore('pre', s);
    p.set('k', new Uint8Array([1, 2, 3]));
    expect([...s.get('pre/k')]).toEqual([1, 2, 3]);
    const t0 = Date.now();
    expect(() => s.wait(['never'], 300)).toThrow(/[Tt]imeout|[Tt]imed out|[Ww]ait timeout/);
    expect(Date.now() - t0).toBeLessThan(5000);
    const file = path.join(require('node:os').tmpdir(), `tn-filestore-${process.pid}-${Date.now()}`);
    const f = new d.FileStore(file, 1);
    f.set('x', '42');
    expect(f.get('x').toString()).toBe('42');
    expect(f.add('c', 7)).toBe(7);
  });

  it('collectives on 2 ranks (tcp://): all_reduce ops, broadcast, all_gather, reduce, gather, scatter, send/recv, new_group', async () => {
    checkCollectives(await ranks('collectives', 2), 2);
  }, SLOW);

  it('collectives on 4 ranks (env://)', async () => {
    const port = await freePort();
    const env = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '4' };
    const rs = await Promise.all([0, 1, 2, 3].map((r) => node('collectives', r, 4, 'env://', 20000, { ...env, RANK: String(r) })));
    checkCollectives(rs, 4);
  }, SLOW);

  it('file:// rendezvous', async () => {
    const file = path.join(require('node:os').tmpdir(), `tn-dist-${process.pid}-${Date.now()}`);
    const rs = await ranks('async', 2, {}, `file://${file}`);
    for (const r of rs) expect(r.out?.sum).toEqual([3]);
  }, SLOW);

  it('await work.wait() leaves the event loop running', async () => {
    const [r0, r1] = await ranks('async', 2);
    expect(r0.stderr).toBe('');
    expect(r0.out.sum).toEqual([3]);
    expect(r1.out.sum).toEqual([3]);
    expect(r0.out.completed_before).toBe(false);
    expect(r0.out.completed_after).toBe(true);
    // rank 1 joined 800 ms late: rank 0's 20 ms timer kept ticking meanwhile
    expect(r0.out.ticks).toBeGreaterThan(5);
  }, SLOW);

  it('a wrong world size ends with a timeout error within the timeout', async () => {
    const port = await freePort();
    // world_size 2, but only rank 0 comes: the rendezvous times out after 3 s
    const r = await node('async', 0, 2, `tcp://127.0.0.1:${port}`, 3000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR: .*([Tt]imeout|[Tt]imed out)/);
  }, SLOW);

  it('a peer that dies makes the survivor fail with an error, not hang', async () => {
    const [r0, r1] = await ranks('die', 2);
    expect(r1.code).toBe(3);
    expect(r0.code).toBe(0);
    expect(typeof r0.out.error).toBe('string');
    expect(r0.out.error.length).toBeGreaterThan(0);
    expect(r0.out.elapsed).toBeLessThan(20000);
  }, SLOW);

  it('mismatched shapes give an error on every rank (TORCH_DISTRIBUTED_DEBUG=DETAIL, as PyTorch)', async () => {
    const rs = await ranks('mismatch', 2, { TORCH_DISTRIBUTED_DEBUG: 'DETAIL' });
    for (const r of rs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ERROR: .*[Mm]ismatch/);
    }
  }, SLOW);

  it('interop: a torchnode rank and a PyTorch rank in one gloo group agree', async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const [n, p] = await Promise.all([
      node('interop', 0, 2, url, 60000),
      runProcess(oraclePython, [path.join(ROOT, 'scripts', 'distributed_interop.py'), '1', '2', url], { ...oracleEnv(), GLOO_SOCKET_IFNAME: 'lo' }),
    ]);
    expect(n.stderr).toBe('');
    expect(p.code).toBe(0);
    const want = [0, 3, 6, 9, 12, 15];
    expect(n.out.sum).toEqual(want);
    expect(p.out.sum).toEqual(want);
    expect(n.out.broadcast).toEqual([4, 5, 6]);
    expect(p.out.broadcast).toEqual([4, 5, 6]);
  }, SLOW);
});
