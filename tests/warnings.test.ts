// Warnings: LibTorch's own (TORCH_WARN) and torchnode's reach JS as Node warnings, as PyTorch
// turns both into Python warnings, each distinct one shown once (Python's default filter shows a
// warning once per place), every time under torch.set_warn_always(true).
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { checkOracle, oracleEnv, oraclePython } from './oracle';
import { warningsOf } from './warnings_heard';
import { inWorker } from './workers';

// An out= tensor of the wrong shape: LibTorch resizes it and warns (TORCH_WARN, every call).
const resizeWarning = (outLength: number) => torch.add(torch.ones(3), torch.ones(3), { out: torch.zeros(outLength) } as never);

afterEach(() => torch.set_warn_always(false));

describe("LibTorch's warnings", () => {
  let pytorchMessages: string[];
  beforeAll(() => {
    checkOracle();
    const py = `
import json, warnings, torch
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    for n in (2, 5):
        torch.add(torch.ones(3), torch.ones(3), out=torch.zeros(n))
print(json.dumps([[x.category.__name__, str(x.message)] for x in w]))`;
    const out = JSON.parse(execFileSync(oraclePython, ['-c', py], { encoding: 'utf8', env: oracleEnv() })) as [string, string][];
    expect(out.map(([category]) => category)).toEqual(['UserWarning', 'UserWarning']);
    // PyTorch appends where in LibTorch's sources the warning was raised; torchnode leaves that
    // out, as it does from errors.
    pytorchMessages = out.map(([, m]) => m.replace(/ \(Triggered internally at [^)]*\)$/, ''));
  });

  it("are Node warnings with PyTorch's category and message, each shown once", async () => {
    const seen = await warningsOf(() => {
      for (let i = 0; i < 3; i++) resizeWarning(2);
      for (let i = 0; i < 3; i++) resizeWarning(5);
    });
    expect(seen).toEqual(pytorchMessages.map((message) => ({ name: 'UserWarning', message })));
    // The op itself did its work.
    expect(resizeWarning(2).tolist()).toEqual([2, 2, 2]);
  });

  it('are shown every time under torch.set_warn_always(true)', async () => {
    torch.set_warn_always(true);
    const seen = await warningsOf(() => {
      for (let i = 0; i < 3; i++) resizeWarning(2);
    });
    expect(seen.map((w) => w.message)).toEqual([pytorchMessages[0], pytorchMessages[0], pytorchMessages[0]]);
  });

  it('raised on the worker thread of an .async operator arrive when it settles', async () => {
    torch.set_warn_always(true);
    let result: torch.Tensor | undefined;
    const seen = await warningsOf(async () => {
      result = (await (torch.ops.aten as any).add.out.async(torch.ones(3), torch.ones(3), { out: torch.zeros(5) })) as torch.Tensor;
    });
    expect(seen.map((w) => w.message)).toEqual([pytorchMessages[1]]);
    expect(result!.tolist()).toEqual([2, 2, 2]);
  });

  it('in a worker thread go to that thread', async () => {
    const seen = await inWorker<string[]>(`
      const seen = [];
      process.on('warning', (w) => seen.push(w.name + ': ' + w.message));
      torch.add(torch.ones(3), torch.ones(3), { out: torch.zeros(5) });
      await new Promise((r) => setImmediate(r));
      return seen;`);
    expect(seen).toEqual([`UserWarning: ${pytorchMessages[1]}`]);
  });

  it('that a warning handler turns into an error fail the call, leaking nothing', () => {
    torch.set_warn_always(true);
    const emit = process.emitWarning;
    const [a, b, out] = [torch.ones(3), torch.ones(3), torch.zeros(2)];
    const before = torch.memory_stats().live_tensors;
    process.emitWarning = () => {
      throw new Error('warnings are errors here');
    };
    try {
      expect(() => torch.add(a, b, { out } as never)).toThrow('warnings are errors here');
    } finally {
      process.emitWarning = emit;
    }
    expect(torch.memory_stats().live_tensors).toBe(before);
  });

  it('print once on stderr, as a Node warning rather than a LibTorch log line', () => {
    const tsx = path.join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const code = `
      const torch = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
      for (let i = 0; i < 5; i++) torch.add(torch.ones(3), torch.ones(3), { out: torch.zeros(2) });`;
    const r = spawnSync(process.execPath, [tsx, '-e', code], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('An output with one or more elements was resized'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\(node:\d+\) UserWarning: An output with one or more elements was resized since it had shape \[2\]/);
    expect(r.stderr).not.toMatch(/Logging before InitGoogleLogging|^\[W|^W\d|^Warning: /m);
  });
});

describe("torchnode's own warnings", () => {
  it('are UserWarnings shown once per message, as PyTorch shows them once per place', async () => {
    const seen = await warningsOf(() => {
      for (let i = 0; i < 3; i++) torch.nn.functional.mse_loss(torch.zeros(4, 1), torch.zeros(4));
      torch.nn.functional.mse_loss(torch.zeros(3, 1), torch.zeros(3));
    });
    expect(seen.map((w) => w.name)).toEqual(['UserWarning', 'UserWarning']);
    expect(seen.map((w) => w.message.slice(0, 80))).toEqual([
      'Using a target size (torch.Size([4])) that is different to the input size (torch.Size([4, 1])). ',
      'Using a target size (torch.Size([3])) that is different to the input size (torch.Size([3, 1])). ',
    ].map((m) => m.slice(0, 80)));
  });
});
