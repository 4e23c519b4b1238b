// CUDA, run where LibTorch has it and sees a GPU, and skipped elsewhere (CI has no GPU:
// scripts/gpu_check.sh runs this file on a GPU machine). The CPU results these compare with are
// checked against PyTorch by the other files; the chapter's models are checked against PyTorch
// on the same GPU (scripts/cuda_oracle.py).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { CNN } from '../examples/models';
import { chapterCases, trainChapterCase } from './chapter_cases';
import { checkOracle, oracleEnv, oraclePython } from './oracle';
import { liveTensors } from './live_tensors';

const cuda = torch.cuda.is_available();
const aten = torch.ops.aten as any;

/** The largest absolute difference between a GPU result and the CPU's, both as float64. */
function maxDiff(gpu: torch.Tensor, cpu: torch.Tensor): number {
  expect(gpu.device.type).toBe('cuda');
  expect(gpu.shape).toEqual(cpu.shape);
  return gpu.cpu().double().sub(cpu.double()).abs().max().item() as number;
}

describe.runIf(cuda)('CUDA', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'torchnode-cuda-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the device', () => {
    expect(torch.cuda.device_count()).toBeGreaterThan(0);
    expect(torch.version.cuda).toMatch(/^\d+\.\d+$/);
    expect(torch.backends.cudnn.is_available()).toBe(true);
    const t = torch.ones(2).cuda();
    expect(t.is_cuda).toBe(true);
    expect(t.device.toString()).toBe('cuda:0');
    expect(torch.zeros(3, { device: 'cuda' }).device.toString()).toBe('cuda:0');
    torch.cuda.synchronize();
  });

  it('moves tensors of each dtype to the GPU and back unchanged', () => {
    const cases: [torch.Tensor, unknown][] = [
      [torch.tensor([1.5, -2.25, 3e-8], { dtype: torch.float32 }), [1.5, -2.25, 3e-8]],
      [torch.tensor([0.1, -1e300], { dtype: torch.float64 }), [0.1, -1e300]],
      [torch.tensor([2 ** 40, -7], { dtype: torch.int64 }), [2 ** 40, -7]],
      [torch.tensor([true, false]), [true, false]],
      [torch.tensor([0.5, 65504], { dtype: torch.float16 }), [0.5, 65504]],
    ];
    for (const [t, want] of cases) {
      const g = t.to('cuda:0');
      expect(g.device.type).toBe('cuda');
      expect(g.dtype).toBe(t.dtype);
      const back = g.cpu();
      expect(back.tolist()).toEqual(t.tolist());
      if (t.dtype !== torch.float32) expect(back.tolist()).toEqual(want);
    }
    // A non-contiguous GPU view copies out in logical order.
    const m = torch.arange(12, { dtype: torch.float32 }).reshape(3, 4).cuda().t();
    expect(Array.from(m.toTypedArray() as Float32Array)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    // From a TypedArray straight onto the GPU.
    const direct = torch.tensor(new Float64Array([1, 2, 3]), { device: 'cuda' });
    expect(direct.device.type).toBe('cuda');
    expect(direct.sum().item()).toBe(6);
  });

  it('computes what the CPU computes', () => {
    torch.manual_seed(0);
    const a = torch.randn(64, 48, { dtype: torch.float64 }), b = torch.randn(48, 32, { dtype: torch.float64 });
    const [ga, gb] = [a.cuda(), b.cuda()];
    expect(maxDiff(ga.matmul(gb), a.matmul(b))).toBeLessThan(1e-12);
    expect(maxDiff(ga.softmax(1), a.softmax(1))).toBeLessThan(1e-15);
    expect(maxDiff(ga.exp().sum(0), a.exp().sum(0))).toBeLessThan(1e-10);
    const i = torch.randint(-1000, 1000, [1000]);
    expect(i.cuda().mul(3).add(7).cpu().tolist()).toEqual(i.mul(3).add(7).tolist());
    const img = torch.randn(2, 3, 9, 9, { dtype: torch.float64 }), w = torch.randn(5, 3, 3, 3, { dtype: torch.float64 });
    const F = torch.nn.functional;
    expect(maxDiff(F.conv2d(img.cuda(), w.cuda(), null, { padding: 1 }), F.conv2d(img, w, null, { padding: 1 }))).toBeLessThan(1e-12);
    const sorted = torch.sort(i.cuda());
    expect(sorted.values.cpu().tolist()).toEqual(torch.sort(i).values.tolist());
    expect(sorted.indices.device.type).toBe('cuda');
  });

  it('differentiates on the GPU', () => {
    torch.manual_seed(1);
    const x = torch.randn(8, 5, { dtype: torch.float64 });
    const grads = (device: torch.DeviceString): torch.Tensor[] => {
      torch.manual_seed(2);
      const lin = new torch.nn.Linear(5, 3, { dtype: torch.float64 }).to(device);
      const loss = lin.forward(x.to(device)).tanh().pow(2).mean();
      loss.backward();
      return [lin.weight.grad!, lin.bias!.grad!];
    };
    const [gw, gb] = grads('cuda'), [cw, cb] = grads('cpu');
    expect(gw.device.type).toBe('cuda');
    expect(maxDiff(gw, cw)).toBeLessThan(1e-15);
    expect(maxDiff(gb, cb)).toBeLessThan(1e-15);
  });

  it("mixing devices is LibTorch's error, and a GPU tensor's memory is never shared with JS", () => {
    const g = torch.ones(3, { device: 'cuda' }), c = torch.ones(3);
    expect(() => g.add(c.expand(2, 3))).toThrow(torch.TorchError);
    expect(() => torch.matmul(g.reshape(1, 3), c.reshape(3, 1))).toThrow(/same device/);
    expect(() => g.asTypedArray()).toThrow(/Can't share the memory of a tensor on cuda:0/);
    expect(g.sum().item()).toBe(3); // still usable
  });

  it('runs async operators on the GPU', async () => {
    torch.manual_seed(3);
    const a = torch.randn(256, 128).cuda(), b = torch.randn(128, 64).cuda();
    const sync = aten.mm.default(a, b) as torch.Tensor;
    const result = (await aten.mm.default.async(a, b)) as torch.Tensor;
    expect(result.device.type).toBe('cuda');
    expect(maxDiff(result, sync.cpu())).toBeLessThan(1e-4);
  });

  it('saves GPU tensors and loads them onto either device', () => {
    torch.manual_seed(4);
    const model = new CNN().cuda();
    const file = join(dir, 'cnn_cuda.pt');
    torch.save(model.state_dict(), file);
    const onCpu = torch.load(file, { map_location: 'cpu' }) as Record<string, torch.Tensor>;
    const kept = torch.load(file) as Record<string, torch.Tensor>;
    for (const [k, v] of Object.entries(model.state_dict())) {
      expect(onCpu[k].device.type, k).toBe('cpu');
      expect(kept[k].device.type, k).toBe('cuda');
      expect(onCpu[k].equal(v.cpu()), k).toBe(true);
      expect(kept[k].equal(v), k).toBe(true);
    }
    const fresh = new CNN();
    fresh.load_state_dict(onCpu);
    expect(fresh.conv1.weight.equal(model.conv1.weight.cpu())).toBe(true);
  });

  it('traces a module and runs the TorchScript on the GPU', () => {
    torch.manual_seed(5);
    const model = new CNN().eval();
    const x = torch.randn(4, 3, 24, 24);
    const traced = torch.jit.trace(model, x);
    const file = join(dir, 'cnn_traced.pt');
    traced.save(file);
    const loaded = torch.jit.load(file, { map_location: 'cuda' });
    const out = torch.no_grad(() => loaded.forward(x.cuda()) as torch.Tensor);
    const want = torch.no_grad(() => model.forward(x));
    // cuDNN convolutions run in TF32 by default, in PyTorch and here alike (10-bit mantissas).
    expect(maxDiff(out, want)).toBeLessThan(2e-3);
  });

  it("keeps an LSTM's weights in one buffer for cuDNN, so that its calls neither copy them nor warn", () => {
    // LibTorch prints its warning to stderr on each call with scattered weights: watch a child's.
    const script = `const torch = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
      const lstm = new torch.nn.LSTM(4, 8, { num_layers: 2 });
      lstm.to('cuda');
      const x = torch.randn(5, 3, 4, { device: 'cuda' });
      for (let i = 0; i < 3; i++) lstm.forward(x)[0].sum().backward();
      const ws = lstm._flat_weights;
      const start = Math.min(...ws.map((w) => w.data_ptr()));
      const end = Math.max(...ws.map((w) => w.data_ptr() + w.numel() * 4));
      console.log(JSON.stringify({ span: end - start, bytes: ws.reduce((n, w) => n + w.numel() * 4, 0) }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: process.env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/contiguous chunk of memory/);
    // For the log: how far apart the weights lie, against their bytes (one buffer: about equal).
    console.log('LSTM weights', r.stdout.trim());
  });

  it('frees GPU tensors left to the GC as it goes', () => {
    const before = liveTensors();
    const x = torch.ones(256 * 1024, { device: 'cuda' }); // 1 MB
    let maxLive = 0;
    for (let i = 0; i < 3000; i++) {
      x.add(i); // 3 GB in all if nothing were freed
      if (i % 100 === 0) maxLive = Math.max(maxLive, torch.memory_stats().live_tensors - before);
    }
    expect(maxLive).toBeLessThan(200);
    expect(liveTensors() - before).toBe(1);
  });
});

describe.runIf(cuda)('the chapter models on the GPU against PyTorch on the same GPU', () => {
  let want: Record<string, { losses: number[]; sums: Record<string, number> }>;
  beforeAll(() => {
    checkOracle();
    const out = execFileSync(oraclePython, [join(__dirname, '..', 'scripts', 'cuda_oracle.py')], { encoding: 'utf8', env: oracleEnv() });
    want = JSON.parse(out).models;
  }, 120_000);

  it.each(Object.keys(chapterCases))('%s trains bit for bit as PyTorch does', (name) => {
    const c = chapterCases[name];
    const saved = [torch.backends.cudnn.deterministic, torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32];
    torch.backends.cudnn.deterministic = true;
    torch.backends.cudnn.allow_tf32 = false;
    torch.backends.cuda.matmul.allow_tf32 = false;
    try {
      const { model, losses } = trainChapterCase(c, want[name].losses.length, 'cuda');
      expect(losses).toEqual(want[name].losses);
      const sums = Object.fromEntries(Object.entries(model.state_dict()).map(([k, v]) => [k, v.double().sum().item()]));
      expect(sums).toEqual(want[name].sums);
    } finally {
      [torch.backends.cudnn.deterministic, torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32] = saved;
    }
  });
});
