// Operators off the JS thread: torch.ops.aten.<op>.<overload>.async(...).
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';

const aten = torch.ops.aten as any;

describe('async operator calls', () => {
  it('resolve to the values the synchronous call gives', async () => {
    torch.manual_seed(0);
    const a = torch.randn(64, 32), b = torch.randn(32, 16);
    const sync = aten.mm.default(a, b) as torch.Tensor;
    const result = (await aten.mm.default.async(a, b)) as torch.Tensor;
    expect(result).toBeInstanceOf(torch.Tensor);
    expect(result.shape).toEqual([64, 16]);
    expect(result.sub(sync).abs().max().item()).toBe(0);
  });

  it('return multiple results as arrays, and the written tensor for out= and in-place ops', async () => {
    const x = torch.tensor([[1, 5, 2], [7, 0, 3]], { dtype: torch.float32 });
    const [values, indices] = (await aten.max.dim.async(x, 1)) as torch.Tensor[];
    expect(values.tolist()).toEqual([5, 7]);
    expect(indices.tolist()).toEqual([1, 0]);
    const out = torch.empty(2, 3);
    expect(await aten.add.out.async(x, x, { out })).toBe(out);
    expect(out.tolist()).toEqual([[2, 10, 4], [14, 0, 6]]);
    expect(await aten.mul_.Scalar.async(out, 0.5)).toBe(out);
    expect(out.tolist()).toEqual([[1, 5, 2], [7, 0, 3]]);
  });

  it("reject with LibTorch's message as a TorchError, and leave the inputs usable", async () => {
    const a = torch.ones(2, 3), b = torch.ones(4, 5);
    await expect(aten.mm.default.async(a, b)).rejects.toThrow(torch.TorchError);
    await expect(aten.mm.default.async(a, b)).rejects.toThrow(/mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/);
    expect(a.sum().item()).toBe(6);
  });

  it('check arguments before anything is queued', async () => {
    const a = torch.ones(2);
    a.dispose();
    await expect(aten.neg.default.async(a)).rejects.toThrow(/disposed/);
    await expect(aten.neg.default.async('x')).rejects.toThrow(TypeError);
  });

  it('keep the input alive when its handle is disposed while the work runs', async () => {
    const a = torch.arange(1_000_000, { dtype: torch.float64 });
    const pending = aten.sum.default.async(a);
    a.dispose();
    expect(((await pending) as torch.Tensor).item()).toBe((999_999 * 1_000_000) / 2);
  });

  it("carry the caller's grad mode to the worker thread", async () => {
    const w = torch.ones(3, { requires_grad: true });
    const tracked = (await aten.mul.Scalar.async(w, 2)) as torch.Tensor;
    expect(tracked.requires_grad).toBe(true);
    const untracked = (await torch.no_grad(() => aten.mul.Scalar.async(w, 2))) as torch.Tensor;
    expect(untracked.requires_grad).toBe(false);
  });

  it('run many calls at once without losing or leaking a tensor', async () => {
    const before = liveTensors();
    const x = torch.arange(10, { dtype: torch.float32 });
    const results = (await Promise.all(Array.from({ length: 50 }, (_, i) => aten.add.Scalar.async(x, i)))) as torch.Tensor[];
    torch.tidy(() => results.forEach((r, i) => expect(r.sum().item()).toBe(45 + 10 * i)));
    for (const t of [x, ...results]) t.dispose();
    expect(liveTensors()).toBe(before);
  });
});
