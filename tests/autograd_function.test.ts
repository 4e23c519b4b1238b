// torch.autograd.Function with a JS backward, and torch.autograd.gradcheck: the Functions of
// scripts/gen_autograd_function_fixtures.py, written the same way here, against PyTorch's values;
// gradcheck against finite differences; errors; threads; and no leaked tensors or JS closures.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import type { Tensor } from '../lib/index';
import type { FunctionCtx } from '../lib/autograd_function';
import { readFixture } from './oracle';
import { settledLiveTensors } from './live_tensors';
import { inWorker } from './workers';

const F = torch.autograd.Function;
type Ctx = FunctionCtx;
const fx = readFixture('autograd_function.json');
const D = { dtype: torch.float64 };
const input = (name: 'x' | 'a' | 'b', requires_grad = true): Tensor => {
  const t = torch.tensor(fx.inputs[name], D);
  return (name === 'x' ? t : t.reshape(fx.inputs.shape_ab)).requires_grad_(requires_grad);
};
const flat = (t: Tensor | null): number[] => t!.detach().reshape(-1).tolist() as number[];
function close(got: number[], want: number[], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]))));
}

// ---- the Functions (as in the generator) -------------------------------------------------------

class LegendrePolynomial3 extends F {
  static forward(ctx: Ctx, x: Tensor) {
    ctx.save_for_backward(x);
    return x.pow(3).mul(5).sub(x.mul(3)).mul(0.5);
  }
  static backward(ctx: Ctx, g: Tensor) {
    const [x] = ctx.saved_tensors;
    return g.mul(1.5).mul(x!.pow(2).mul(5).sub(1));
  }
}

class MulAdd extends F {
  static forward(ctx: Ctx, a: Tensor, b: Tensor) {
    ctx.save_for_backward(a, b);
    return [a.mul(b), a.add(b)];
  }
  static backward(ctx: Ctx, gProd: Tensor, gSum: Tensor) {
    const [a, b] = ctx.saved_tensors;
    return [gProd.mul(b!).add(gSum), gProd.mul(a!).add(gSum)];
  }
}

class ExpSavesOutput extends F {
  static forward(ctx: Ctx, x: Tensor) {
    const y = x.exp();
    ctx.save_for_backward(y);
    return y;
  }
  static backward(ctx: Ctx, g: Tensor) {
    return g.mul(ctx.saved_tensors[0]!);
  }
}

class ScaleBy extends F {
  static forward(ctx: Ctx, x: Tensor, k: number) {
    ctx.k = k;
    return x.mul(k);
  }
  static backward(ctx: Ctx, g: Tensor) {
    return [g.mul(ctx.k), null];
  }
}

class SortValues extends F {
  static forward(ctx: Ctx, x: Tensor) {
    const { values, indices } = x.sort();
    ctx.mark_non_differentiable(indices);
    ctx.save_for_backward(indices);
    return [values, indices];
  }
  static backward(ctx: Ctx, g: Tensor) {
    const [idx] = ctx.saved_tensors;
    return torch.zeros_like(g).scatter(0, idx!, g);
  }
}

class MulNeeds extends F {
  static seen: boolean[][] = [];
  static forward(ctx: Ctx, x: Tensor, y: Tensor) {
    ctx.save_for_backward(x, y);
    return x.mul(y);
  }
  static backward(ctx: Ctx, g: Tensor) {
    const [x, y] = ctx.saved_tensors;
    MulNeeds.seen.push([...ctx.needs_input_grad]);
    return [ctx.needs_input_grad[0] ? g.mul(y!) : null, ctx.needs_input_grad[1] ? g.mul(x!) : null];
  }
}

class AddOneInplace extends F {
  static forward(ctx: Ctx, x: Tensor) {
    x.add_(1);
    ctx.mark_dirty(x);
    return x;
  }
  static backward(ctx: Ctx, g: Tensor) {
    return g;
  }
}

class SplitNoMaterialize extends F {
  static seen: boolean[][] = [];
  static forward(ctx: Ctx, x: Tensor) {
    ctx.set_materialize_grads(false);
    return [x.mul(2), x.mul(3)];
  }
  static backward(ctx: Ctx, g2: Tensor | null, g3: Tensor | null) {
    SplitNoMaterialize.seen.push([g2 === null, g3 === null]);
    let out = torch.zeros_like((g2 ?? g3)!);
    if (g2) out = out.add(g2.mul(2));
    if (g3) out = out.add(g3.mul(3));
    return out;
  }
}

class WrongCount extends F {
  static forward(ctx: Ctx, a: Tensor, b: Tensor) {
    return a.add(b);
  }
  static backward(ctx: Ctx, g: Tensor) {
    return g;
  }
}

class GradForNonTensor extends F {
  static forward(ctx: Ctx, x: Tensor, k: number) {
    return x.mul(k);
  }
  static backward(ctx: Ctx, g: Tensor) {
    return [g, g];
  }
}

// ---- values against PyTorch ---------------------------------------------------------------------

describe('autograd.Function against PyTorch', () => {
  it("LegendrePolynomial3 (PyTorch's tutorial): values, gradient, and a second derivative through the JS backward", () => {
    const x = input('x');
    const y = LegendrePolynomial3.apply(x) as Tensor;
    expect(y.grad_fn!.name()).toBe(fx.legendre.grad_fn);
    close(flat(y), fx.legendre.y);
    const [g] = torch.autograd.grad(y.sum(), x, { create_graph: true });
    close(flat(g), fx.legendre.grad);
    expect(g!.requires_grad).toBe(true);
    const [gg] = torch.autograd.grad(g!.sum(), x);
    close(flat(gg), fx.legendre.grad2);
  });
  it('two inputs, two outputs', () => {
    const [a, b] = [input('a'), input('b')];
    const [p, s] = MulAdd.apply(a, b) as Tensor[];
    close(flat(p), fx.muladd.prod);
    close(flat(s), fx.muladd.sum);
    p.mul(s).sum().backward();
    close(flat(a.grad), fx.muladd.grad_a);
    close(flat(b.grad), fx.muladd.grad_b);
  });
  it('saving an output', () => {
    const x = input('x');
    const y = ExpSavesOutput.apply(x) as Tensor;
    y.mul(y).sum().backward();
    close(flat(y), fx.exp.y);
    close(flat(x.grad), fx.exp.grad);
  });
  it('a non-tensor argument: state on ctx, a null gradient for it, needs_input_grad false for it', () => {
    const x = input('x');
    let needs: boolean[] = [];
    class Probe extends ScaleBy {
      static forward(ctx: Ctx, x: Tensor, k: number) {
        needs = ctx.needs_input_grad;
        return super.forward(ctx, x, k);
      }
    }
    const y = Probe.apply(x, 2.5) as Tensor;
    expect(needs).toEqual([true, false]);
    y.pow(2).sum().backward();
    close(flat(y), fx.scale.y);
    close(flat(x.grad), fx.scale.grad);
  });
  it('mark_non_differentiable: the indices output does not require grad', () => {
    const x = input('x');
    const [v, idx] = SortValues.apply(x) as Tensor[];
    expect(idx.requires_grad).toBe(fx.sort.indices_requires_grad);
    close(flat(v), fx.sort.values);
    expect(flat(idx)).toEqual(fx.sort.indices);
    v.mul(torch.arange(5, D)).sum().backward();
    close(flat(x.grad), fx.sort.grad);
  });
  it('needs_input_grad tells backward which gradients are wanted', () => {
    MulNeeds.seen = [];
    const [a, b] = [input('a'), input('b', false)];
    MulNeeds.apply(a, b).sum().backward();
    expect(MulNeeds.seen).toEqual(fx.needs.seen);
    close(flat(a.grad), fx.needs.grad_a);
    expect(b.grad).toBeNull();
  });
  it('mark_dirty: an in-place forward on a non-leaf returns that tensor with the new history', () => {
    const base = input('a');
    const t = base.mul(2);
    const r = AddOneInplace.apply(t) as Tensor;
    expect(r === t).toBe(fx.inplace.same_object);
    expect(r.grad_fn!.name()).toBe(fx.inplace.grad_fn);
    r.mul(r).sum().backward();
    close(flat(r), fx.inplace.y);
    close(flat(base.grad), fx.inplace.grad);
  });
  it('mark_dirty on a leaf that requires grad is refused, as in PyTorch', () => {
    expect(() => AddOneInplace.apply(input('a'))).toThrow(/a leaf Variable that requires grad has been used in an in-place operation/);
  });
  it('set_materialize_grads(false): backward gets null for an unused output', () => {
    SplitNoMaterialize.seen = [];
    const x = input('x');
    const [, three] = SplitNoMaterialize.apply(x) as Tensor[];
    three.sum().backward();
    expect(SplitNoMaterialize.seen).toEqual(fx.no_materialize.seen);
    close(flat(x.grad), fx.no_materialize.grad);
  });
  it('without grad mode or inputs that require grad, forward runs and nothing is recorded', () => {
    const x = input('x', false);
    const y = LegendrePolynomial3.apply(x) as Tensor;
    expect(y.grad_fn).toBeNull();
    close(flat(y), fx.legendre.y);
    const z = torch.no_grad(() => LegendrePolynomial3.apply(input('x')) as Tensor);
    expect(z.requires_grad).toBe(false);
  });
  it('the setup_context style (forward without ctx)', () => {
    class Cube extends F {
      static forward(x: Tensor) {
        return x.pow(3);
      }
      static setup_context(ctx: Ctx, inputs: unknown[]) {
        ctx.save_for_backward(inputs[0] as Tensor);
      }
      static backward(ctx: Ctx, g: Tensor) {
        return g.mul(ctx.saved_tensors[0]!.pow(2).mul(3));
      }
    }
    const x = input('x');
    (Cube.apply(x) as Tensor).sum().backward();
    close(flat(x.grad), fx.inputs.x.map((v: number) => 3 * v * v));
  });
});

// ---- gradcheck ------------------------------------------------------------------------------------

describe('torch.autograd.gradcheck', () => {
  it('passes for the Functions above (float64 finite differences)', () => {
    const { gradcheck } = torch.autograd;
    expect(gradcheck((x: Tensor) => LegendrePolynomial3.apply(x), [input('x')])).toBe(true);
    expect(gradcheck((a: Tensor, b: Tensor) => MulAdd.apply(a, b), [input('a'), input('b')])).toBe(true);
    expect(gradcheck((x: Tensor) => ExpSavesOutput.apply(x), input('x'))).toBe(true);
    expect(gradcheck((x: Tensor, k: number) => ScaleBy.apply(x, k), [input('x'), -1.75])).toBe(true);
    expect(gradcheck((x: Tensor) => SortValues.apply(x), [input('x')])).toBe(true);
    expect(gradcheck((a: Tensor, b: Tensor) => MulNeeds.apply(a, b), [input('a'), input('b', false)])).toBe(true);
    // and of the double backward: the gradient function is itself differentiable
    const gradOfP3 = (x: Tensor) => torch.autograd.grad((LegendrePolynomial3.apply(x) as Tensor).sum(), x, { create_graph: true })[0];
    expect(gradcheck(gradOfP3, [input('x')])).toBe(true);
  });
  it("perturbs each input on its own device, whatever torch.set_default_device says", () => {
    const x = input('x');
    torch.set_default_device('meta');
    try {
      expect(torch.autograd.gradcheck((t: Tensor) => LegendrePolynomial3.apply(t), [x])).toBe(true);
    } finally {
      torch.set_default_device(null);
    }
  });
  it('finds a wrong backward: GradcheckError with both Jacobians, or false without raise_exception', () => {
    class WrongExp extends F {
      static forward(ctx: Ctx, x: Tensor) {
        ctx.save_for_backward(x);
        return x.exp();
      }
      static backward(ctx: Ctx, g: Tensor) {
        return g.mul(ctx.saved_tensors[0]!); // should be exp(x)
      }
    }
    const x = input('x');
    const fn = (t: Tensor) => WrongExp.apply(t);
    expect(() => torch.autograd.gradcheck(fn, [x])).toThrow(/^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor\(\[\[/);
    try {
      torch.autograd.gradcheck(fn, [x]);
    } catch (e) {
      expect(e).toBeInstanceOf(torch.TorchError);
      expect((e as Error).name).toBe('GradcheckError');
    }
    expect(torch.autograd.gradcheck(fn, [x], { raise_exception: false })).toBe(false);
  });
  it('tolerances: a float32-accurate backward fails at the default atol and passes with a loose one', () => {
    class Rough extends F {
      static forward(ctx: Ctx, x: Tensor) {
        ctx.save_for_backward(x);
        return x.sin();
      }
      static backward(ctx: Ctx, g: Tensor) {
        return g.mul(ctx.saved_tensors[0]!.cos().add(1e-3));
      }
    }
    const fn = (t: Tensor) => Rough.apply(t);
    expect(torch.autograd.gradcheck(fn, [input('x')], { raise_exception: false })).toBe(false);
    expect(torch.autograd.gradcheck(fn, [input('x')], { atol: 1e-2 })).toBe(true);
  });
  it('catches a backward that is not reentrant, and needs an input that requires grad', () => {
    let calls = 0;
    class Drifting extends F {
      static forward(ctx: Ctx, x: Tensor) {
        return x.mul(2);
      }
      static backward(ctx: Ctx, g: Tensor) {
        return g.mul(2 + 1e-9 * calls++);
      }
    }
    expect(() => torch.autograd.gradcheck((t: Tensor) => Drifting.apply(t), [input('x')])).toThrow(/Backward is not reentrant/);
    expect(() => torch.autograd.gradcheck((t: Tensor) => t.mul(2), [input('x', false)])).toThrow(
      /gradcheck expects at least one input tensor to require gradient/,
    );
  });
});

// ---- errors ---------------------------------------------------------------------------------------

describe('autograd.Function errors', () => {
  it("a wrong number of gradients, or one for a non-tensor argument: PyTorch's messages", () => {
    const [a, b] = [input('a'), input('b')];
    expect(() => (WrongCount.apply(a, b) as Tensor).sum().backward()).toThrow(fx.errors.wrong_count);
    expect(() => (GradForNonTensor.apply(a, 2) as Tensor).sum().backward()).toThrow(fx.errors.grad_for_non_tensor);
    expect(() => (WrongCount.apply(a, b) as Tensor).sum().backward()).toThrow(torch.TorchError);
  });
  it('an error thrown in backward reaches the caller of backward() as that same error, and the process goes on', () => {
    class Throws extends F {
      static forward(ctx: Ctx, x: Tensor) {
        return x.mul(2);
      }
      static backward(): Tensor {
        throw new RangeError('backward went wrong');
      }
    }
    class MyError extends Error {}
    const mine = new MyError('mine');
    class ThrowsMine extends Throws {
      static backward(): Tensor {
        throw mine;
      }
    }
    const x = input('x');
    expect(() => (Throws.apply(x) as Tensor).sum().backward()).toThrow(RangeError);
    expect(() => (Throws.apply(x) as Tensor).sum().backward()).toThrow('backward went wrong');
    let caught: unknown;
    try {
      torch.autograd.grad((ThrowsMine.apply(x) as Tensor).sum(), x);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(mine);
    (LegendrePolynomial3.apply(x) as Tensor).sum().backward();
    close(flat(x.grad), fx.legendre.grad);
  });
  it('forward must return tensors; backward must return tensors or null', () => {
    class ReturnsNumber extends F {
      static forward() {
        return 3 as unknown as Tensor;
      }
    }
    class ReturnsMixed extends F {
      static forward(ctx: Ctx, x: Tensor) {
        return [x.mul(2), 'no'] as unknown as Tensor[];
      }
    }
    class BackwardReturnsNumber extends F {
      static forward(ctx: Ctx, x: Tensor) {
        return x.mul(2);
      }
      static backward() {
        return 2 as unknown as Tensor;
      }
    }
    const x = input('x');
    expect(() => ReturnsNumber.apply(x)).toThrow(TypeError);
    expect(() => ReturnsNumber.apply(x)).toThrow('ReturnsNumber.forward must return a Tensor or an array of Tensors, got number');
    expect(() => ReturnsMixed.apply(x)).toThrow(/got an Array holding string/);
    expect(() => (BackwardReturnsNumber.apply(x) as Tensor).sum().backward()).toThrow(TypeError);
    expect(() => F.apply(x)).toThrow(TypeError);
    class NoBackward extends F {
      static forward(ctx: Ctx, x: Tensor) {
        return x.mul(2);
      }
    }
    expect(() => (NoBackward.apply(x) as Tensor).sum().backward()).toThrow(/You must implement either the backward or vjp method/);
  });
  it('a second backward through a freed graph, and saved tensors modified in place', () => {
    const x = input('x');
    const y = (ExpSavesOutput.apply(x) as Tensor).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/Trying to backward through the graph a second time/);
    const x2 = input('x');
    const t = x2.mul(1);
    const z = LegendrePolynomial3.apply(t) as Tensor;
    t.add_(1);
    expect(() => z.sum().backward()).toThrow(/modified by an inplace operation/);
  });
  it('ctx.saved_tensors outside backward is an error', () => {
    let ctxSeen: Ctx | null = null;
    class Keep extends F {
      static forward(ctx: Ctx, x: Tensor) {
        ctxSeen = ctx;
        ctx.save_for_backward(x);
        return x.mul(2);
      }
      static backward(ctx: Ctx, g: Tensor) {
        return g.mul(2);
      }
    }
    Keep.apply(input('x'));
    expect(() => ctxSeen!.saved_tensors).toThrow(/only inside backward/);
  });
});

// ---- threads ----------------------------------------------------------------------------------

describe('autograd.Function and threads', () => {
  it("a backward started on a libuv worker (an async operator) is refused with a clear error, naming the Function", async () => {
    const x = input('x');
    const y = (LegendrePolynomial3.apply(x) as Tensor).sum();
    await expect(torch.ops.aten._backward.default.async(y, [x], null, true, false)).rejects.toThrow(
      /autograd\.Function LegendrePolynomial3\.backward can only run on the JS thread that created it/,
    );
    y.backward(); // the graph is intact and the process usable
    close(flat(x.grad), fx.legendre.grad);
  });
  it('works inside a worker_thread (its own JS thread), and the worker exits cleanly with graphs alive', async () => {
    const r = await inWorker<number[]>(`
      class Sq extends torch.autograd.Function {
        static forward(ctx, x) { ctx.save_for_backward(x); return x.mul(x); }
        static backward(ctx, g) { return g.mul(2).mul(ctx.saved_tensors[0]); }
      }
      const x = torch.tensor([1, 2, 3], { dtype: torch.float64, requires_grad: true });
      Sq.apply(x).sum().backward();
      globalThis.kept = Sq.apply(x); // a live graph at exit
      return x.grad.tolist();
    `);
    expect(r).toEqual([2, 4, 6]);
  });
});

// ---- lifetime -------------------------------------------------------------------------------------

describe('autograd.Function lifetime', () => {
  it('many graphs (backward run or not, outputs saved) leave no tensor and no ctx behind', async () => {
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const x = torch.tensor([1, 2, 3], { dtype: torch.float64, requires_grad: true });
        const y = ExpSavesOutput.apply(x) as Tensor;
        if (i % 2 === 0) y.sum().backward({ retain_graph: i % 3 === 0 });
        const [p, s] = MulAdd.apply(x, y) as Tensor[];
        if (i % 3 === 0) p.add(s).sum().backward();
      }
    };
    run(20);
    const baseline = await settledLiveTensors();
    run(300);
    expect(await settledLiveTensors()).toBe(baseline);

    // The JS side of each graph node (the ctx and the backward closure) goes with the graph.
    const refs: WeakRef<object>[] = [];
    class Tracked extends F {
      static forward(ctx: Ctx, x: Tensor) {
        refs.push(new WeakRef(ctx));
        const y = x.exp();
        ctx.save_for_backward(y);
        return y;
      }
      static backward(ctx: Ctx, g: Tensor) {
        return g.mul(ctx.saved_tensors[0]!);
      }
    }
    // In a function of its own: a suspended async function keeps its last temporaries alive.
    const makeGraphs = () => {
      for (let i = 0; i < 50; i++) {
        const y = Tracked.apply(torch.ones(2, { ...D, requires_grad: true })) as Tensor;
        if (i % 2) y.sum().backward();
      }
    };
    makeGraphs();
    expect(await settledLiveTensors()).toBe(baseline); // collections between jobs: WeakRefs clear only then
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});
