// The memory model: explicit dispose, scopes, `using`, and a plain loop with no memory code
// that must stay bounded because GC-time finalizers free what the JS side dropped.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';

// Plain counts, for the loops that rely on the GC running by itself.
const live = () => torch.memory_stats().live_tensors;
// What torchnode has told V8 of (V8's own statistics count only ArrayBuffers).
const external = () => torch.memory_stats().v8_external_bytes;
const MB = 2 ** 20;

/** Start times of the young-generation collections (scavenges) while fn runs, as V8 reports them to perf_hooks. */
async function scavengeTimes(fn: () => void): Promise<number[]> {
  const times: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) times.push(e.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  // GC entries reach observers asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return times;
}

const countScavenges = async (fn: () => void) => (await scavengeTimes(fn)).length;

/**
 * What script prints, run in a fresh Node process from the repository root, with the CPU cache's
 * settings of this run taken out of the environment (plus env): the cache is per process, and
 * earlier tests fill it.
 */
function inFreshProcess(script: string, env: Record<string, string> = {}): string {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('TORCHNODE_CPU_CACHE_MB' in env)) delete childEnv.TORCHNODE_CPU_CACHE_MB;
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.join(__dirname, '..'), env: childEnv, encoding: 'utf8' });
}

const lastJsonLine = (out: string): unknown => JSON.parse(out.trim().split('\n').pop()!);

// Tests of the CPU cache's own behaviour: not where it is turned off (the AddressSanitizer run
// turns it off to see every free).
const itWithCpuCache = it.skipIf(process.env.TORCHNODE_CPU_CACHE_MB === '0');

describe('explicit release', () => {
  it('dispose frees at once and the counters follow', () => {
    liveTensors(); // older garbage collected first, so nothing but t changes the counters
    const before = torch.memory_stats();
    const t = torch.zeros(1000);
    expect(torch.memory_stats().live_tensors).toBe(before.live_tensors + 1);
    expect(torch.memory_stats().live_bytes).toBe(before.live_bytes + 4000);
    t.dispose();
    // (v8_external_bytes is left out: t's track() may report frees that earlier tests left.)
    const { live_tensors, live_bytes } = torch.memory_stats();
    expect({ live_tensors, live_bytes }).toEqual({ live_tensors: before.live_tensors, live_bytes: before.live_bytes });
  });
  it('Symbol.dispose works with `using`', () => {
    const before = liveTensors();
    {
      using t = torch.ones(10);
      expect(t.sum().item()).toBe(10);
    }
    // the `using` tensor is gone at the block's end; the sum's result is left to the GC
    expect(liveTensors()).toBeLessThanOrEqual(before + 1);
  });
});

describe('scopes', () => {
  it('tidy frees intermediates and keeps the returned tensors', () => {
    const before = liveTensors();
    const out = torch.tidy(() => {
      const a = torch.ones(4);
      const b = a.mul(3).add(1);
      return { b, list: [a.sum()] };
    });
    expect(liveTensors()).toBe(before + 2);
    expect(out.b.tolist()).toEqual([4, 4, 4, 4]);
    expect(out.list[0].item()).toBe(4);
  });
  it('keep() lets a tensor outlive its scope', () => {
    const before = liveTensors();
    let kept: torch.Tensor | undefined;
    torch.tidy(() => {
      kept = torch.keep(torch.arange(3));
      torch.ones(5);
    });
    expect(liveTensors()).toBe(before + 1);
    expect(kept!.tolist()).toEqual([0, 1, 2]);
  });
  it('nested scopes hand returned tensors to the enclosing scope', () => {
    const before = liveTensors();
    torch.tidy(() => {
      const inner = torch.tidy(() => torch.ones(2).add(1));
      expect(inner.tolist()).toEqual([2, 2]);
    });
    expect(liveTensors()).toBe(before);
  });
  it('a throwing scope still frees its tensors', () => {
    const before = liveTensors();
    expect(() =>
      torch.tidy(() => {
        torch.ones(3);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(liveTensors()).toBe(before);
  });
  it('`using scope = torch.scope()` frees the block', () => {
    const before = liveTensors();
    let kept: torch.Tensor;
    {
      using scope = torch.scope();
      torch.randn(8).relu();
      kept = scope.keep(torch.zeros(1));
    }
    expect(liveTensors()).toBe(before + 1);
    expect(kept.tolist()).toEqual([0]);
  });
  it('rejects async functions, which scopes cannot follow', () => {
    expect(() => torch.tidy((async () => 1) as never)).toThrow(/synchronous/);
  });
  it('a 5,000-iteration loop inside a scope keeps the live count flat', () => {
    const w = torch.randn(16, 16);
    const start = live();
    for (let i = 0; i < 5000; i++) {
      torch.tidy(() => {
        const x = torch.randn(4, 16);
        x.matmul(w).relu().add(1).sum();
      });
      // Garbage from earlier tests may be collected meanwhile, so the count can only fall.
      if (i % 1000 === 0) expect(live()).toBeLessThanOrEqual(start);
    }
    expect(live()).toBeLessThanOrEqual(start);
  });
  it('a scope of 2,500 tensors frees every one (handles go to the native side in batches of 1,024)', () => {
    const before = liveTensors();
    const kept: torch.Tensor[] = [];
    let returned!: torch.Tensor;
    const made: torch.Tensor[] = [];
    torch.tidy(() => {
      const one = torch.ones(1);
      made.push(one);
      for (let i = 0; i < 2500; i++) made.push(one.add(i));
      kept.push(torch.keep(made[1234]));
      returned = made[2000];
      return returned;
    });
    expect(made.filter((t) => t.is_disposed)).toHaveLength(made.length - 2);
    expect(kept[0].item()).toBe(1234);
    expect(returned.item()).toBe(2000);
    expect(liveTensors()).toBe(before + 2);
  });
});

describe('no memory code at all', () => {
  it('5,000 iterations of a small op chain stay bounded in RSS and live tensors', () => {
    // 256x256 float32 = 256 KiB per tensor, four per iteration: about 5 GB if nothing were freed.
    const a = torch.randn(256, 256);
    const step = () => a.mul(2).add(1).relu().sum().item();
    for (let i = 0; i < 500; i++) step();
    const rssWarm = process.memoryUsage().rss;
    let maxLive = 0;
    for (let i = 0; i < 5000; i++) {
      step();
      if (i % 100 === 0) maxLive = Math.max(maxLive, live());
    }
    const growthMb = (process.memoryUsage().rss - rssWarm) / 2 ** 20;
    expect(growthMb).toBeLessThan(300);
    expect(maxLive).toBeLessThan(5000);
  });

  it('small tensors left to the GC are freed by young-generation collections, not only by full ones', () => {
    // 8 KB tensors, seven per step: without the scavenges that track() asks for every 8 MB,
    // V8 waited for external-memory pressure and about 16,000 of them were alive at a time.
    const x = torch.linspace(-3, 3, 2000);
    const step = () => x.mul(2).add(1).pow(2).sub(x).abs().sum().item();
    for (let i = 0; i < 200; i++) step();
    let maxLive = 0;
    for (let i = 0; i < 4000; i++) {
      step();
      if (i % 50 === 0) maxLive = Math.max(maxLive, live());
    }
    expect(maxLive).toBeLessThan(3000);
  });

  it('many small tensors are collected a few hundred at a time; large ones wait for the whole step', async () => {
    // 8 KB results: at 8 MB a scavenge, about 960 were alive at its time and their burst of frees
    // cost more per tensor; now one comes after 512 of them (and 1 MB).
    const x = torch.linspace(-3, 3, 2000);
    for (let i = 0; i < 2000; i++) x.mul(2);
    const before = live();
    let maxLive = 0;
    for (let i = 0; i < 4000; i++) {
      x.mul(2);
      maxLive = Math.max(maxLive, live() - before);
    }
    expect(maxLive).toBeLessThan(600);
    // 1 MB results: 200 MB of them still ask for a scavenge about every 8 MB (a scavenge costs
    // about 75 us however little it finds), not one per result.
    const scavenges = await countScavenges(() => {
      const y = torch.ones(256, 1024);
      for (let i = 0; i < 200; i++) y.relu();
    });
    expect(scavenges).toBeGreaterThanOrEqual(20);
    expect(scavenges).toBeLessThan(50);
  });

  it('V8 hears of the autograd graphs that tensors left to the GC keep alive, and of their release', () => {
    // A loop that keeps its outputs until the step ends (outputs.push(...)) moves them to the old
    // generation, each keeping the step's graph alive. Told only of their own bytes, V8 saw no
    // reason for a full collection: the benchmark's LSTMCell loop grew by 23 MB of graph a step
    // to 960 MB of RSS, then spent a second in one collection.
    const cell = new torch.nn.LSTMCell(1, 51).double();
    const input = torch.randn([4, 300], { dtype: torch.float64 });
    const step = () => {
      const outputs: torch.Tensor[] = [];
      let h = torch.zeros([4, 51], { dtype: torch.float64 });
      let c = torch.zeros([4, 51], { dtype: torch.float64 });
      for (const x of input.split(1, 1)) {
        [h, c] = cell.forward(x, [h, c]);
        outputs.push(h.sum());
      }
      torch.stack(outputs).sum().backward();
      return outputs;
    };
    const settle = () => {
      liveTensors();
      for (let i = 0; i < 3000; i++) torch.zeros(1); // enough for a young-collection request, which recounts
    };
    settle();
    const before = external();
    let kept: torch.Tensor[] | null = step();
    // 300 cell steps of about 17 nodes each, counted at 700 bytes a node: 3.5 MB. Their own
    // bytes (300 outputs of 8 bytes plus 512 of overhead each) are about 0.15 MB.
    expect(external() - before).toBeGreaterThan(2.5 * MB);
    expect(kept.length).toBe(300);
    kept = null;
    settle();
    expect(external() - before).toBeLessThan(0.5 * MB);
  });

  it('tensors disposed by hand do not count toward the young collections asked for the GC', async () => {
    // 1 MB results created outside any scope (so handed to the GC) and disposed at once: 200 MB
    // in all, which counted would ask for a scavenge every 8 MB, 25 of them.
    const scavenges = await countScavenges(() => {
      const x = torch.ones(256, 1024);
      for (let i = 0; i < 200; i++) x.relu().dispose();
      x.dispose();
    });
    expect(scavenges).toBeLessThan(5);
    // The same results left to the GC are still collected young. (First, 64 MB of them bring the
    // step back to 8 MB: an earlier test whose tensors outlived their collections may have grown it.)
    const x = torch.ones(256, 1024);
    for (let i = 0; i < 64; i++) x.relu();
    const left = await countScavenges(() => {
      for (let i = 0; i < 200; i++) x.relu();
    });
    expect(left).toBeGreaterThanOrEqual(20);
  });

  it('aliases of memory something else holds count nothing toward the young collections; results autograd recorded count in full', async () => {
    // p.grad is the tensor the parameter holds, p.data and detach() new tensors on its storage:
    // freeing them frees nothing. Counted at 1 MB each, these 600 asked for about 75 scavenges
    // (and, surviving them, were reported to V8 as external memory).
    const p = torch.ones([256, 1024], { requires_grad: true });
    p.sum().backward();
    const aliases = await countScavenges(() => {
      for (let i = 0; i < 200; i++) {
        p.grad;
        p.data;
        p.detach();
      }
    });
    expect(aliases).toBeLessThan(3);
    // sigmoid's backward saves its output, so the graph shares that storage: each result still
    // counts its 1 MB, or a loop like this would pile up 16,000 of them between collections.
    const recorded = await countScavenges(() => {
      for (let i = 0; i < 200; i++) p.sigmoid();
    });
    expect(recorded).toBeGreaterThanOrEqual(20);
    // And a fresh result with no graph counts in full as before.
    const fresh = await countScavenges(() => {
      torch.no_grad(() => {
        for (let i = 0; i < 200; i++) p.sigmoid();
      });
    });
    expect(fresh).toBeGreaterThanOrEqual(20);
  });

  it('V8 learns of tensors left to the GC once they outlive a young collection, not while they are young', async () => {
    // V8 counts the external memory reported since its last mark-compact against the old
    // generation's limit; told about each young step as it grew, it marked the old generation
    // without pause in small heaps. The young ones are hidden until the next requested scavenge.
    // (V8's own statistics count only ArrayBuffers, not what addons report.)
    // Earlier tests' garbage is collected first: counted in `before` and finalized by a full
    // collection during the loop below (the 98 MB may start one), it would lower the difference.
    liveTensors();
    torch.zeros(1); // reports whatever earlier tests left pending
    const before = external();
    const kept = [torch.zeros(512, 1024)]; // 2 MB handed to the GC
    expect(external() - before).toBeLessThan(MB);
    // Kept alive, they survive every scavenge: V8 is told about all but the last young step
    // (at most 32 MB, the largest the step grows to).
    for (let i = 0; i < 48; i++) kept.push(torch.zeros(512, 1024));
    expect(external() - before).toBeGreaterThan((98 - 32 - 1) * MB);
    for (const t of kept) t.dispose();
    torch.zeros(1);
    expect(external() - before).toBeLessThan(MB);
    // Those survivors grew the young step to its largest; results that die young bring it back:
    // 200 MB of them ask for about 25 scavenges at 8 MB, 7 at a step stuck at 32 MB.
    const scavenges = await countScavenges(() => {
      const x = torch.ones(256, 1024);
      for (let i = 0; i < 200; i++) x.relu();
    });
    expect(scavenges).toBeGreaterThanOrEqual(18);
  });

  it('one-element results left to the GC are collected every few thousand, not every few hundred thousand', () => {
    // Counting only data bytes (4 per result) toward the young-collection requests let about
    // 500,000 of them pile up between scavenges, 550 MB of native memory.
    const a = torch.ones(1), b = torch.ones(1);
    for (let i = 0; i < 20_000; i++) a.add(b);
    let maxLive = 0;
    for (let i = 0; i < 100_000; i++) {
      a.add(b);
      if (i % 1000 === 0) maxLive = Math.max(maxLive, live());
    }
    expect(maxLive).toBeLessThan(60_000);
  });
});

describe('allocation paths', () => {
  it('freed blocks that the CPU cache hands out again hold the new values, in every size class', () => {
    // Sizes across the cache's classes (64 B to past its 16 MB limit), freed and reallocated.
    for (const n of [1, 15, 16, 17, 130, 1000, 4097, 70_000, 262_144, 262_145, 1_000_000, 1_200_000, 4_194_304, 4_200_000]) {
      for (let round = 0; round < 3; round++) {
        torch.tidy(() => {
          const t = torch.full([n], round + 0.5);
          const s = t.add(1).sum().item() as number;
          expect(s).toBeCloseTo(n * (round + 1.5), 0);
          const a = t.toTypedArray() as Float32Array;
          expect(a.length).toBe(n);
          expect(a[0]).toBe(round + 0.5);
          expect(a[n - 1]).toBe(round + 0.5);
        });
      }
    }
  });

  itWithCpuCache('a large block a scope frees last is the next one handed out, so a step writes first where the last step wrote last', () => {
    // In a fresh process with the default cache, so that no earlier test has filled it.
    // torch.empty shows which freed block it got: glibc merged the four 6 MB blocks and handed
    // out the first one again (filled with 1), which in a loop left every result in the block
    // least recently touched.
    const script = [
      "const torch = require('./lib/index');",
      'const n = 1_500_000;',
      'torch.tidy(() => { for (let v = 1; v <= 4; v++) torch.full([n], v, { dtype: torch.float32 }); });',
      'const a = torch.empty([n]).toTypedArray();',
      'console.log(JSON.stringify([a[0], a[n - 1]]));',
    ].join('\n');
    expect(lastJsonLine(inFreshProcess(script))).toEqual([4, 4]);
  });

  itWithCpuCache('blocks of a size nothing has asked for in a second leave a full cache to the sizes in use', () => {
    // An 8 MB cache filled by an earlier phase's 2 MB blocks; then 3 MB blocks, freed by a scope
    // once a second. The cache looks for idle classes when it is full, at most once a second: the
    // first look notes what each class has been asked for, the next drops the 2 MB blocks, and
    // from then on torch.empty gets the 3 MB block the scope freed last (filled with 2). Without
    // the drop, every 3 MB block went to glibc, which handed out the first one (filled with 1).
    const script = [
      "const torch = require('./lib/index');",
      'const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);',
      'torch.tidy(() => { for (let i = 0; i < 5; i++) torch.empty([524_288]); });',
      'const n = 750_000;',
      'const seen = [];',
      'for (let round = 0; round < 3; round++) {',
      '  sleep(1100);',
      '  torch.tidy(() => { for (let v = 1; v <= 2; v++) torch.full([n], v, { dtype: torch.float32 }); });',
      '  seen.push(torch.tidy(() => torch.empty([n]).toTypedArray()[0]));',
      '}',
      'console.log(JSON.stringify(seen.slice(1)));',
    ].join('\n');
    expect(lastJsonLine(inFreshProcess(script, { TORCHNODE_CPU_CACHE_MB: '8' }))).toEqual([2, 2]);
  }, 30_000);

  it('a large export (the huge-page path) copies every element', () => {
    const n = 3_000_000; // 12 MB of int32, past the 4 MB huge-page threshold
    const t = torch.arange(n, { dtype: torch.int32 });
    const a = t.toTypedArray() as Int32Array;
    expect(a).toBeInstanceOf(Int32Array);
    expect(a.length).toBe(n);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (a[i] !== i) wrong++;
    expect(wrong).toBe(0);
    const out = new Int32Array(n);
    t.neg().toTypedArray(out);
    expect(out[n - 1]).toBe(-(n - 1));
    t.dispose();
  });

  it('a large copy asks for its young collection before it copies, so the copies dropped before it are freed first', async () => {
    // Asked for after the copy, the collection found that copy still alive: V8 then counted three
    // or four 64 MB copies at once and marked the heap for external-memory pressure (18-33 ms a
    // copy against PyTorch's 15 ms). Each call's last young collection must start before its
    // 64 MB memcpy (several ms), not after it.
    const t = torch.rand(16 * 2 ** 20); // 64 MB of float32
    const calls: [number, number][] = [];
    let sum = 0;
    const minors = await scavengeTimes(() => {
      for (let i = 0; i < 6; i++) {
        const start = performance.now();
        sum += (t.toTypedArray() as Float32Array)[i];
        calls.push([start, performance.now()]);
      }
    });
    t.dispose();
    expect(sum).toBeGreaterThan(0);
    // From the second call on, the copies before it are over the 4 MB step.
    for (const [start, end] of calls.slice(1)) {
      const inCall = minors.filter((m) => m >= start && m <= end);
      expect(inCall.length).toBeGreaterThan(0);
      expect(Math.max(...inCall) - start).toBeLessThan((end - start) / 2);
    }
  });
});
