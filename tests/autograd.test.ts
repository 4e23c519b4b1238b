// Autograd: values checked analytically or against PyTorch's documented behaviour.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';

const close = (a: number[], b: number[], tol = 1e-5) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], -Math.log10(tol)));

describe('backward and .grad', () => {
  it('computes and accumulates leaf gradients', () => {
    const x = torch.tensor([1, 2, 3], { dtype: torch.float32, requires_grad: true });
    expect(x.is_leaf).toBe(true);
    expect(x.grad).toBeNull();
    x.pow(2).sum().backward();
    expect(x.grad!.tolist()).toEqual([2, 4, 6]);
    x.mul(3).sum().backward(); // accumulates
    expect(x.grad!.tolist()).toEqual([5, 7, 9]);
    x.grad = null;
    expect(x.grad).toBeNull();
  });
  it('takes a gradient argument for non-scalar outputs and rejects its absence', () => {
    const x = torch.tensor([1, 2], { dtype: torch.float32, requires_grad: true });
    const y = x.mul(x);
    expect(() => y.backward()).toThrow(/grad can be implicitly created only for scalar outputs/);
    y.backward(torch.tensor([1, 0.5]));
    expect(x.grad!.tolist()).toEqual([2, 2]);
  });
  it('retain_graph allows a second backward; without it the graph is freed', () => {
    const x = torch.tensor([2.5], { requires_grad: true });
    const y = x.exp().sum();
    y.backward({ retain_graph: true });
    y.backward();
    close(x.grad!.tolist() as number[], [2 * Math.exp(2.5)]);
    const z = x.exp().sum();
    z.backward();
    expect(() => z.backward()).toThrow(/Trying to backward through the graph a second time/);
  });
  it('names grad_fn and tracks is_leaf, requires_grad and retain_grad', () => {
    const x = torch.ones(2, { requires_grad: true });
    const y = x.mul(2);
    // torchnode calls mul.Scalar for a number, PyTorch mul.Tensor with a wrapped number: MulBackward1 vs 0.
    expect(y.grad_fn!.name()).toMatch(/^MulBackward[01]$/);
    expect(y.is_leaf).toBe(false);
    expect(y.requires_grad).toBe(true);
    y.retain_grad();
    y.sum().backward();
    expect(y.grad!.tolist()).toEqual([1, 1]);
    expect(x.detach().requires_grad).toBe(false);
    expect(x.detach().grad_fn).toBeNull();
  });
  it('whole-number data with requires_grad becomes float; int tensors cannot require grad', () => {
    expect(torch.tensor([1, 2], { requires_grad: true }).dtype).toBe(torch.float32);
    expect(() => torch.tensor([1, 2]).requires_grad_()).toThrow(/Only Tensors of floating point and complex dtype can require gradients/);
  });
});

describe('torch.autograd.grad', () => {
  it('returns gradients without touching .grad', () => {
    const x = torch.tensor([3], { requires_grad: true });
    const [g] = torch.autograd.grad(x.pow(3).sum(), x);
    expect(g!.item()).toBeCloseTo(27);
    expect(x.grad).toBeNull();
  });
  it('supports create_graph for second derivatives', () => {
    const x = torch.tensor([2], { requires_grad: true });
    const [dy] = torch.autograd.grad(x.pow(3).sum(), x, { create_graph: true });
    const [d2y] = torch.autograd.grad(dy!.sum(), x);
    expect(d2y!.item()).toBeCloseTo(12); // 6x
  });
  it('allow_unused gives null for unused inputs, else an error', () => {
    const x = torch.ones(1, { requires_grad: true });
    const u = torch.ones(1, { requires_grad: true });
    const y = x.mul(2).sum();
    expect(() => torch.autograd.grad(y, [x, u], { retain_graph: true })).toThrow(/(One of|element 1 ?of) the differentiated Tensors appears to not have been used in the graph/); // 1.13 | 2.x wording
    const [gx, gu] = torch.autograd.grad(y, [x, u], { allow_unused: true });
    expect(gx!.item()).toBe(2);
    expect(gu).toBeNull();
  });
});

describe('grad mode', () => {
  it('no_grad and enable_grad, nested', () => {
    const x = torch.ones(1, { requires_grad: true });
    torch.no_grad(() => {
      expect(torch.is_grad_enabled()).toBe(false);
      expect(x.mul(2).requires_grad).toBe(false);
      torch.enable_grad(() => expect(x.mul(2).requires_grad).toBe(true));
      expect(torch.is_grad_enabled()).toBe(false);
    });
    expect(torch.is_grad_enabled()).toBe(true);
  });
  it('is restored when fn throws', () => {
    expect(() => torch.no_grad(() => { throw new Error('x'); })).toThrow('x');
    expect(torch.is_grad_enabled()).toBe(true);
  });
  it('holds across awaits inside an async no_grad, and only there', async () => {
    const x = torch.ones(1, { requires_grad: true });
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const seenInside: boolean[] = [];
    const seenOutside: boolean[] = [];
    const inside = torch.no_grad(async () => {
      for (let i = 0; i < 3; i++) {
        await tick();
        seenInside.push(x.mul(2).requires_grad);
      }
      return 'done';
    });
    expect(torch.is_grad_enabled()).toBe(true); // the caller continues with grad on
    const outside = (async () => {
      for (let i = 0; i < 3; i++) {
        await tick();
        seenOutside.push(x.mul(2).requires_grad);
      }
    })();
    expect(await inside).toBe('done');
    await outside;
    expect(seenInside).toEqual([false, false, false]);
    expect(seenOutside).toEqual([true, true, true]);
    await tick();
    expect(torch.is_grad_enabled()).toBe(true);
  });
  it('set_grad_enabled inside a no_grad block lasts until the block ends', () => {
    torch.no_grad(() => {
      torch.set_grad_enabled(true);
      expect(torch.is_grad_enabled()).toBe(true);
    });
    expect(torch.is_grad_enabled()).toBe(true);
    torch.set_grad_enabled(false);
    expect(torch.is_grad_enabled()).toBe(false);
    torch.set_grad_enabled(true);
  });
});
