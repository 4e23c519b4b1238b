// Concurrency: asynchronous operators against JS-thread writes to their tensors, several worker
// threads training at once, workers terminated while their operators run, and the default dtype
// across threads.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { inWorker, workerCode } from './workers';

const aten = torch.ops.aten as any;
const IN_USE = /in use by a pending asynchronous operation/;
const BEING_WRITTEN = /being written by a pending asynchronous operation/;

describe('JS-thread writes to the tensors of a pending asynchronous operator', () => {
  for (let run = 0; run < 5; run++) {
    it(`are rejected until it settles, then allowed (run ${run + 1})`, async () => {
      torch.manual_seed(run);
      const x = torch.randn(300, 300), y = torch.randn(300, 300);
      const expected = x.matmul(y);
      const view = x.view(-1);
      const xsum = x.sum().item();
      const pending = aten.mm.default.async(x, y);
      expect(() => x.add_(1)).toThrow(torch.TorchError);
      expect(() => x.add_(1)).toThrow(IN_USE);
      expect(() => view.mul_(2)).toThrow(IN_USE); // a view shares the storage
      expect(() => aten.resize_.default(view, [10 ** 6])).toThrow(IN_USE);
      expect(() => aten.resize_.default(x, [1000, 1000])).toThrow(IN_USE);
      expect(() => aten.set_.source_Tensor(x, torch.ones(3))).toThrow(IN_USE);
      expect(() => aten.add.out(y, y, { out: x })).toThrow(IN_USE);
      expect(() => x.index_put_([0], 5)).toThrow(IN_USE);
      expect(() => x.index_put_([0], torch.ones(300))).toThrow(IN_USE);
      expect(() => y.zero_()).toThrow(IN_USE);
      expect(() => x.requires_grad_()).toThrow(IN_USE);
      expect(x.sum().item()).toBe(xsum); // reading is fine
      expect(x.detach().shape).toEqual([300, 300]);
      const r = (await pending) as torch.Tensor;
      expect(r.sub(expected).abs().max().item()).toBe(0);
      x.add_(1);
      view.mul_(2);
      expect(x.index(0, 0).item()).toBeCloseTo(view.index(0).item() as number);
      aten.resize_.default(x, [10]);
      expect(x.shape).toEqual([10]);
    });
  }

  it('a tensor an asynchronous operator writes cannot be used until it settles', async () => {
    const a = torch.ones(500, 500), out = torch.empty(500, 500);
    const pending = aten.add.out.async(a, a, { out });
    expect(() => out.sum()).toThrow(BEING_WRITTEN);
    expect(() => out.tolist()).toThrow(BEING_WRITTEN);
    expect(() => out.index(0)).toThrow(BEING_WRITTEN);
    expect(() => a.add_(1)).toThrow(IN_USE);
    expect(a.sum().item()).toBe(250000); // a is only read by the operator
    expect(await pending).toBe(out);
    expect(out.sum().item()).toBe(500000);
  });

  it('the marks are released when the operator fails', async () => {
    const a = torch.ones(2, 3), b = torch.ones(4, 5);
    await expect(aten.mm.default.async(a, b)).rejects.toThrow(torch.TorchError);
    a.add_(1);
    aten.resize_.default(b, [3]);
    expect(b.shape).toEqual([3]);
    expect(a.sum().item()).toBe(12);
  });

  it('many pending operators on shared inputs release every mark', async () => {
    const x = torch.arange(1000, { dtype: torch.float32 });
    const all = Promise.all(Array.from({ length: 20 }, (_, i) => aten.mul.Scalar.async(x, i)));
    expect(() => x.add_(1)).toThrow(IN_USE);
    const results = (await all) as torch.Tensor[];
    expect(results[3].index(10).item()).toBe(30);
    x.add_(1);
    expect(x.index(0).item()).toBe(1);
  });

  it('synchronous and asynchronous work interleave with correct results', async () => {
    for (let i = 0; i < 10; i++) {
      const x = torch.full([200, 200], i);
      const p = aten.sum.default.async(x);
      const other = torch.ones(10);
      other.add_(i); // an unrelated tensor stays writable
      expect(((await p) as torch.Tensor).item()).toBe(40000 * i);
      expect(other.index(0).item()).toBe(1 + i);
    }
  });
});

// The same regression in every worker and here: y = 2x + 1 by SGD, from one seed.
const TRAIN = `
  torch.set_num_threads(1);
  torch.manual_seed(0);
  const model = new torch.nn.Linear(1, 1);
  const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
  const x = torch.linspace(-1, 1, 64).view(64, 1);
  const y = x.mul(2).add(1);
  let loss = 0;
  for (let step = 0; step < 300; step++) {
    loss = torch.tidy(() => {
      opt.zero_grad();
      const l = torch.nn.functional.mse_loss(model.forward(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
  }
  return { w: model.weight.item(), b: model.bias.item(), loss };
`;

describe('worker threads', () => {
  afterEach(() => torch.set_default_dtype(torch.float32));

  it('four workers train a model at once, each as the main thread does', async () => {
    const here = new Function('torch', `return (async () => { ${TRAIN} })();`)(torch) as Promise<{ w: number; b: number; loss: number }>;
    const mine = await here;
    expect(mine.w).toBeCloseTo(2, 3);
    expect(mine.b).toBeCloseTo(1, 3);
    const results = await Promise.all(Array.from({ length: 4 }, () => inWorker<{ w: number; b: number; loss: number }>(TRAIN)));
    for (const r of results) expect(r).toEqual(mine);
  });

  it('terminating a worker while its asynchronous operators run leaves this thread working', async () => {
    for (let round = 0; round < 3; round++) {
      const w = new Worker(workerCode(`
        const a = torch.randn(400, 400);
        const pending = Array.from({ length: 16 }, () => torch.ops.aten.mm.default.async(a, a));
        parentPort.postMessage({ started: true });
        await Promise.all(pending);
        return 'finished';
      `), { eval: true });
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      const code = await w.terminate();
      expect(code).toBe(1);
      const x = torch.ones(100, 100);
      expect(((await aten.mm.default.async(x, x)) as torch.Tensor).index(0, 0).item()).toBe(100);
    }
  });

  it('the default dtype is process-wide, and get_default_dtype() agrees with arange on every thread', async () => {
    expect(torch.get_default_dtype()).toBe(torch.float32);
    const seen = await inWorker<string[]>(`
      torch.set_default_dtype(torch.float64);
      return [String(torch.get_default_dtype()), String(torch.arange(0.5, 2).dtype), String(torch.tensor([0.5]).dtype)];
    `);
    expect(seen).toEqual(['torch.float64', 'torch.float64', 'torch.float64']);
    // PyTorch's default dtype is one per process; here it is the same, so the main thread agrees.
    expect(torch.get_default_dtype()).toBe(torch.float64);
    expect(torch.arange(0.5, 2).dtype).toBe(torch.float64);
    expect(torch.linspace(0, 1, 3).dtype).toBe(torch.float64);
    expect(torch.tensor([0.5]).dtype).toBe(torch.float64);
    torch.set_default_dtype(torch.float32);
    const back = await inWorker<string[]>(`return [String(torch.get_default_dtype()), String(torch.arange(0.5, 2).dtype)];`);
    expect(back).toEqual(['torch.float32', 'torch.float32']);
  });
});
