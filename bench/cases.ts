// torchnode side of the benchmark suite. Each case has a twin in bench/torch_side.py, named by
// `python` ("name" or "name@device"); run() returns the total nanoseconds for n iterations.
// Per-op cases are here; models, data movement and onnxruntime are in bench/cases/.
import * as torch from '../lib/index';

/** The persistent PyTorch process: one request line, one answer line. */
export interface PySide {
  request(line: string): Promise<string>;
  cuda: boolean;
}

export interface Case {
  name: string;
  /** the Python twin in torch_side.py */
  python: string;
  description: string;
  iterations: number;
  /** Iterations run untimed first (default: a tenth of `iterations`, at least 1). */
  warmup?: number;
  run(n: number): number | Promise<number>;
  /** Runs once before the case is timed (building state shared with the Python side). */
  prepare?(py: PySide): Promise<void>;
  /** Another engine timed alongside ours and PyTorch's (onnxruntime), as an extra column. */
  peer?: { name: string; run(n: number): Promise<number> };
}

export const now = () => process.hrtime.bigint();

/** Builds state on first use and keeps it, so repeats time the same model and inputs. */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

/** n calls of body, with CUDA work finished before each clock reading. */
export function timed(n: number, device: string, body: () => void): number {
  const sync = device.startsWith('cuda') ? () => torch.cuda.synchronize() : () => {};
  sync();
  const t = now();
  for (let i = 0; i < n; i++) body();
  sync();
  return Number(now() - t);
}

/** Small-tensor ops in scopes of 1000, the fast path (no GC finalizer per result). */
function scoped(n: number, body: () => void): number {
  const t = now();
  for (let i = 0; i < n; i += 1000) torch.tidy(() => { for (let j = 0; j < 1000; j++) body(); });
  return Number(now() - t);
}

const opCases: Case[] = [
  {
    name: 'add, 1 element (no memory code)',
    python: 'add_1',
    description: 'a + b on one-element tensors; results left to the GC',
    iterations: 200_000,
    run(n) {
      const a = torch.ones(1), b = torch.ones(1);
      const t = now();
      for (let i = 0; i < n; i++) a.add(b);
      return Number(now() - t);
    },
  },
  {
    name: 'add, 1 element (in a scope)',
    python: 'add_1',
    description: 'the same inside torch.tidy, which frees results deterministically',
    iterations: 200_000,
    run(n) {
      const a = torch.ones(1), b = torch.ones(1);
      return scoped(n, () => a.add(b));
    },
  },
  {
    name: 'mul, 16 elements (in a scope)',
    python: 'mul_16',
    description: 'a * b on 16-element float32 tensors',
    iterations: 200_000,
    run(n) {
      const a = torch.rand(16), b = torch.rand(16);
      return scoped(n, () => a.mul(b));
    },
  },
  {
    name: 'relu, 16 elements (in a scope)',
    python: 'relu_16',
    description: 'x.relu() on 16 float32 elements',
    iterations: 200_000,
    run(n) {
      const a = torch.randn(16);
      return scoped(n, () => a.relu());
    },
  },
  {
    name: "index x[:, -1] on 4x8x16 (in a scope)",
    python: 'index_3d',
    description: "x.index(':', -1), Python's x[:, -1]: a view through the indexing path",
    iterations: 100_000,
    run(n) {
      const x = torch.randn(4, 8, 16);
      return scoped(n, () => x.index(':', -1));
    },
  },
  {
    name: 'view(-1) on 4x8x16 (in a scope)',
    python: 'view_3d',
    description: 'x.view(-1): a view through the dispatcher',
    iterations: 200_000,
    run(n) {
      const x = torch.randn(4, 8, 16);
      return scoped(n, () => x.view(-1));
    },
  },
  {
    name: 'matmul 64x64',
    python: 'matmul_64',
    description: 'a @ b, float32',
    iterations: 20_000,
    run(n) {
      torch.manual_seed(0);
      const a = torch.randn(64, 64), b = torch.randn(64, 64);
      const t = now();
      for (let i = 0; i < n; i += 100) torch.tidy(() => { for (let j = 0; j < 100; j++) a.matmul(b); });
      return Number(now() - t);
    },
  },
  {
    name: '10-op elementwise chain, 1M elements',
    python: 'chain_1m',
    description: 'mul, add, relu, sqrt, add, log, exp, sub, abs, neg on 1M float32',
    iterations: 100,
    run(n) {
      const x = torch.rand(1_000_000);
      const t = now();
      for (let i = 0; i < n; i++) {
        // Braces: a tidy that returned the result would hand it on to the GC.
        torch.tidy(() => { x.mul(1.5).add(0.5).relu().sqrt().add(1).log().exp().sub(1).abs().neg(); });
      }
      return Number(now() - t);
    },
  },
];

/** Every case, in table order; model cases also on CUDA when it is available here. */
export async function allCases(): Promise<Case[]> {
  const { dataCases } = await import('./cases/data');
  const { modelCases } = await import('./cases/models');
  const { asWrittenCases } = await import('./cases/as_written');
  const devices: torch.DeviceString[] = torch.cuda.is_available() ? ['cpu', 'cuda'] : ['cpu'];
  return [...opCases, ...dataCases, ...devices.flatMap((d) => modelCases(d)), ...asWrittenCases()];
}
