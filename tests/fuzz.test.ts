// Fuzzing with a fixed budget: 3,000 calls of seed 20261201 over the public API and
// torch.ops.aten.* (scripts/fuzz/spec.ts), in worker processes so a crash is counted rather than
// fatal (scripts/fuzz/driver.ts). No call may crash or hang, throw a non-Error, leak a C++
// backtrace or internal name into its message, or give a wrong answer on an oracle call.
// `npm run fuzz -- --calls N --seed S` runs more; each incident prints a one-call replay command.
import { describe, expect, it } from 'vitest';
import { runFuzz, type FuzzReport, type Incident } from '../scripts/fuzz/driver';

/**
 * Native bugs known and being fixed elsewhere (issue 9): calls that exercise them are tagged by
 * the generator, and their incidents are printed but do not fail this test. EMPTY THIS LIST once
 * the native fixes land; nothing else may be added to it.
 *  - forged-handle: a plain number or a { h: n } object where a Tensor goes is read as a tensor
 *    handle (torch.ops.aten.add.Tensor(x, 1) uses whatever tensor has handle 1; PyTorch adds 1).
 *  - many-args: ops whose schemas have 24+ arguments overflow a fixed 24-slot argument array.
 *  - reentrant: getters, valueOf and Proxy traps that run JS (and dispose tensors) mid-conversion.
 *  - async-race: an in-place op on a tensor an async op is still reading.
 */
const KNOWN_NATIVE_BUG_TAGS: string[] = ['forged-handle', 'many-args', 'reentrant', 'async-race'];

const SEED = 20261201;
const CALLS = 3000;

function isKnown(x: Incident): boolean {
  return x.tags.some((t) => KNOWN_NATIVE_BUG_TAGS.includes(t));
}

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
    const known = report.incidents.filter(isKnown);
    if (known.length) console.log(`fuzz: ${known.length} incidents in known native-bug categories (KNOWN_NATIVE_BUG_TAGS):\n${show(known)}`);
  }, 180_000);

  it('no call crashes or hangs the process (outside the known native bugs)', () => {
    const bad = report.incidents.filter((x) => (x.kind === 'crash' || x.kind === 'hang') && !isKnown(x));
    expect(bad, show(bad)).toEqual([]);
  });

  it('every throw is an Error subclass', () => {
    const bad = report.incidents.filter((x) => x.kind === 'non-error-thrown' && !isKnown(x));
    expect(bad, show(bad)).toEqual([]);
    expect(Object.keys(report.errorsByClass).every((c) => /Error$/.test(c)), JSON.stringify(report.errorsByClass)).toBe(true);
  });

  it('no message carries a C++ backtrace or an internal name (c10::, at::, _Tensor)', () => {
    const bad = report.incidents.filter((x) => x.kind === 'internal-message' && !isKnown(x));
    expect(bad, show(bad)).toEqual([]);
  });

  it('oracle calls give PyTorch\'s answer (JS arithmetic, raw op = method, async = sync)', () => {
    const bad = report.incidents.filter((x) => x.kind === 'wrong-result' && !isKnown(x));
    expect(bad, show(bad)).toEqual([]);
  });
});
