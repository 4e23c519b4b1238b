// nn.parallel.DistributedDataParallel: ranks are node processes on loopback (tests/ddp_worker.ts),
// checked against one process training on the whole batch, and against PyTorch's own DDP in the
// same group (scripts/ddp_interop.py).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import * as dist from '../lib/distributed';
import { CNN } from '../examples/models';
import { cnnBatches, CNN_LR, CNN_MOMENTUM, tinyBatch, TinyNet, TINY_LR } from './ddp_shared';
import { freePort, loopbackEnv, ROOT, Ran, runProcess } from './dist_procs';
import { oracleEnv, oraclePython } from './oracle';

const WORKER = path.join(__dirname, 'ddp_worker.ts');
const SLOW = 240_000;
const F = torch.nn.functional;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'torchnode-ddp-'));
  dirs.push(d);
  return d;
}

function node(scenario: string, rank: number, world: number, url: string, outDir = '', env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return runProcess(process.execPath, ['--import', 'tsx', WORKER, scenario, String(rank), String(world), url, outDir], { ...loopbackEnv(), ...env });
}

async function ranks(scenario: string, world: number, outDir = ''): Promise<Ran[]> {
  const url = `tcp://127.0.0.1:${await freePort()}`;
  return Promise.all(Array.from({ length: world }, (_, r) => node(scenario, r, world, url, outDir)));
}

function ok(rs: Ran[]): void {
  for (const r of rs) {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
}

/** The same steps in one process on the whole batch: what DDP must reproduce. */
function singleProcess(): { losses: number[]; state: Record<string, torch.Tensor>; initialFc2: number[] } {
  torch.manual_seed(0);
  const model = new CNN(1, 64 * 7 * 7);
  const initialFc2 = (model.fc2.weight.detach().reshape(-1).tolist() as number[]).slice(0, 4);
  const opt = new torch.optim.SGD(model.parameters(), { lr: CNN_LR, momentum: CNN_MOMENTUM });
  const losses: number[] = [];
  for (const [x, y] of cnnBatches()) {
    opt.zero_grad();
    const loss = F.cross_entropy(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item() as number);
  }
  return { losses, state: model.state_dict(), initialFc2 };
}

function checkCnn(world: number, rs: Ran[], dir: string): void {
  ok(rs);
  const ref = singleProcess();
  // Every rank starts from rank 0's weights (they were seeded differently).
  for (const r of rs) expect(r.out.initial_fc2).toEqual(ref.initialFc2);
  // The mean of the ranks' losses on their shares is the whole batch's loss.
  ref.losses.forEach((want, step) => {
    const mean = rs.reduce((a, r) => a + r.out.losses[step], 0) / world;
    expect(Math.abs(mean - want)).toBeLessThan(1e-5);
  });
  expect(rs[0].out.keys).toEqual(Object.keys(ref.state).map((k) => `module.${k}`));
  const states = rs.map((r) => torch.load(path.join(dir, `rank${r.out.rank}.pt`)) as Record<string, torch.Tensor>);
  for (const [key, want] of Object.entries(ref.state)) {
    for (const s of states) {
      // The ranks apply the same averaged gradients, so they agree exactly with each other...
      expect(s[key].equal(states[0][key])).toBe(true);
      // ...and with the single process up to float summation order.
      expect(s[key].allclose(want, { rtol: 1e-4, atol: 1e-6 })).toBe(true);
    }
  }
}

describe('nn.parallel.DistributedDataParallel (gloo)', () => {
  it('the chapter CNN on 2 ranks, each with half of every batch, trains as one process on the whole batch', async () => {
    const dir = tempDir();
    checkCnn(2, await ranks('cnn', 2, dir), dir);
  }, SLOW);

  it('the same on 4 ranks, each with a quarter', async () => {
    const dir = tempDir();
    checkCnn(4, await ranks('cnn', 4, dir), dir);
  }, SLOW);

  it('no_sync keeps gradients local; the next backward all-reduces the accumulated sum', async () => {
    const rs = await ranks('no_sync', 2);
    ok(rs);
    for (const r of rs) {
      expect(r.out.after_no_sync).toEqual(r.out.local_first);
      r.out.synced.forEach((v: number, i: number) => expect(v).toBeCloseTo(r.out.expected_synced[i], 6));
      expect(r.out.sync_flag_restored).toBe(true);
    }
    expect(rs[0].out.synced).toEqual(rs[1].out.synced);
    expect(rs[0].out.after_no_sync).not.toEqual(rs[1].out.after_no_sync);
  }, SLOW);

  for (const variant of ['default', 'small_buckets', 'batchnorm']) {
    it(`interop (${variant}): PyTorch DDP on a Python rank and torchnode DDP in one group compute the same gradients`, async () => {
      const url = `tcp://127.0.0.1:${await freePort()}`;
      const [n, p] = await Promise.all([
        node('interop', 0, 2, url, '', { DDP_VARIANT: variant }),
        runProcess(oraclePython, [path.join(ROOT, 'scripts', 'ddp_interop.py'), '1', '2', url, variant], { ...oracleEnv(), GLOO_SOCKET_IFNAME: 'lo' }),
      ]);
      ok([n]);
      expect(p.stderr).toBe('');
      expect(p.code).toBe(0);
      // Three steps: the first with the initial buckets, then buckets rebuilt in the order the
      // gradients came (agreed by a broadcast); any difference in the collectives would fail them.
      expect(n.out.grads).toHaveLength(3);
      expect(n.out.grads).toEqual(p.out.grads);
      expect(n.out.weights).toEqual(p.out.weights);
      expect(n.out.buffers).toEqual(p.out.buffers);
      if (variant === 'batchnorm') expect(n.out.buffers).toHaveLength(3); // running_mean, running_var, num_batches_tracked
      expect(n.out.grads[0][0].some((g: number) => g !== 0)).toBe(true);
      // The spare layer got no gradient on either side, and backward did not wait for it.
      if (variant === 'small_buckets') expect(n.out.grads.map((g: unknown[]) => g.slice(4))).toEqual([[null, null], [null, null], [null, null]]);
    }, SLOW);
  }

  it('a model that differs from rank 0\'s is refused with a clear error; rank 0 then fails too, without hanging', async () => {
    const [r0, r1] = await ranks('mismatch', 2);
    // As in PyTorch: each rank compares its parameters with rank 0's, so the rank that differs
    // says how; rank 0 goes on to the broadcast and loses its peer.
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/ERROR: \[1\]: params\[0\] in this process with sizes \[5, 4\] appears not to match sizes of the same param in process 0/);
    expect(r0.code).toBe(1);
    expect(r0.stderr).toMatch(/ERROR: .*Connection closed by peer/);
    for (const r of [r0, r1]) expect(r.stderr).not.toMatch(/c10::|Exception raised from|frame #/);
  }, SLOW);
});

describe('DistributedDataParallel in one process (a group of 1)', () => {
  const { DistributedDataParallel } = torch.nn.parallel;
  beforeAll(async () => {
    dist.init_process_group('gloo', { init_method: `tcp://127.0.0.1:${await freePort()}`, rank: 0, world_size: 1 });
  });
  afterAll(() => dist.destroy_process_group());

  it('wraps the module: module, state_dict keys with module., the same training as without it', () => {
    torch.manual_seed(3);
    const plain = new TinyNet();
    const wrapped = new TinyNet();
    wrapped.load_state_dict(plain.state_dict());
    const ddp = new DistributedDataParallel(wrapped);
    expect(ddp.module).toBe(wrapped);
    expect(Object.keys(ddp.state_dict())).toEqual(['module.fc1.weight', 'module.fc1.bias', 'module.fc2.weight', 'module.fc2.bias']);
    expect(ddp.parameters()).toEqual(wrapped.parameters());
    for (const [m, model] of [[ddp, wrapped], [plain, plain]] as const) {
      const opt = new torch.optim.SGD(model.parameters(), { lr: TINY_LR });
      for (let step = 0; step < 3; step++) {
        const [x, y] = tinyBatch(0, step);
        opt.zero_grad();
        F.mse_loss(m.forward(x), y).backward();
        opt.step();
      }
    }
    for (const [k, v] of Object.entries(plain.state_dict())) expect(wrapped.state_dict()[k].equal(v)).toBe(true);
    // a state_dict saved from the wrapper loads back into a wrapper
    const again = new DistributedDataParallel(new TinyNet());
    again.load_state_dict(ddp.state_dict());
    expect(again.module.fc2.weight.equal(wrapped.fc2.weight)).toBe(true);
  });

  it('no_sync restores sync after a function that throws, and after an async one', async () => {
    const ddp = new DistributedDataParallel(new TinyNet());
    expect(() => ddp.no_sync(() => {
      expect(ddp.require_backward_grad_sync).toBe(false);
      throw new Error('boom');
    })).toThrow('boom');
    expect(ddp.require_backward_grad_sync).toBe(true);
    const p = ddp.no_sync(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return 42;
    });
    expect(ddp.require_backward_grad_sync).toBe(false);
    expect(await p).toBe(42);
    expect(ddp.require_backward_grad_sync).toBe(true);
  });

  it("a parameter without a gradient, without find_unused_parameters, gives LibTorch's message at the next backward", () => {
    const ddp = new DistributedDataParallel(new TinyNet(3, true));
    const [x, y] = tinyBatch(0, 0);
    F.mse_loss(ddp.forward(x), y).backward();
    let message = '';
    try {
      F.mse_loss(ddp.forward(x), y).backward();
    } catch (e) {
      expect(e).toBeInstanceOf(torch.TorchError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Expected to have finished reduction in the prior iteration before starting a new one/);
    expect(message).toContain('Parameter indices which did not receive grad for rank 0: 4 5');
    expect(message).not.toMatch(/Exception raised from|frame #/);
  });

  it('refuses bad arguments with PyTorch-like messages', () => {
    expect(() => new DistributedDataParallel({} as torch.nn.Module)).toThrow(/must be an nn.Module/);
    expect(() => new DistributedDataParallel(new torch.nn.ReLU())).toThrow("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.");
    expect(() => new DistributedDataParallel(new TinyNet(), { device_ids: [0] })).toThrow(/device_ids and output_device arguments only work with single-device GPU modules or CPU modules/);
    expect(() => new DistributedDataParallel(new TinyNet(), { bucket_cap_mb: -1 })).toThrow(/bucket_cap_mb must be a positive number/);
  });
});
