// The losses against PyTorch (tests/fixtures/torch-X.Y/losses.json, written by
// scripts/gen_optim_fixtures.py): every loss and reduction, functional and module forms, loss
// values in float32 and float64 and the input gradients of loss.sum(); plus the argument errors.
import { readFixture } from './oracle';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';

const { nn } = torch;
const F = nn.functional;

interface TensorJson {
  shape: number[];
  dtype: string;
  values: number[];
}
interface LossCase {
  id: string;
  fn: string;
  kwargs: Record<string, unknown>;
  tensor_kwargs: string[];
  inputs: Record<string, TensorJson>;
  float32: { loss: TensorJson; grad: TensorJson };
  float64: { loss: TensorJson; grad: TensorJson };
}

const fx: { cases: LossCase[] } = readFixture('losses.json');

const MODULES: Record<string, string> = {
  cross_entropy: 'CrossEntropyLoss', nll_loss: 'NLLLoss', mse_loss: 'MSELoss', l1_loss: 'L1Loss',
  smooth_l1_loss: 'SmoothL1Loss', binary_cross_entropy: 'BCELoss', binary_cross_entropy_with_logits: 'BCEWithLogitsLoss',
  kl_div: 'KLDivLoss',
};

function fromJson(t: TensorJson, floatDtype: torch.DType): torch.Tensor {
  const dtype = t.dtype === 'int64' ? torch.int64 : floatDtype;
  return torch.tensor(t.values, { dtype }).reshape(t.shape);
}

function expectClose(actual: torch.Tensor, expected: TensorJson, rtol: number, atol: number): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = Array.from(actual.toTypedArray() as Float64Array, Number);
  expect(a.length).toBe(expected.values.length);
  a.forEach((v, i) => {
    const e = expected.values[i];
    if (Math.abs(v - e) > atol + rtol * Math.abs(e)) {
      throw new Error(`element ${i}: got ${v}, expected ${e} (shape ${expected.shape})`);
    }
  });
}

type Form = 'functional' | 'module';

function runCase(c: LossCase, dtype: torch.DType, form: Form): { loss: torch.Tensor; grad: torch.Tensor } {
  const input = fromJson(c.inputs.input, dtype).requires_grad_(true);
  const target = fromJson(c.inputs.target, dtype);
  const kwargs: Record<string, unknown> = { ...c.kwargs };
  for (const k of c.tensor_kwargs) kwargs[k] = fromJson(c.inputs[k], dtype);
  let loss: torch.Tensor;
  if (form === 'functional') {
    loss = (F as unknown as Record<string, (...a: unknown[]) => torch.Tensor>)[c.fn](input, target, kwargs);
  } else {
    const Cls = (nn as unknown as Record<string, new (o: unknown) => torch.nn.Module>)[MODULES[c.fn]];
    loss = new Cls(kwargs).forward(input, target) as torch.Tensor;
  }
  loss.sum().backward();
  return { loss, grad: input.grad! };
}

describe('losses match PyTorch', () => {
  for (const c of fx.cases) {
    for (const form of ['functional', 'module'] as Form[]) {
      it(`${c.id} (${form}, float32)`, () => {
        torch.tidy(() => {
          const { loss, grad } = runCase(c, torch.float32, form);
          expect(loss.dtype).toBe(torch.float32);
          expectClose(loss, c.float32.loss, 1e-5, 1e-6);
          expectClose(grad, c.float32.grad, 1e-5, 1e-6);
        });
      });
      it(`${c.id} (${form}, float64)`, () => {
        torch.tidy(() => {
          const { loss, grad } = runCase(c, torch.float64, form);
          expect(loss.dtype).toBe(torch.float64);
          expectClose(loss, c.float64.loss, 1e-10, 1e-12);
          expectClose(grad, c.float64.grad, 1e-10, 1e-12);
        });
      });
    }
  }

  it('covers every loss and reduction the brief names', () => {
    const ids = new Set(fx.cases.map((c) => c.id));
    for (const red of ['none', 'mean', 'sum']) {
      for (const p of ['ce', 'ce_weight', 'ce_ignore', 'ce_smooth', 'ce_prob', 'nll', 'mse', 'l1', 'smooth_l1_beta', 'bce_weight', 'bce_logits_posw_weight']) {
        expect(ids.has(`${p}_${red}`)).toBe(true);
      }
    }
    expect(ids.has('kl_batchmean')).toBe(true);
    expect(ids.has('kl_logtarget_batchmean')).toBe(true);
  });
});

describe('loss modules', () => {
  it('store their options with PyTorch defaults', () => {
    const ce = new nn.CrossEntropyLoss();
    expect(ce.reduction).toBe('mean');
    expect(ce.ignore_index).toBe(-100);
    expect(ce.label_smoothing).toBe(0);
    expect(ce.weight).toBeNull();
    expect(new nn.SmoothL1Loss().beta).toBe(1);
    expect(new nn.KLDivLoss({ log_target: true }).log_target).toBe(true);
    expect(new nn.MSELoss({ reduction: 'sum' }).reduction).toBe('sum');
  });

  it('take the legacy size_average/reduce flags as PyTorch does', () => {
    expect(new nn.MSELoss({ size_average: false }).reduction).toBe('sum');
    expect(new nn.L1Loss({ reduce: false }).reduction).toBe('none');
  });

  it('register weight and pos_weight as buffers', () => {
    const w = torch.tensor([1.0, 2.0, 0.5]);
    const ce = new nn.CrossEntropyLoss({ weight: w });
    expect(Object.keys(ce.state_dict())).toEqual(['weight']);
    const bce = new nn.BCEWithLogitsLoss({ pos_weight: w });
    expect(Object.keys(bce.state_dict())).toEqual(['pos_weight']);
  });

  it('print like PyTorch', () => {
    expect(new nn.CrossEntropyLoss({ label_smoothing: 0.1 }).toString()).toBe('CrossEntropyLoss()');
    expect(new nn.MSELoss().toString()).toBe('MSELoss()');
  });

  it('accept positional arguments in Python order', () => {
    torch.tidy(() => {
      const x = torch.tensor([[0.2, 0.5, -1.0], [1.5, 0.1, 0.3]]);
      const y = torch.tensor([2, 0]);
      const a = F.cross_entropy(x, y, null, null, 1, null, 'sum');
      const b = F.cross_entropy(x, y, { ignore_index: 1, reduction: 'sum' });
      expect(a.item()).toBe(b.item());
    });
  });
});

describe('loss errors', () => {
  const x = torch.tensor([[0.2, 0.8], [0.6, 0.4]]);
  it('reject an unknown reduction with PyTorch\'s message', () => {
    expect(() => F.mse_loss(x, x, { reduction: 'avg' as 'mean' })).toThrow('avg is not a valid value for reduction');
    expect(() => new nn.CrossEntropyLoss({ reduction: 'bad' }).forward(x, torch.tensor([0, 1]))).toThrow(
      'bad is not a valid value for reduction');
  });
  it('reject mismatched BCE shapes', () => {
    const y = torch.tensor([0.2, 0.8]);
    expect(() => F.binary_cross_entropy(x, y)).toThrow(
      'Using a target size (torch.Size([2])) that is different to the input size (torch.Size([2, 2])) is deprecated. Please ensure they have the same size.');
    expect(() => F.binary_cross_entropy_with_logits(x, y)).toThrow(
      'Target size (torch.Size([2])) must be the same as input size (torch.Size([2, 2]))');
  });
  it('reject non-tensor inputs and unknown options', () => {
    expect(() => F.mse_loss([1, 2] as unknown as torch.Tensor, x)).toThrow("argument 'input' must be a Tensor");
    expect(() => F.cross_entropy(x, torch.tensor([0, 1]), { smoothing: 0.1 } as never)).toThrow(
      "cross_entropy() got an unexpected keyword argument 'smoothing'");
  });
  it('surface ATen errors (class index out of range) as JS errors', () => {
    expect(() => F.cross_entropy(x, torch.tensor([0, 5]))).toThrow(/out of bounds|Target 5/);
  });
  it('leave no tensors behind inside tidy', () => {
    const before = torch.memory_stats().live_tensors;
    for (let i = 0; i < 20; i++) {
      torch.tidy(() => {
        const input = torch.randn([4, 3]).requires_grad_(true);
        F.mse_loss(input, torch.randn([3]), { reduction: 'sum' }).backward();
        F.kl_div(input.log_softmax(1), torch.randn([4, 3]).softmax(1), { reduction: 'batchmean' });
        F.binary_cross_entropy(input.sigmoid(), torch.rand([4, 3]), { weight: torch.ones([3]) });
      });
    }
    // The GC may free older garbage meanwhile, so the count can only go down.
    expect(torch.memory_stats().live_tensors).toBeLessThanOrEqual(before);
  });
});
