// The examples as programs: the CNN example against its PyTorch twin (its first 200 training
// steps on Fashion-MNIST, batches in order, fixed seed, give PyTorch's losses:
// scripts/cnn_fashion_mnist.py); `--help` before LibTorch loads; a clear --device message;
// progress lines when the output is not a terminal.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { deviceProblem } from '../examples/cli';
import { parityRun } from '../examples/parity';
import { epochProgress, progressLine } from '../examples/progress';

const DATA = '/usr/share/datasets/fashion-mnist';
const ROOT = path.join(__dirname, '..');
const dir = mkdtempSync(path.join(tmpdir(), 'torchnode-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Preloaded into each example run: on exit, it writes the process's CPU time and whether
// LibTorch (any .node addon) or torchnode's lib/index was loaded.
const probe = path.join(dir, 'probe.cjs');
writeFileSync(probe, `
process.on('exit', () => {
  const loaded = Object.keys(require.cache);
  const cpu = process.cpuUsage();
  require('fs').writeFileSync(process.env.EXAMPLE_PROBE_OUT, JSON.stringify({
    cpu_s: (cpu.user + cpu.system) / 1e6,
    native: loaded.filter((f) => f.endsWith('.node')),
    torchnode: loaded.some((f) => /[\\\\/]lib[\\\\/]index\\.ts$/.test(f)),
  }));
});
`);

interface ExampleRun { status: number | null; stdout: string; stderr: string; wall_s: number; cpu_s: number; native: string[]; torchnode: boolean }

function runExample(name: string, args: string[], env: Record<string, string> = {}): ExampleRun {
  const out = path.join(dir, `probe-${name}-${Date.now()}.json`);
  const started = performance.now();
  // One process (node --import tsx), not the tsx CLI's two, and stdout/stderr are pipes: not a TTY.
  const r = spawnSync(process.execPath, ['--require', probe, '--import', 'tsx', path.join(ROOT, 'examples', `${name}.ts`), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, EXAMPLE_PROBE_OUT: out, ...env },
    timeout: 120_000,
  });
  const wall_s = (performance.now() - started) / 1000;
  const probed = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { cpu_s: NaN, native: [], torchnode: false };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, wall_s, ...probed };
}

describe('examples', () => {
  it('the CNN example trains like its PyTorch twin for 200 steps', async () => {
    // scripts/setup.sh installs Debian's dataset-fashion-mnist; without it this is a setup error.
    expect(existsSync(`${DATA}/train-images-idx3-ubyte.gz`), `${DATA} is missing: run scripts/setup.sh`).toBe(true);
    const r = await parityRun(200, 64, undefined, 0, DATA);
    expect(r.ours.losses).toHaveLength(200);
    expect(r.pytorch.losses).toHaveLength(200);
    expect(r.ours.losses[199]).toBeLessThan(r.ours.losses[0] * 0.5); // it learns
    expect(r.max_relative_difference).toBeLessThan(1e-4);
  }, 120_000);

  // What --help must not do is load LibTorch (~3 s of CPU): the probe says whether it was
  // loaded, and the CPU time must stay under 1.5 s. On a machine busy with other work, CPU time
  // grows too, so the bound is also at least twice that of a tsx run of a light module.
  let lightCpu = 0;
  for (const name of ['cnn', 'lstm', 'attention', 'smoke', 'parity', 'serve']) {
    it(`${name} --help answers before LibTorch loads`, () => {
      if (lightCpu === 0) lightCpu = runExample('progress', []).cpu_s; // loads cli-progress, runs nothing
      const r = runExample(name, ['--help']);
      console.log(`${name} --help: ${r.wall_s.toFixed(2)} s wall, ${r.cpu_s.toFixed(2)} s CPU (a light module: ${lightCpu.toFixed(2)} s CPU)`);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Usage: ${name} [options]`);
      expect(r.torchnode).toBe(false);
      expect(r.native).toEqual([]);
      expect(r.cpu_s).toBeLessThan(Math.max(1.5, 2 * lightCpu));
    });
  }

  it('--device gpu names the devices this build has and the flag to use', () => {
    const r = runExample('cnn', ['--device', 'gpu', '--out', path.join(dir, 'out-gpu')]);
    expect(r.status).toBe(1);
    expect(r.torchnode).toBe(true); // the probe sees torchnode when it is loaded
    const cuda = torch.cuda.is_available();
    const line = r.stderr.trim();
    expect(line).toMatch(/^--device gpu: unknown device\. This build has: cpu/);
    expect(line).toContain(cuda ? 'Use --device cpu or --device cuda.' : 'Use --device cpu.');
    if (!torch.version.cuda) expect(line).toContain('cpu (cuda: not available — LibTorch without CUDA)');
    expect(line).not.toContain('xla'); // not LibTorch's list of device types
  }, 60_000);

  it('deviceProblem accepts what this build has and explains the rest', () => {
    const cuda = torch.cuda.is_available();
    expect(deviceProblem(torch, 'cpu')).toBeUndefined();
    expect(deviceProblem(torch, 'gpu')).toMatch(/^--device gpu: unknown device\. This build has: cpu/);
    expect(deviceProblem(torch, 'cpu:1')).toMatch(/^--device cpu:1: unknown device/);
    expect(deviceProblem(torch, 'mps')).toMatch(/^--device mps: unknown device/);
    if (cuda) {
      const n = torch.cuda.device_count();
      expect(deviceProblem(torch, 'cuda')).toBeUndefined();
      expect(deviceProblem(torch, `cuda:${n - 1}`)).toBeUndefined();
      expect(deviceProblem(torch, `cuda:${n}`)).toMatch(/there is no such CUDA device/);
    } else {
      expect(deviceProblem(torch, 'cuda')).toMatch(/^--device cuda: CUDA is not available\. This build has: cpu \(cuda: not available — .*\)\. Use --device cpu\.$/);
    }
  });

  it('without a terminal, training prints plain progress lines', () => {
    const out = path.join(dir, 'out-progress');
    // 320 images in batches of 32: 10 batches; a line every 10% (no 5 s minimum here).
    const r = runExample('cnn', ['--epochs', '1', '--limit', '320', '--batch-size', '32', '--out', out], { TORCHNODE_PROGRESS_SECONDS: '0' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('epoch 1/1 '));
    const progress = lines.filter((l) => /img\/s$/.test(l) && l.includes('%'));
    expect(progress.map((l) => l.match(/^epoch 1\/1  (\d+)% (\d+)\/320  loss \d+\.\d{4}  [\d,]+ img\/s$/)?.slice(1, 3))).toEqual(
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((p) => [`${p}`, `${(320 * p) / 100}`]),
    );
    expect(r.stdout).toContain('320 training and 320 test images');
    expect(r.stdout).not.toContain('\r'); // no bar drawing in a log
    expect(existsSync(path.join(out, 'cnn.pt'))).toBe(true);
  }, 120_000);

  it('progress lines: every 10% but at most one per minSeconds, and always the last', () => {
    let t = 0;
    const written: string[] = [];
    const stream = { write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
    const p = epochProgress({ epoch: 2, epochs: 3, batches: 100, images: 6400, stream, tty: false, minSeconds: 5, now: () => t });
    for (let b = 1; b <= 100; b++) {
      t += 100; // 0.1 s a batch: 10 s for the epoch
      p.update(64 * b, 0.5, 2410.4);
    }
    p.stop();
    // 10% at 1 s is too soon; the first line is due at 5 s (50%), the next at 10 s (the end).
    expect(written).toEqual([
      `${progressLine(2, 3, 3200, 6400, 0.5, 2410.4)}\n`,
      `${progressLine(2, 3, 6400, 6400, 0.5, 2410.4)}\n`,
    ]);
    expect(progressLine(1, 3, 24000, 60000, 0.512, 2410.4)).toBe('epoch 1/3  40% 24000/60000  loss 0.5120  2,410 img/s');
  });
});
