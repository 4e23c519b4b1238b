// Autograd: values checked analytically or against PyTorch's documented behaviour.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as torch from '../lib/index';
import { checkOracle, oracleEnv, oraclePython } from './oracle';
import { settledLiveTensors } from './live_tensors';
import { inspect } from 'node:util';

type Tensor = torch.Tensor;

/**
 * Runs `run(n)` for 10 rounds, then for 200: the live tensors come back to their count after the
 * first 10, and every object the 200 pushed to `refs` has been collected.
 */
async function expectNothingLeftBehind(run: (n: number) => void, refs: WeakRef<object>[]): Promise<void> {
  run(10);
  const baseline = await settledLiveTensors();
  refs.length = 0;
  run(200);
  expect(await settledLiveTensors()).toBe(baseline);
  expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
}

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
    expect(y.grad_fn!.name()).toBe('MulBackward0');
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

// Tensor.register_hook against the live PyTorch of this LibTorch: the same scenarios run in the
// oracle record every value a hook saw and every gradient that resulted.
const HOOK_ORACLE = `
import json, torch
out = {}
def leaf():
    return torch.tensor([1.5, -2.0, 3.0], requires_grad=True)
# Two hooks on a non-leaf (the second sees what the first returned), one on the leaf; the
# non-leaf dropped before backward; then the first hook removed.
x = leaf(); seen = []
y = x * 2
h1 = y.register_hook(lambda g: (seen.append(g.tolist()), g * 3)[1])
y.register_hook(lambda g: seen.append(g.tolist()))
x.register_hook(lambda g: g + 1)
z = (y * y).sum()
del y
z.backward(retain_graph=True)
first = x.grad.tolist()
h1.remove()
x.grad = None
z.backward()
out['chain'] = [seen, first, x.grad.tolist()]
# retain_grad before and after a hook.
for name, before in [('retain_then_hook', True), ('hook_then_retain', False)]:
    x = leaf(); y = x.sin()
    if before: y.retain_grad()
    y.register_hook(lambda g: g * 2)
    if not before: y.retain_grad()
    (y * y).sum().backward()
    out[name] = [y.grad.tolist(), x.grad.tolist()]
# torch.autograd.grad runs hooks too; a tensor used twice gets one call with the summed gradient.
x = leaf(); calls = []
y = x.exp()
y.register_hook(lambda g: (calls.append(g.tolist()), g.neg())[1])
(gx,) = torch.autograd.grad((y * y).sum() + y.sum(), x)
out['grad'] = [calls, gx.tolist()]
# A leaf's hook runs before each accumulation into .grad.
w = leaf(); acc = []
w.register_hook(lambda g: (acc.append(g.tolist()), g * 0.5)[1])
(w * w).sum().backward(); (w * 3).sum().backward()
out['leaf'] = [acc, w.grad.tolist()]
# Errors, with named hooks as in the TypeScript test.
def errors():
    msgs = []
    def wrong_size(g): return g[:1]
    def wrong_type(g): return g.double()
    def not_a_tensor(g): return 3
    for hook in [wrong_size, wrong_type, not_a_tensor]:
        w = leaf(); w.register_hook(hook)
        try:
            w.sum().backward()
        except (RuntimeError, TypeError) as e:
            msgs.append([type(e).__name__, str(e)])
    try:
        torch.ones(2).register_hook(lambda g: g)
    except RuntimeError as e:
        msgs.append([type(e).__name__, str(e)])
    return msgs
out['errors'] = errors()
# PyTorch 2.1+: a hook after accumulation into .grad (the SGD step of PyTorch's docs), after a
# tensor hook on the same leaf, given the leaf itself; its errors.
if hasattr(torch.Tensor, 'register_post_accumulate_grad_hook'):
    v = torch.tensor([0.0, 0.0, 0.0], requires_grad=True); seen = []
    v.register_hook(lambda g: g * 2)
    def step(p):
        seen.append([p is v, p.grad.tolist(), torch.is_grad_enabled()])
        p.add_(p.grad, alpha=-0.01)
    h = v.register_post_accumulate_grad_hook(step)
    v.backward(torch.tensor([1.0, 2.0, 3.0]))
    (v * v).sum().backward()
    after = v.tolist()
    h.remove()
    (v * 1).sum().backward()
    msgs = []
    for make in [lambda: (torch.ones(2, requires_grad=True) * 2), lambda: torch.ones(2)]:
        try:
            make().register_post_accumulate_grad_hook(lambda p: None)
        except RuntimeError as e:
            msgs.append(str(e))
    w = torch.ones(2, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: 3)
    try:
        w.sum().backward()
    except TypeError as e:
        msgs.append(str(e))
    out['post'] = [seen, after, v.tolist(), v.grad.tolist(), msgs]
print(json.dumps(out))
`;

describe('Tensor.register_hook (live oracle)', () => {
  checkOracle();
  const py = JSON.parse(execFileSync(oraclePython, ['-c', HOOK_ORACLE], { encoding: 'utf8', env: oracleEnv() }));
  const leaf = () => torch.tensor([1.5, -2.0, 3.0], { requires_grad: true });
  const list = (t: torch.Tensor | null) => t!.tolist();

  it('runs hooks in order on a non-leaf and a leaf, after the non-leaf is disposed, and stops after remove()', () => {
    const x = leaf();
    const seen: unknown[] = [];
    const y = x.mul(2);
    const h1 = y.register_hook((g) => { seen.push(g.tolist()); return g.mul(3); });
    y.register_hook((g) => { seen.push(g.tolist()); });
    x.register_hook((g) => g.add(1));
    const z = y.mul(y).sum();
    y.dispose();
    z.backward({ retain_graph: true });
    const first = list(x.grad);
    h1.remove();
    x.grad = null;
    z.backward();
    expect([seen, first, list(x.grad)]).toEqual(py.chain);
  });

  it('orders with retain_grad as LibTorch does', () => {
    for (const [name, before] of [['retain_then_hook', true], ['hook_then_retain', false]] as const) {
      const x = leaf();
      const y = x.sin();
      if (before) y.retain_grad();
      y.register_hook((g) => g.mul(2));
      if (!before) y.retain_grad();
      y.mul(y).sum().backward();
      expect([list(y.grad), list(x.grad)], name).toEqual(py[name]);
    }
  });

  it('runs in torch.autograd.grad, once with the summed gradient of a tensor used twice', () => {
    const x = leaf();
    const calls: unknown[] = [];
    const y = x.exp();
    y.register_hook((g) => { calls.push(g.tolist()); return g.neg(); });
    const [gx] = torch.autograd.grad(y.mul(y).sum().add(y.sum()), x);
    expect([calls, gx!.tolist()]).toEqual(py.grad);
  });

  it("runs a leaf's hook before each accumulation into .grad", () => {
    const w = leaf();
    const acc: unknown[] = [];
    w.register_hook((g) => { acc.push(g.tolist()); return g.mul(0.5); });
    w.mul(w).sum().backward();
    w.mul(3).sum().backward();
    expect([acc, list(w.grad)]).toEqual(py.leaf);
  });

  it("gives PyTorch's errors, and a hook's own exception reaches the caller of backward", () => {
    const msgs: [string, string][] = [];
    const record = (e: unknown) => msgs.push([(e as Error) instanceof TypeError ? 'TypeError' : 'RuntimeError', (e as Error).message]);
    function wrong_size(g: torch.Tensor) { return g.narrow(0, 0, 1); }
    function wrong_type(g: torch.Tensor) { return g.double(); }
    function not_a_tensor() { return 3 as unknown as torch.Tensor; }
    for (const hook of [wrong_size, wrong_type, not_a_tensor]) {
      const w = leaf();
      w.register_hook(hook);
      try {
        w.sum().backward();
      } catch (e) {
        record(e);
      }
    }
    try {
      torch.ones(2).register_hook((g) => g);
    } catch (e) {
      record(e);
    }
    // The returned value's type is named as each language names it: Python's int is a JS number.
    expect(msgs).toEqual(py.errors.map(([kind, m]: [string, string]) => [kind, m.replace("returned 'int'", "returned 'number'")]));
    const mine = new Error('from the hook');
    const w = leaf();
    w.register_hook(() => { throw mine; });
    let caught: unknown;
    try {
      w.sum().backward();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(mine);
    expect(() => leaf().register_hook(3 as never)).toThrow(/register_hook\(hook\): hook must be a function, got number/);
  });

  it.runIf('post' in py)('register_post_accumulate_grad_hook runs after accumulation, on the leaf itself', () => {
    const v = torch.tensor([0, 0, 0], { dtype: torch.float32, requires_grad: true });
    const seen: unknown[] = [];
    v.register_hook((g) => g.mul(2));
    const h = v.register_post_accumulate_grad_hook((p) => {
      seen.push([p === v, p.grad!.tolist(), torch.is_grad_enabled()]);
      p.add_(p.grad!, { alpha: -0.01 });
    });
    v.backward(torch.tensor([1, 2, 3], { dtype: torch.float32 }));
    v.mul(v).sum().backward();
    const after = v.tolist();
    h.remove();
    v.mul(1).sum().backward();
    const msgs: string[] = [];
    for (const make of [() => torch.ones(2, { requires_grad: true }).mul(2), () => torch.ones(2)]) {
      try {
        make().register_post_accumulate_grad_hook(() => {});
      } catch (e) {
        msgs.push((e as Error).message);
      }
    }
    const w = torch.ones(2, { requires_grad: true });
    w.register_post_accumulate_grad_hook(() => 3 as never);
    try {
      w.sum().backward();
    } catch (e) {
      msgs.push((e as Error).message.replace("returned 'number'", "returned 'int'"));
    }
    expect([seen, after, v.tolist(), v.grad!.tolist(), msgs]).toEqual(py.post);
  });

  it.runIf(!('post' in py))('register_post_accumulate_grad_hook says which LibTorch it needs', () => {
    expect(() => torch.ones(2, { requires_grad: true }).register_post_accumulate_grad_hook(() => {}))
      .toThrow(/register_post_accumulate_grad_hook needs LibTorch 2\.1 or later; this is 1\.13/);
  });

  it("hooks go with their tensors: no tensor and no hook closure left behind, even one holding its tensor's grad", async () => {
    const refs: WeakRef<object>[] = [];
    // In a function of its own: a suspended async function keeps its last temporaries alive.
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const x = leaf();
        const y = x.mul(2);
        const seen: Tensor[] = [];
        const hook = (g: Tensor) => { seen.push(g); };
        refs.push(new WeakRef(hook));
        y.register_hook(hook);
        x.register_hook((g) => g.mul(2));
        if (i % 2) y.sum().backward();
      }
    };
    await expectNothingLeftBehind(run, refs);
  });

  it('using removes the hook at the end of the block', () => {
    const x = leaf();
    {
      using _h = x.register_hook((g) => g.mul(10));
      x.sum().backward();
    }
    x.sum().backward();
    expect(list(x.grad)).toEqual([11, 11, 11]);
  });
});

// Python's parser passes a number to add, sub, mul and div as a wrapped-number tensor (their
// .Scalar overloads have no Python binding): the node recorded is AddBackward0, not
// AddBackward1, and the result's dtype follows the wrapped number's rules.
const NUMBER_ARITHMETIC_ORACLE = String.raw`
import json, torch
out = []
for dt in [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.uint8, torch.bool]:
    base = torch.tensor([3, 1, 0, 2], dtype=dt)
    grad = dt.is_floating_point
    for other in [2, 2.5, -3, True]:
        rows = [
            ("add", lambda t: t.add(other)), ("add_alpha", lambda t: t.add(other, alpha=2)),
            ("sub", lambda t: t.sub(other)), ("mul", lambda t: t.mul(other)),
            ("div", lambda t: t.div(other)), ("true_divide", lambda t: t.true_divide(other)),
            ("div_floor", lambda t: t.div(other, rounding_mode="floor")),
            ("div_trunc", lambda t: t.div(other, rounding_mode="trunc")),
            ("add_", lambda t: t.clone().add_(other)), ("sub_", lambda t: t.clone().sub_(other, alpha=3)),
            ("mul_", lambda t: t.clone().mul_(other)), ("div_", lambda t: t.clone().div_(other)),
            ("div_floor_", lambda t: t.clone().div_(other, rounding_mode="floor")),
        ]
        for name, f in rows:
            x = base.clone().requires_grad_(grad)
            try:
                r = f(x)
            except Exception as e:
                out.append([str(dt), other, name, "error", type(e).__name__])
                continue
            g = None
            if grad and r.requires_grad:
                r.sum().backward()
                g = x.grad.tolist()
            out.append([str(dt), other, name, str(r.dtype), r.detach().double().tolist(), type(r.grad_fn).__name__ if r.grad_fn else None, g])
print(json.dumps(out))
`;

describe('arithmetic with a number (live oracle)', () => {
  checkOracle();
  const rows: unknown[][] = JSON.parse(execFileSync(oraclePython, ['-c', NUMBER_ARITHMETIC_ORACLE], { encoding: 'utf8', env: oracleEnv() }));
  const ops: Record<string, (t: Tensor, o: number | boolean) => Tensor> = {
    add: (t, o) => t.add(o), add_alpha: (t, o) => t.add(o, { alpha: 2 }), sub: (t, o) => t.sub(o), mul: (t, o) => t.mul(o),
    div: (t, o) => t.div(o), true_divide: (t, o) => t.true_divide(o), div_floor: (t, o) => t.div(o, { rounding_mode: 'floor' }),
    div_trunc: (t, o) => t.div(o, { rounding_mode: 'trunc' }), add_: (t, o) => t.clone().add_(o), sub_: (t, o) => t.clone().sub_(o, { alpha: 3 }),
    mul_: (t, o) => t.clone().mul_(o), div_: (t, o) => t.clone().div_(o), div_floor_: (t, o) => t.clone().div_(o, { rounding_mode: 'floor' }),
  };

  it(`gives PyTorch's dtype, values, grad_fn and gradient for ${rows.length} cases, and PyTorch's errors`, () => {
    const mismatches: string[] = [];
    for (const row of rows) {
      const [dt, other, name] = row as [string, number | boolean, string];
      const dtype = (torch as any)[dt.replace('torch.', '')];
      const x = torch.tensor([3, 1, 0, 2], { dtype });
      if (dtype.is_floating_point) x.requires_grad_(true);
      const what = `${dt} ${name}(${other})`;
      let r: Tensor;
      try {
        r = ops[name](x, other);
      } catch (e) {
        if (row[3] !== 'error') mismatches.push(`${what}: threw ${(e as Error).message}`);
        continue;
      }
      if (row[3] === 'error') {
        mismatches.push(`${what}: PyTorch raised ${row[4]}, torchnode returned ${r.dtype}`);
        continue;
      }
      const [, , , pyDtype, values, gradFn, grad] = row as [string, unknown, string, string, number[], string | null, number[] | null];
      let g: number[] | null = null;
      if (dtype.is_floating_point && r.requires_grad) {
        r.sum().backward();
        g = x.grad!.tolist() as number[];
      }
      const got = [String(r.dtype), r.detach().double().tolist(), r.grad_fn?.name() ?? null, g];
      const want = [pyDtype, values, gradFn, grad];
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${what}: ${JSON.stringify(got)} against ${JSON.stringify(want)}`);
    }
    expect(mismatches).toEqual([]);
    expect(rows.filter((r) => r[5] === 'MulBackward0').length).toBeGreaterThan(0);
  });

  it('records the Tensor overloads where torch.ops names the Scalar one explicitly', () => {
    const x = torch.ones(2, { requires_grad: true });
    expect(x.mul(2).grad_fn!.name()).toBe('MulBackward0');
    expect(x.add(1, { alpha: 2 }).grad_fn!.name()).toBe('AddBackward0');
    expect(x.div(2, { rounding_mode: 'floor' }).grad_fn!.name()).toBe('DivBackward2');
    expect((torch.ops.aten as any).mul.Scalar(x, 2).grad_fn.name()).toBe('MulBackward1');
  });

  it('refuses what is neither a Tensor nor a number', () => {
    const x = torch.ones(2);
    expect(() => x.mul('2' as any)).toThrow(TypeError);
    expect(() => x.add_(null as any)).toThrow(TypeError);
    expect(x.tolist()).toEqual([1, 1]);
  });
});

// grad_fn as torch.autograd.graph.Node against the live PyTorch of this LibTorch: the blitz
// tutorial's walk through next_functions, AccumulateGrad.variable, node hooks and their errors.
const NODE_ORACLE = `
import json, re, torch
import torch.nn as nn
out = {}
def rep(fn): return re.sub(r' at 0x[0-9a-f]+', '', repr(fn))
def walk(fn):
    if fn is None: return None
    return [rep(fn), fn.name(), [[walk(n), nr] for n, nr in fn.next_functions]]
def vals(ts): return [None if t is None else t.tolist() for t in ts]
def net():
    l1, l2 = nn.Linear(3, 2), nn.Linear(2, 1)
    with torch.no_grad():
        l1.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])); l1.bias.copy_(torch.tensor([0.1, -0.2]))
        l2.weight.copy_(torch.tensor([[1.0, -2.0]])); l2.bias.copy_(torch.tensor([0.3]))
    return l1, l2
# The blitz tutorial's walk: the loss of a small net (Linear, ReLU, Linear, MSELoss).
l1, l2 = net()
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
loss = nn.MSELoss()(l2(torch.relu(l1(x))), torch.tensor([[1.0], [2.0]]))
acc = loss.grad_fn.next_functions[0][0].next_functions[0][0]
out['tutorial'] = [rep(loss.grad_fn), rep(loss.grad_fn.next_functions[0][0]), rep(acc), walk(loss.grad_fn)]
# Each AccumulateGrad node's variable, in the walk's order: which parameter it is, its values.
params = [l1.weight, l1.bias, l2.weight, l2.bias]
def leaves(fn, found):
    for n, _ in fn.next_functions:
        if n is None: continue
        if hasattr(n, 'variable'): found.append([[p is n.variable for p in params].index(True), n.variable.tolist()])
        else: leaves(n, found)
    return found
out['variables'] = leaves(loss.grad_fn, [])
# A copy into a slice: CopySlices, a namespaced C++ node.
c = torch.zeros(3, requires_grad=True).clone(); c[0] = 1
out['copy_slices'] = [str(c), rep(c.grad_fn), c.grad_fn.name()]
# Hooks on MulBackward0 of y = x * w + 1: a prehook, a post hook that records, one that replaces.
def run_hooks():
    x = torch.tensor([1.0, 2.0], requires_grad=True); w = torch.tensor([3.0, 4.0], requires_grad=True)
    y = x * w + torch.ones(2)
    mul = y.grad_fn.next_functions[0][0]
    seen = []
    mul.register_prehook(lambda go: seen.append(['pre', vals(go)]))
    h = mul.register_hook(lambda gi, go: seen.append(['post', vals(gi), vals(go)]))
    def times_ten(gi, go):
        seen.append(['times_ten']); return (gi[0] * 10, None)
    h2 = mul.register_hook(times_ten)
    (y * torch.tensor([1.0, 2.0])).sum().backward(retain_graph=True)
    first = [vals([x.grad, w.grad])]
    h2.remove(); h2.remove()
    x.grad = None
    (y * torch.tensor([1.0, 2.0])).sum().backward(retain_graph=True)
    h.remove()
    y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
    x.grad = None; w.grad = None
    y.sum().backward()
    return [seen, first, vals([x.grad, w.grad])]
out['hooks'] = run_hooks()
# A leaf's AccumulateGrad node: no grad_inputs, its grad_outputs; a None edge's grad_input.
def leaf_hooks():
    x = torch.tensor([1.0, 2.0], requires_grad=True); seen = []
    z = (x * torch.tensor([5.0, 6.0])).sum()
    mul = z.grad_fn.next_functions[0][0]
    mul.next_functions[0][0].register_hook(lambda gi, go: seen.append(['acc', vals(gi), vals(go)]))
    mul.register_hook(lambda gi, go: seen.append(['mul', vals(gi), vals(go)]))
    z.backward()
    return [seen, [[rep(n) if n else None, nr] for n, nr in mul.next_functions], x.grad.tolist()]
out['leaf'] = leaf_hooks()
# Errors: PyTorch's messages.
def errors():
    msgs = []
    def not_a_tuple(gi, go): return 3
    def wrong_count(gi, go): return (gi[0],)
    def wrong_type(gi, go): return (gi[0].double(), gi[1])
    def wrong_size(gi, go): return (gi[0][:1], gi[1])
    def fills_none(gi, go): return (gi[0], torch.ones(2))
    def pre_wrong_count(go): return (go[0], go[0])
    for hook in [not_a_tuple, wrong_count, wrong_type, wrong_size, fills_none, pre_wrong_count]:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        w = torch.tensor([3.0, 4.0], requires_grad=hook is not fills_none)
        y = x * w
        (y.grad_fn.register_prehook if hook is pre_wrong_count else y.grad_fn.register_hook)(hook)
        try:
            y.sum().backward()
            msgs.append(None)
        except (RuntimeError, TypeError) as e:
            msgs.append([type(e).__name__, str(e)])
    try:
        (torch.ones(2, requires_grad=True) * 2).grad_fn.variable
    except AttributeError as e:
        msgs.append(str(e))
    return msgs
out['errors'] = errors()
print(json.dumps(out))
`;

describe('grad_fn as torch.autograd.graph.Node (live oracle)', () => {
  checkOracle();
  const py = JSON.parse(execFileSync(oraclePython, ['-c', NODE_ORACLE], { encoding: 'utf8', env: oracleEnv() }));
  type Node = InstanceType<typeof torch.autograd.graph.Node>;
  const vals = (ts: readonly (Tensor | null)[]) => ts.map((t) => (t === null ? null : t.tolist()));
  const walk = (fn: Node | null): unknown => fn === null ? null
    : [String(fn), fn.name(), fn.next_functions.map(([n, nr]) => [walk(n), nr])];
  const net = () => {
    const l1 = new torch.nn.Linear(3, 2);
    const l2 = new torch.nn.Linear(2, 1);
    torch.no_grad(() => {
      l1.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]));
      l1.bias!.copy_(torch.tensor([0.1, -0.2], { dtype: torch.float32 }));
      l2.weight.copy_(torch.tensor([[1.0, -2.0]], { dtype: torch.float32 }));
      l2.bias!.copy_(torch.tensor([0.3], { dtype: torch.float32 }));
    });
    return [l1, l2] as const;
  };

  it("walks the tutorial's graph: MseLossBackward0, AddmmBackward0... down to AccumulateGrad, with null edges", () => {
    const [l1, l2] = net();
    const x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]);
    const loss = new torch.nn.MSELoss().forward(l2.forward(torch.relu(l1.forward(x))), torch.tensor([[1.0], [2.0]], { dtype: torch.float32 }));
    const acc = loss.grad_fn!.next_functions[0][0]!.next_functions[0][0]!;
    expect([String(loss.grad_fn), String(loss.grad_fn!.next_functions[0][0]), String(acc), walk(loss.grad_fn)]).toEqual(py.tutorial);
    expect(inspect(loss.grad_fn)).toBe('<MseLossBackward0 object>');
    expect(loss.grad_fn).toBeInstanceOf(torch.autograd.graph.Node);
    // Each AccumulateGrad's variable is its parameter itself: the same memory, written through.
    const params = [l1.weight, l1.bias!, l2.weight, l2.bias!];
    const leaves = (fn: Node, found: unknown[]): unknown[] => {
      for (const [n] of fn.next_functions) {
        if (n === null) continue;
        if (n.name() === 'torch::autograd::AccumulateGrad') {
          const v = n.variable;
          found.push([params.findIndex((p) => p.data_ptr() === v.data_ptr() && p.shape.join() === v.shape.join()), v.tolist()]);
        } else leaves(n, found);
      }
      return found;
    };
    expect(leaves(loss.grad_fn!, [])).toEqual(py.variables);
    torch.no_grad(() => acc.variable.fill_(7));
    expect(l2.bias!.tolist()).toEqual([7]);
  });

  it('prints CopySlices as PyTorch does, and name() keeps the C++ name', () => {
    const c = torch.zeros(3, { requires_grad: true }).clone();
    c.index_put_([0], 1);
    expect([String(c), String(c.grad_fn), c.grad_fn!.name()]).toEqual(py.copy_slices);
  });

  it('gives one Node object per node: across accesses, through next_functions, with its metadata', async () => {
    const x = torch.tensor([1.0, 2.0], { requires_grad: true });
    const b = x.mul(2);
    const c = b.add(1);
    expect(c.grad_fn).toBe(c.grad_fn);
    expect(c.grad_fn!.next_functions[0][0]).toBe(b.grad_fn);
    expect(c.grad_fn!.next_functions).toBe(c.grad_fn!.next_functions);
    expect(Object.isFrozen(c.grad_fn!.next_functions[0])).toBe(true);
    c.grad_fn!.metadata.step = 3;
    b.grad_fn!.metadata.seen = 'mul';
    await settledLiveTensors();  // collections in between: the Node objects stay with their tensors
    expect(c.grad_fn!.metadata).toEqual({ step: 3 });
    expect(c.grad_fn!.next_functions[0][0]!.metadata).toEqual({ seen: 'mul' });
    // An in-place operation gives the tensor a new grad_fn; the old one is its next function.
    const old = c.grad_fn!;
    c.mul_(2);
    expect(c.grad_fn!.name()).toBe('MulBackward0');
    expect(c.grad_fn!.next_functions[0][0]).toBe(old);
    expect(x.grad_fn).toBeNull();
    expect(() => new (torch.autograd.graph.Node as any)([{}, 0, 'X'], Symbol('x'))).toThrow(TypeError);
  });

  it('runs prehooks and hooks in order with their values; a replacement changes .grad; remove() stops one', () => {
    const x = torch.tensor([1.0, 2.0], { requires_grad: true });
    const w = torch.tensor([3.0, 4.0], { requires_grad: true });
    const y = x.mul(w).add(torch.ones(2));
    const mul = y.grad_fn!.next_functions[0][0]!;
    const seen: unknown[] = [];
    mul.register_prehook((go) => { seen.push(['pre', vals(go)]); });
    const h = mul.register_hook((gi, go) => { seen.push(['post', vals(gi), vals(go)]); });
    const h2 = mul.register_hook(function times_ten(gi) {
      seen.push(['times_ten']);
      return [gi[0]!.mul(10), null];
    });
    y.mul(torch.tensor([1.0, 2.0], { dtype: torch.float32 })).sum().backward({ retain_graph: true });
    const first = [vals([x.grad, w.grad])];
    h2.remove();
    h2.remove();
    x.grad = null;
    y.mul(torch.tensor([1.0, 2.0], { dtype: torch.float32 })).sum().backward({ retain_graph: true });
    h.remove();
    y.grad_fn!.register_prehook((go) => [go[0]!.mul(3)]);
    x.grad = null;
    w.grad = null;
    y.sum().backward();
    expect([seen, first, vals([x.grad, w.grad])]).toEqual(py.hooks);
  });

  it("gives an AccumulateGrad hook no grad_inputs, and a null grad_input for an input that doesn't require grad", () => {
    const x = torch.tensor([1.0, 2.0], { requires_grad: true });
    const seen: unknown[] = [];
    const z = x.mul(torch.tensor([5.0, 6.0], { dtype: torch.float32 })).sum();
    const mul = z.grad_fn!.next_functions[0][0]!;
    mul.next_functions[0][0]!.register_hook((gi, go) => { seen.push(['acc', vals(gi), vals(go)]); });
    mul.register_hook((gi, go) => { seen.push(['mul', vals(gi), vals(go)]); });
    z.backward();
    expect([seen, mul.next_functions.map(([n, nr]) => [n && String(n), nr]), x.grad!.tolist()]).toEqual(py.leaf);
  });

  it("throws PyTorch's errors for a hook's bad result, and for variable on another node", () => {
    const msgs: unknown[] = [];
    const hooks = {
      not_a_tuple: () => 3,
      wrong_count: (gi: readonly (Tensor | null)[]) => [gi[0]],
      wrong_type: (gi: readonly (Tensor | null)[]) => [gi[0]!.double(), gi[1]],
      wrong_size: (gi: readonly (Tensor | null)[]) => [gi[0]!.index(':1'), gi[1]],
      fills_none: (gi: readonly (Tensor | null)[]) => [gi[0], torch.ones(2)],
      pre_wrong_count: (go: readonly (Tensor | null)[]) => [go[0], go[0]],
    };
    for (const [name, hook] of Object.entries(hooks)) {
      const x = torch.tensor([1.0, 2.0], { requires_grad: true });
      const w = torch.tensor([3.0, 4.0], { requires_grad: name !== 'fills_none' });
      const y = x.mul(w);
      if (name === 'pre_wrong_count') y.grad_fn!.register_prehook(hook as any);
      else y.grad_fn!.register_hook(hook as any);
      try {
        y.sum().backward();
        msgs.push(null);
      } catch (e) {
        msgs.push([e instanceof TypeError ? 'TypeError' : e instanceof torch.TorchError ? 'RuntimeError' : String(e), (e as Error).message]);
      }
    }
    try {
      void torch.ones(2, { requires_grad: true }).mul(2).grad_fn!.variable;
    } catch (e) {
      msgs.push((e as Error).message);
    }
    // Python names the type of a non-tuple result 'int'; JS, 'number'.
    expect(msgs[0]).toEqual(['TypeError', "expected tuple, but hook returned 'number'"]);
    expect((py.errors[0] as string[])[1]).toBe("expected tuple, but hook returned 'int'");
    expect(msgs.slice(1)).toEqual(py.errors.slice(1));
    expect(() => torch.ones(2, { requires_grad: true }).mul(2).grad_fn!.register_hook(3 as any))
      .toThrow("register_hook(hook): hook must be a function, got number");
  });

  it("refuses a node's first hook during a backward (the engine may be walking its hooks), and adds later ones", () => {
    const x = torch.tensor([1.0, 2.0], { requires_grad: true });
    const y = x.mul(3);
    const h = y.register_hook(() => { y.grad_fn!.register_prehook(() => {}); });
    expect(() => y.sum().backward({ retain_graph: true }))
      .toThrow(/a node's first prehook \(register_prehook\) cannot be registered while a backward runs JS/);
    h.remove();
    const seen: string[] = [];
    y.grad_fn!.register_prehook(() => { seen.push('first'); });
    y.grad_fn!.register_hook(function addsOnce() {
      if (!seen.includes('adding')) y.grad_fn!.register_prehook(() => { seen.push('added'); });
      seen.push('adding');
    });
    y.sum().backward({ retain_graph: true });
    y.sum().backward();
    // Added by a post hook, after the prehooks ran, the second prehook runs from the next backward on.
    expect(seen).toEqual(['first', 'adding', 'first', 'added', 'adding']);
    expect(x.grad!.tolist()).toEqual([6, 6]);
  });

  it('node hooks go with their nodes: no tensor, hook closure or Node object left behind', async () => {
    const refs: WeakRef<object>[] = [];
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const x = torch.tensor([1.5, -2.0, 3.0], { requires_grad: true });
        const y = x.mul(2).sin();
        const seen: Tensor[] = [];
        const hook = (gi: readonly (Tensor | null)[]) => { seen.push(gi[0]!); };
        refs.push(new WeakRef(hook), new WeakRef(y.grad_fn!));
        y.grad_fn!.register_hook(hook);
        y.grad_fn!.next_functions[0][0]!.register_prehook((go) => [go[0]!.mul(2)]);
        y.grad_fn!.metadata.output = y;  // a cycle through JS only, which the GC collects
        if (i % 2) y.sum().backward();
      }
    };
    await expectNothingLeftBehind(run, refs);
  });
});
