// Fuzzing with a fixed budget: 3,000 calls of seed 20261201 over the public API and
// torch.ops.aten.* (scripts/fuzz/spec.ts), in worker processes so a crash is counted rather than
// fatal (scripts/fuzz/driver.ts). No call may crash or hang, throw a non-Error, leak a C++
// backtrace or internal name into its message, or give a wrong answer on an oracle call.
// `npm run fuzz -- --calls N --seed S` runs more; each incident prints a one-call replay command.
import { describe, expect, it } from 'vitest';
import { runFuzz, type FuzzReport, type Incident } from '../scripts/fuzz/driver';


const SEED = 20261201;
const CALLS = 3000;

function show(list: Incident[]): string {
  return list.map((x) => `#${x.i} ${x.kind}${x.tags.length ? ` [${x.tags.join(', ')}]` : ''}: ${x.src}\n    ${x.detail.slice(0, 300)}\n    replay: ${x.replay}`).join('\n');
}

describe('fuzz: public API and torch.ops.aten.* with random arguments', () => {
  let report: FuzzReport;

  it(`runs ${CALLS} calls of seed ${SEED} in restartable worker processes`, async () => {
    report = await runFuzz({ seed: SEED, calls: CALLS, workers: 2, callTimeoutMs: 15_000 });
    const finished = report.ok + report.errors + report.incidents.filter((x) => x.kind === 'crash' || x.kind === 'hang').length;
    expect(finished).toBe(CALLS);
    // Both outcomes occur in quantity, so the run exercised real work and real rejections.
    expect(report.ok).toBeGreaterThan(CALLS / 20);
    expect(report.errors).toBeGreaterThan(CALLS / 4);
  }, 180_000);

  it('no call crashes or hangs the process', () => {
    const bad = report.incidents.filter((x) => (x.kind === 'crash' || x.kind === 'hang'));
    expect(bad, show(bad)).toEqual([]);
  });

  it('every throw is an Error subclass', () => {
    const bad = report.incidents.filter((x) => x.kind === 'non-error-thrown');
    expect(bad, show(bad)).toEqual([]);
    expect(Object.keys(report.errorsByClass).every((c) => /Error$/.test(c)), JSON.stringify(report.errorsByClass)).toBe(true);
  });

  it('no message carries a C++ backtrace or an internal name (c10::, at::, _Tensor)', () => {
    const bad = report.incidents.filter((x) => x.kind === 'internal-message');
    expect(bad, show(bad)).toEqual([]);
  });

  it('oracle calls give PyTorch\'s answer (JS arithmetic, raw op = method, async = sync)', () => {
    const bad = report.incidents.filter((x) => x.kind === 'wrong-result');
    expect(bad, show(bad)).toEqual([]);
  });
});
