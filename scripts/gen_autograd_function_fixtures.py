"""Generates tests/fixtures/torch-<version>/autograd_function.json: custom torch.autograd.Function
cases written the same way in tests/autograd_function.test.ts, with PyTorch's forward values,
gradients, second derivatives and error messages (float64 inputs, listed in the fixture).

    /usr/bin/python3 scripts/gen_autograd_function_fixtures.py
    .venv/torch-2.13/bin/python scripts/gen_autograd_function_fixtures.py
"""
import json

import torch

from fixture_dir import fixture_path

torch.set_num_threads(1)
D = torch.float64


def vals(t):
    return None if t is None else t.detach().flatten().tolist()


def shape(t):
    return list(t.shape)


# ---- the Functions (tests/autograd_function.test.ts has the same ones in TypeScript) -----------

class LegendrePolynomial3(torch.autograd.Function):
    """PyTorch's tutorial (polynomial_custom_function.py): P3(x) = 1/2 (5x^3 - 3x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x ** 2 - 1)


class MulAdd(torch.autograd.Function):
    """Two inputs, two outputs: (a * b, a + b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b, a + b

    @staticmethod
    def backward(ctx, g_prod, g_sum):
        a, b = ctx.saved_tensors
        return g_prod * b + g_sum, g_prod * a + g_sum


class ExpSavesOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


class ScaleBy(torch.autograd.Function):
    """A non-tensor argument (k), kept on ctx as plain state; its gradient is None."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class SortValues(torch.autograd.Function):
    """Returns (sorted, indices) with the indices marked non-differentiable (PyTorch's docs example)."""

    @staticmethod
    def forward(ctx, x):
        values, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g, g_idx):
        idx, = ctx.saved_tensors
        return torch.zeros_like(g).scatter(0, idx, g)


class MulNeeds(torch.autograd.Function):
    """x * y computing only the gradients ctx.needs_input_grad asks for."""
    seen = []

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        MulNeeds.seen.append(list(ctx.needs_input_grad))
        gx = g * y if ctx.needs_input_grad[0] else None
        gy = g * x if ctx.needs_input_grad[1] else None
        return gx, gy


class AddOneInplace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.add_(1)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g


class SplitNoMaterialize(torch.autograd.Function):
    """Two outputs, of which the test uses one: backward sees None for the other."""
    seen = []

    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g2, g3):
        SplitNoMaterialize.seen.append([g2 is None, g3 is None])
        out = torch.zeros_like(g2 if g2 is not None else g3)
        if g2 is not None:
            out = out + 2 * g2
        if g3 is not None:
            out = out + 3 * g3
        return out


class WrongCount(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g


class GradForNonTensor(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g, g


def error_of(fn):
    try:
        fn()
    except RuntimeError as e:
        return str(e)
    return None


def main():
    x = torch.tensor([-1.5, -0.3, 0.0, 0.4, 1.2], dtype=D)
    a = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=D)
    b = torch.tensor([[-2.0, 0.5, 1.0], [0.3, -1.2, 2.5]], dtype=D)
    out = {'inputs': {'x': vals(x), 'a': vals(a), 'b': vals(b), 'shape_ab': shape(a)}}

    xi = x.clone().requires_grad_()
    y = LegendrePolynomial3.apply(xi)
    g, = torch.autograd.grad(y.sum(), xi, create_graph=True)
    gg, = torch.autograd.grad(g.sum(), xi)
    out['legendre'] = {'y': vals(y), 'grad': vals(g), 'grad2': vals(gg), 'grad_fn': y.grad_fn.name()}

    ai, bi = a.clone().requires_grad_(), b.clone().requires_grad_()
    p, s = MulAdd.apply(ai, bi)
    (p * s).sum().backward()
    out['muladd'] = {'prod': vals(p), 'sum': vals(s), 'grad_a': vals(ai.grad), 'grad_b': vals(bi.grad)}

    xi = x.clone().requires_grad_()
    y = ExpSavesOutput.apply(xi)
    (y * y).sum().backward()
    out['exp'] = {'y': vals(y), 'grad': vals(xi.grad)}

    xi = x.clone().requires_grad_()
    y = ScaleBy.apply(xi, 2.5)
    y.pow(2).sum().backward()
    out['scale'] = {'y': vals(y), 'grad': vals(xi.grad)}

    xi = x.clone().requires_grad_()
    v, idx = SortValues.apply(xi)
    (v * torch.arange(5, dtype=D)).sum().backward()
    out['sort'] = {'values': vals(v), 'indices': vals(idx), 'indices_requires_grad': idx.requires_grad,
                   'grad': vals(xi.grad)}

    MulNeeds.seen = []
    ai, bi = a.clone().requires_grad_(), b.clone()
    MulNeeds.apply(ai, bi).sum().backward()
    out['needs'] = {'grad_a': vals(ai.grad), 'seen': MulNeeds.seen}

    base = a.clone().requires_grad_()
    t = base * 2
    r = AddOneInplace.apply(t)
    (r * r).sum().backward()
    out['inplace'] = {'y': vals(r), 'same_object': r is t, 'grad': vals(base.grad), 'grad_fn': r.grad_fn.name()}

    SplitNoMaterialize.seen = []
    xi = x.clone().requires_grad_()
    two, three = SplitNoMaterialize.apply(xi)
    three.sum().backward()
    out['no_materialize'] = {'grad': vals(xi.grad), 'seen': SplitNoMaterialize.seen}

    ai, bi = a.clone().requires_grad_(), b.clone().requires_grad_()
    out['errors'] = {
        'wrong_count': error_of(lambda: WrongCount.apply(ai, bi).sum().backward()),
        'grad_for_non_tensor': error_of(lambda: GradForNonTensor.apply(ai, 2.0).sum().backward()),
    }
    with open(fixture_path('autograd_function.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


main()
