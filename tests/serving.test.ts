// torch.serving.MicroBatcher: batching single requests for a model served from Node. Timings use
// real short delays with generous bounds (the machine is shared and noisy): no test depends on a
// timer firing on time, only on the order of events and on loose upper bounds.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';

const { MicroBatcher, QueueFullError } = torch.serving;
type Tensor = torch.Tensor;
const aten = torch.ops.aten as any;

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until cond() holds, polling; fails after a generous timeout. */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** The settled state of a promise without waiting for it. */
async function state(p: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const marker = Symbol();
  try {
    return (await Promise.race([p, Promise.resolve(marker)])) === marker ? 'pending' : 'fulfilled';
  } catch {
    return 'rejected';
  }
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() as number);
}

function isAbortError(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

describe('MicroBatcher: values', () => {
  it('gives each caller the row a lone forward of its input gives (nn.Linear under no_grad)', async () => {
    torch.manual_seed(0);
    const model = new torch.nn.Linear(8, 3);
    const sizes: number[] = [];
    const batcher = new MicroBatcher({
      run: (batch) => {
        sizes.push(batch.shape[0]);
        return torch.no_grad(() => torch.tidy(() => model.forward(batch)));
      },
      maxBatch: 4,
      maxDelayMs: 5,
    });
    const inputs = Array.from({ length: 10 }, () => torch.randn(8));
    const outputs = await Promise.all(inputs.map((x) => batcher.submit(x)));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < inputs.length; i++) {
      const alone = torch.no_grad(() => model.forward(inputs[i].unsqueeze(0)).squeeze(0));
      expect(outputs[i].shape).toEqual([3]);
      expect(outputs[i].requires_grad).toBe(false);
      expect(maxAbsDiff(outputs[i], alone)).toBeLessThan(1e-5);
      expect(inputs[i].is_disposed).toBe(false); // the caller's input stays the caller's
    }
    await batcher.close();
  });

  it('runs an async batch function: awaits torch.ops.aten.addmm.default.async', async () => {
    torch.manual_seed(1);
    const w = torch.randn(16, 5), bias = torch.randn(5);
    let runs = 0;
    const batcher = new MicroBatcher({
      run: async (batch) => {
        runs++;
        const out = (await aten.addmm.default.async(bias, batch, w)) as Tensor;
        return out;
      },
      maxBatch: 8,
      maxDelayMs: 3,
    });
    const inputs = Array.from({ length: 20 }, () => torch.randn(16));
    const outputs = await Promise.all(inputs.map((x) => batcher.submit(x)));
    expect(runs).toBeLessThan(20); // batched, not one run per request
    for (let i = 0; i < inputs.length; i++) {
      const alone = aten.addmm.default(bias, inputs[i].unsqueeze(0), w).squeeze(0) as Tensor;
      expect(maxAbsDiff(outputs[i], alone)).toBeLessThan(1e-5);
    }
    await batcher.close();
  });

  it('gives each caller a copy of its row that it owns', async () => {
    const batcher = new MicroBatcher({ run: (b) => b.mul(2), maxBatch: 4, maxDelayMs: 1 });
    const [r0, r1] = await Promise.all([batcher.submit(torch.tensor([1, 2, 3])), batcher.submit(torch.tensor([4, 5, 6]))]);
    expect(r0.tolist()).toEqual([2, 4, 6]);
    expect(r1.tolist()).toEqual([8, 10, 12]);
    // its own storage: one row, contiguous, writable without touching the other
    expect(r0.is_contiguous()).toBe(true);
    r0.zero_();
    expect(r1.tolist()).toEqual([8, 10, 12]);
    // not owned by any scope: a later tidy leaves it alone
    torch.tidy(() => r1.add(1));
    expect(r1.is_disposed).toBe(false);
    await batcher.close();
  });

  it('batches inputs of different shapes separately, each with correct values', async () => {
    const seen: number[][] = [];
    const batcher = new MicroBatcher({
      run: (b) => {
        seen.push(b.shape);
        return b.sum(-1);
      },
      maxBatch: 8,
      maxDelayMs: 5,
    });
    const xs = [torch.ones(3), torch.ones(5), torch.ones(3).mul(2), torch.ones(5).mul(2), torch.ones(2, 2)];
    const out = await Promise.all(xs.map((x) => batcher.submit(x)));
    expect(out.map((t) => t.tolist())).toEqual([3, 5, 6, 10, [2, 2]]);
    expect(seen.map((s) => s.join('x')).sort()).toEqual(['1x2x2', '2x3', '2x5']);
    await batcher.close();
  });

  it('takes arrays of tensors in and out (several inputs or outputs per request)', async () => {
    const batcher = new MicroBatcher<[Tensor, Tensor], [Tensor, Tensor]>({
      run: ([a, b]) => [a.add(b), a.mul(b)],
      maxBatch: 4,
      maxDelayMs: 2,
    });
    const [r0, r1] = await Promise.all([
      batcher.submit([torch.tensor([1, 2]), torch.tensor([3, 4])]),
      batcher.submit([torch.tensor([5, 6]), torch.tensor([7, 8])]),
    ]);
    expect(r0.map((t) => t.tolist())).toEqual([[4, 6], [3, 8]]);
    expect(r1.map((t) => t.tolist())).toEqual([[12, 14], [35, 48]]);
    expect(batcher.stats().batches).toBe(1);
    await batcher.close();
  });
});

describe('MicroBatcher: when batches start', () => {
  it('never runs more than maxBatch requests at once, and reports its counters', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher({
      run: async (b) => {
        sizes.push(b.shape[0]);
        return (await aten.mul.Scalar.async(b, 3)) as Tensor;
      },
      maxBatch: 7,
      maxDelayMs: 2,
    });
    const out = await Promise.all(Array.from({ length: 100 }, (_, i) => batcher.submit(torch.tensor([i], { dtype: torch.float32 }))));
    out.forEach((t, i) => expect(t.tolist()).toEqual([3 * i]));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    const s = batcher.stats();
    expect(s).toMatchObject({ queued: 0, running: 0, batches: sizes.length, requests: 100, rejected: 0, cancelled: 0 });
    expect(s.meanBatchSize).toBeCloseTo(100 / sizes.length);
    expect(s.meanBatchSize).toBeGreaterThan(1);
    await batcher.close();
  });

  it('serves a lone request after about maxDelayMs', async () => {
    const batcher = new MicroBatcher({ run: (b) => b.neg(), maxBatch: 32, maxDelayMs: 20 });
    const t0 = performance.now();
    const r = await batcher.submit(torch.tensor([1.5]));
    const elapsed = performance.now() - t0;
    expect(r.tolist()).toEqual([-1.5]);
    expect(elapsed).toBeGreaterThanOrEqual(15); // it waited for company...
    expect(elapsed).toBeLessThan(3_000); // ...but not for long (loose: the machine is noisy)
    expect(batcher.stats().batches).toBe(1);
    await batcher.close();
  });

  it('starts a full batch at once, without waiting for maxDelayMs', async () => {
    const batcher = new MicroBatcher({ run: (b) => b.neg(), maxBatch: 4, maxDelayMs: 60_000 });
    const t0 = performance.now();
    const out = await Promise.all([1, 2, 3, 4].map((v) => batcher.submit(torch.tensor([v]))));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(out.map((t) => t.item())).toEqual([-1, -2, -3, -4]);
    expect(batcher.stats().batches).toBe(1);
    await batcher.close();
  });

  it('keeps queueing while the runs are busy and forms the next batch when one finishes', async () => {
    const gate = deferred();
    const sizes: number[] = [];
    const batcher = new MicroBatcher({
      run: async (b) => {
        sizes.push(b.shape[0]);
        if (sizes.length === 1) await gate.promise;
        return b.add(1);
      },
      maxBatch: 8,
      maxDelayMs: 1,
    });
    const first = batcher.submit(torch.tensor([0]));
    await until(() => sizes.length === 1, 'the first run');
    const rest = Array.from({ length: 5 }, (_, i) => batcher.submit(torch.tensor([i + 1])));
    await sleep(30); // well past maxDelayMs: they still wait, the only run is busy
    expect(batcher.stats()).toMatchObject({ queued: 5, running: 1 });
    gate.resolve();
    expect((await first).item()).toBe(1);
    expect((await Promise.all(rest)).map((t) => t.item())).toEqual([2, 3, 4, 5, 6]);
    expect(sizes).toEqual([1, 5]);
    await batcher.close();
  });

  it('with concurrency 2, overlaps two runs (and with 1, never does)', async () => {
    for (const concurrency of [2, 1]) {
      let active = 0, peak = 0;
      const batcher = new MicroBatcher({
        run: async (b) => {
          active++;
          peak = Math.max(peak, active);
          // real async work on a worker thread, then a pause so that runs would overlap
          const out = (await aten.addmm.default.async(torch.zeros(4), b, torch.eye(4))) as Tensor;
          await sleep(30);
          active--;
          return out;
        },
        maxBatch: 2,
        maxDelayMs: 1,
        concurrency,
      });
      const xs = Array.from({ length: 8 }, (_, i) => torch.full([4], i, { dtype: torch.float32 }));
      let sawTwoRunning = false;
      const all = Promise.all(xs.map((x) => batcher.submit(x)));
      const watch = (async () => {
        while ((await state(all)) === 'pending') {
          if (batcher.stats().running === 2) sawTwoRunning = true;
          await sleep(2);
        }
      })();
      const out = await all;
      await watch;
      out.forEach((t, i) => expect(t.tolist()).toEqual([i, i, i, i]));
      expect(peak).toBe(concurrency);
      expect(sawTwoRunning).toBe(concurrency === 2);
      await batcher.close();
    }
  });
});

describe('MicroBatcher: back-pressure', () => {
  it('rejects at once with a QueueFullError when maxQueue requests wait', async () => {
    const gate = deferred();
    let started = 0;
    const batcher = new MicroBatcher({
      run: async (b) => {
        started++;
        await gate.promise;
        return b.clone();
      },
      maxBatch: 1,
      maxDelayMs: 1,
      maxQueue: 3,
    });
    const running = batcher.submit(torch.tensor([0]));
    await until(() => started === 1, 'the first run');
    const waiting = [1, 2, 3].map((v) => batcher.submit(torch.tensor([v])));
    const refused = batcher.submit(torch.tensor([4]));
    expect(batcher.stats()).toMatchObject({ queued: 3, running: 1, rejected: 1 }); // counted synchronously
    const err = await refused.catch((e) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('QUEUE_FULL');
    expect(err.name).toBe('QueueFullError');
    expect(err.message).toMatch(/queue is full/);
    gate.resolve();
    expect((await running).item()).toBe(0);
    expect((await Promise.all(waiting)).map((t) => t.item())).toEqual([1, 2, 3]);
    // room again
    expect((await batcher.submit(torch.tensor([5]))).item()).toBe(5);
    await batcher.close();
  });
});

describe('MicroBatcher: cancellation', () => {
  it('rejects at once for an already aborted signal, and never runs it', async () => {
    let runs = 0;
    const batcher = new MicroBatcher({ run: (b) => (runs++, b.clone()), maxDelayMs: 1 });
    const ac = new AbortController();
    ac.abort();
    const p = batcher.submit(torch.tensor([1]), { signal: ac.signal });
    expect(await state(p)).toBe('rejected');
    const err = await p.catch((e) => e);
    expect(isAbortError(err)).toBe(true);
    await sleep(20);
    expect(runs).toBe(0);
    expect(batcher.stats()).toMatchObject({ queued: 0, cancelled: 1, batches: 0 });
    await batcher.close();
  });

  it('removes a request aborted before its batch starts from the queue', async () => {
    const seen: number[][] = [];
    const batcher = new MicroBatcher({
      run: (b) => {
        seen.push((b.tolist() as number[][]).map((r) => r[0]));
        return b.mul(10);
      },
      maxBatch: 3,
      maxDelayMs: 60_000,
    });
    const ac = new AbortController();
    const a = batcher.submit(torch.tensor([1]));
    const b = batcher.submit(torch.tensor([2]), { signal: ac.signal });
    expect(batcher.stats().queued).toBe(2);
    ac.abort();
    const err = await b.catch((e) => e);
    expect(isAbortError(err)).toBe(true);
    expect(batcher.stats()).toMatchObject({ queued: 1, cancelled: 1 });
    const c = batcher.submit(torch.tensor([3]));
    const d = batcher.submit(torch.tensor([4])); // the batch is full now: 1, 3, 4
    expect((await Promise.all([a, c, d])).map((t) => t.item())).toEqual([10, 30, 40]);
    expect(seen).toEqual([[1, 3, 4]]);
    await batcher.close();
  });

  it('rejects a request aborted while its batch runs at once, and frees its row', async () => {
    const before = liveTensors();
    const gate = deferred();
    let started = 0;
    const batcher = new MicroBatcher({
      run: async (b) => {
        started++;
        await gate.promise;
        return b.mul(2);
      },
      maxBatch: 2,
      maxDelayMs: 1,
    });
    const x = torch.tensor([1]), y = torch.tensor([2]);
    const ac = new AbortController();
    const kept = batcher.submit(x);
    const aborted = batcher.submit(y, { signal: ac.signal });
    await until(() => started === 1, 'the run');
    ac.abort();
    expect(await state(aborted)).toBe('rejected'); // before the run has finished
    expect(isAbortError(await aborted.catch((e) => e))).toBe(true);
    expect(batcher.stats()).toMatchObject({ running: 1, cancelled: 1 });
    gate.resolve();
    const r = await kept;
    expect(r.item()).toBe(2);
    await batcher.close();
    r.dispose();
    x.dispose();
    y.dispose();
    expect(liveTensors()).toBe(before); // the dropped row, the batch and the output are all gone
  });

  it('removes its abort listener once the request settles', async () => {
    const batcher = new MicroBatcher({ run: (b) => b.clone(), maxDelayMs: 1 });
    const ac = new AbortController();
    let calls = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    const remove = ac.signal.removeEventListener.bind(ac.signal);
    (ac.signal as any).addEventListener = (...a: Parameters<typeof add>) => (calls++, add(...a));
    (ac.signal as any).removeEventListener = (...a: Parameters<typeof remove>) => (calls--, remove(...a));
    for (let i = 0; i < 5; i++) await batcher.submit(torch.tensor([i]), { signal: ac.signal });
    expect(calls).toBe(0);
    ac.abort(); // late: nothing happens
    expect(batcher.stats().cancelled).toBe(0);
    await batcher.close();
  });
});

describe('MicroBatcher: failures', () => {
  it("rejects every request of a failed batch with run's error, and keeps serving", async () => {
    for (const kind of ['throws', 'rejects']) {
      const batcher = new MicroBatcher({
        run: (b) => {
          if ((b.min().item() as number) < 0) {
            const e = new Error(`bad batch (${kind})`);
            if (kind === 'throws') throw e;
            return Promise.reject(e);
          }
          return b.add(100);
        },
        maxBatch: 2,
        maxDelayMs: 60_000, // only full batches run
      });
      const bad = [batcher.submit(torch.tensor([1])), batcher.submit(torch.tensor([-1]))];
      const good = [batcher.submit(torch.tensor([2])), batcher.submit(torch.tensor([3]))];
      for (const p of bad) await expect(p).rejects.toThrow(`bad batch (${kind})`);
      expect((await Promise.all(good)).map((t) => t.item())).toEqual([102, 103]);
      // and later still
      const later = await Promise.all([batcher.submit(torch.tensor([4])), batcher.submit(torch.tensor([5]))]);
      expect(later.map((t) => t.item())).toEqual([104, 105]);
      await batcher.close();
    }
  });

  it('rejects clearly when run returns something that cannot be split per request', async () => {
    const cases: [string, (b: Tensor) => any, RegExp][] = [
      ['a number', () => 3, /must return a Tensor or an array of Tensors, got number/],
      ['too few rows', (b) => b.sum(0, { keepdim: true }), /shape \[1, 2\] for a batch of 3/],
      ['a 0-dim tensor', (b) => b.sum(), /shape \[\] for a batch of 3/],
    ];
    for (const [, run, message] of cases) {
      const batcher = new MicroBatcher({ run, maxBatch: 3, maxDelayMs: 60_000 });
      const ps = [1, 2, 3].map((v) => batcher.submit(torch.tensor([v, v])));
      for (const p of ps) await expect(p).rejects.toThrow(message);
      await batcher.close();
    }
  });

  it('fails only the request whose input was disposed after submit, with a clear error', async () => {
    const seen: number[] = [];
    const batcher = new MicroBatcher({
      run: (b) => {
        seen.push(b.shape[0]);
        return b.mul(2);
      },
      maxBatch: 8,
      maxDelayMs: 20,
    });
    const x = torch.tensor([1]), y = torch.tensor([2]);
    const px = batcher.submit(x), py = batcher.submit(y);
    x.dispose(); // the caller broke its promise to keep it alive until the batch starts
    await expect(px).rejects.toThrow(torch.TorchError);
    await expect(px).rejects.toThrow(/input of this request was disposed before its batch started/);
    expect((await py).item()).toBe(4);
    expect(seen).toEqual([1]);
    // a disposed input, or something else than a tensor, is refused at submit
    await expect(batcher.submit(x)).rejects.toThrow(/the input is disposed/);
    await expect(batcher.submit({ h: 1 } as any)).rejects.toThrow(TypeError);
    await expect(batcher.submit([] as any)).rejects.toThrow(/empty array/);
    await batcher.close();
  });

  it('refuses bad options', () => {
    const run = (b: Tensor) => b;
    expect(() => new MicroBatcher({} as any)).toThrow(/options.run must be a function/);
    expect(() => new MicroBatcher({ run, maxBatch: 0 })).toThrow(RangeError);
    expect(() => new MicroBatcher({ run, maxBatch: 1.5 })).toThrow(RangeError);
    expect(() => new MicroBatcher({ run, maxQueue: -1 })).toThrow(RangeError);
    expect(() => new MicroBatcher({ run, concurrency: 0 })).toThrow(RangeError);
    expect(() => new MicroBatcher({ run, maxDelayMs: -1 })).toThrow(RangeError);
    expect(() => new MicroBatcher({ run, maxDelayMs: NaN })).toThrow(RangeError);
  });
});

describe('MicroBatcher: close', () => {
  it('runs what is queued without waiting, then refuses new requests', async () => {
    const batcher = new MicroBatcher({ run: (b) => b.add(1), maxBatch: 16, maxDelayMs: 60_000 });
    const ps = [1, 2, 3].map((v) => batcher.submit(torch.tensor([v])));
    const t0 = performance.now();
    await batcher.close();
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(batcher.closed).toBe(true);
    expect(await Promise.all([state(ps[0]), state(ps[1]), state(ps[2])])).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect((await Promise.all(ps)).map((t) => t.item())).toEqual([2, 3, 4]);
    await expect(batcher.submit(torch.tensor([9]))).rejects.toThrow(/the batcher is closed/);
    await batcher.close(); // again: fine
    expect(batcher.stats()).toMatchObject({ queued: 0, running: 0, batches: 1, requests: 3 });
  });

  it('waits for a running batch before resolving', async () => {
    const gate = deferred();
    const batcher = new MicroBatcher({
      run: async (b) => {
        await gate.promise;
        return b.clone();
      },
      maxDelayMs: 1,
    });
    const p = batcher.submit(torch.tensor([7]));
    await until(() => batcher.stats().running === 1, 'the run');
    const closing = batcher.close();
    await sleep(10);
    expect(await state(closing)).toBe('pending');
    gate.resolve();
    await closing;
    expect((await p).item()).toBe(7);
  });
});

describe('MicroBatcher: memory', () => {
  it('frees the stacked batch, the output and the row views itself, not through the GC', async () => {
    const w = torch.randn(6, 2), bias = torch.randn(2);
    for (const run of [
      (b: Tensor) => torch.tidy(() => b.matmul(w).add(bias)),
      async (b: Tensor) => (await aten.addmm.default.async(bias, b, w)) as Tensor,
    ]) {
      const batcher = new MicroBatcher({ run, maxBatch: 8, maxDelayMs: 1 });
      const before = liveTensors();
      const inputs = Array.from({ length: 20 }, () => torch.randn(6));
      const rows = await Promise.all(inputs.map((x) => batcher.submit(x)));
      // No collection since `before`: a tensor the batcher left to the GC would still count here.
      expect(torch.memory_stats().live_tensors).toBe(before + inputs.length + rows.length);
      await batcher.close();
      for (const t of [...inputs, ...rows]) t.dispose();
      expect(torch.memory_stats().live_tensors).toBe(before);
    }
  });

  it('leaks no tensor over 1,000 requests (sync and async runs, aborts, failures)', async () => {
    torch.manual_seed(2);
    const model = new torch.nn.Linear(16, 4);
    const w = torch.randn(16, 4), bias = torch.randn(4);
    const before = liveTensors();
    for (const mode of ['sync', 'async']) {
      let runs = 0;
      const batcher = new MicroBatcher({
        run:
          mode === 'sync'
            ? (b) => torch.no_grad(() => torch.tidy(() => model.forward(b)))
            : async (b) => {
                if (++runs % 10 === 0) throw new Error('every tenth run fails');
                return (await aten.addmm.default.async(bias, b, w)) as Tensor;
              },
        maxBatch: 16,
        maxDelayMs: 1,
        maxQueue: 1_000,
      });
      const inputs = Array.from({ length: 500 }, () => torch.randn(16));
      const controllers = inputs.map(() => new AbortController());
      const ps = inputs.map((x, i) => batcher.submit(x, { signal: controllers[i].signal }));
      const all = Promise.allSettled(ps);
      // some abort while queued, some while running
      for (let i = 0; i < inputs.length; i += 37) controllers[i].abort();
      await sleep(2);
      for (let i = 5; i < inputs.length; i += 41) controllers[i].abort();
      const settled = await all;
      await batcher.close();
      let fulfilled = 0;
      for (const s of settled) {
        if (s.status === 'fulfilled') {
          fulfilled++;
          expect(s.value.shape).toEqual([4]);
          s.value.dispose();
        }
      }
      expect(fulfilled).toBeGreaterThan(300);
      for (const x of inputs) {
        expect(x.is_disposed).toBe(false);
        x.dispose();
      }
      expect(batcher.stats().queued + batcher.stats().running).toBe(0);
    }
    expect(liveTensors()).toBe(before);
  });
});
