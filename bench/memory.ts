// Peak resident memory of the same training loop in torchnode (with a torch.tidy per step, and
// with no memory code, left to the GC) and in PyTorch, each in a fresh child process, so none
// inherits the benchmark's allocations. The three run at the same time to save wall time: peak
// RSS depends on what is allocated, not on how fast.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface MemoryResult {
  before_kb: number;
  peak_kb: number;
  seconds: number;
}

function child(cmd: string, args: string[]): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`memory child ${path.basename(cmd)} ${args.slice(-2).join(' ')} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as MemoryResult);
    });
  });
}

/** [ours with tidy, ours with GC only, PyTorch] for `steps` training steps, this env's threads. */
export function measureMemory(steps: number, python: string, threads: string): Promise<[MemoryResult, MemoryResult, MemoryResult]> {
  const ours = (mode: string) => child(process.execPath, [...process.execArgv, path.join(__dirname, 'memory_child.ts'), String(steps), mode]);
  return Promise.all([ours('tidy'), ours('gc'), child(python, [path.join(__dirname, 'torch_side.py'), threads, 'memory', String(steps)])]);
}
