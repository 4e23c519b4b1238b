// Bad input raises a JS error with LibTorch's own message, and the process carries on.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('wrong shapes', () => {
  it('matmul with mismatched inner sizes', () => {
    const e = thrown(() => torch.ones(2, 3).matmul(torch.ones(2, 3)));
    expect(e).toBeInstanceOf(torch.TorchError);
    expect(e.message).toBe('mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)');
  });
  it('broadcasting failure', () => {
    const e = thrown(() => torch.ones(4).add(torch.ones(3)));
    expect(e).toBeInstanceOf(torch.TorchError);
    expect(e.message).toMatch(/The size of tensor a \(4\) must match the size of tensor b \(3\) at non-singleton dimension 0/);
  });
  it('view to an incompatible size', () => {
    expect(() => torch.ones(6).view(4, 2)).toThrow(/shape '\[4, 2\]' is invalid for input of size 6/);
  });
  it('ragged nested arrays', () => {
    const e = thrown(() => torch.tensor([[1, 2], [3]]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('expected sequence of length 2 at dim 1 (got 1)');
  });
  it('negative sizes', () => {
    expect(() => torch.zeros(2, -1)).toThrow(RangeError);
  });
  it('TypedArray with the wrong number of elements for a shape', () => {
    expect(() => torch.from_typed_array(new Float32Array(5), [2, 3])).toThrow(/data has 20 bytes but shape \[2, 3\] of Float needs 24/);
  });
});

describe('dtype mismatches', () => {
  it('mm of float and double', () => {
    const e = thrown(() => torch.ones(2, 2).mm(torch.ones(2, 2, { dtype: torch.float64 })));
    expect(e).toBeInstanceOf(torch.TorchError);
    expect(e.message).toMatch(/expected (scalar type|mat1 and mat2 to have the same dtype|m1 and m2 to have the same dtype)/);
  });
  it('index_select with a float index', () => {
    expect(() => torch.ones(3).index_select(0, torch.ones(1))).toThrow(/index_select\(\): Expected dtype int(32|64)( or int64)? for index/);
  });
  it('unknown dtype name', () => {
    // @ts-expect-error: a misspelled dtype name, as untyped JS could pass; the runtime check is under test
    const e = thrown(() => torch.zeros(2, { dtype: 'float33' }));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^unknown dtype 'float33'/);
  });
  it('in-place op that would need a type change', () => {
    expect(() => torch.ones(2, { dtype: torch.int64 }).add_(0.5)).toThrow(/result type Float can't be cast to the desired output type Long/);
  });
});

describe('indices out of range', () => {
  it('integer index past the end', () => {
    const e = thrown(() => torch.ones(3).index(10));
    expect(e).toBeInstanceOf(torch.TorchError);
    expect(e.message).toMatch(/index 10 is out of bounds for dimension 0 with size 3/);
  });
  it('dimension out of range', () => {
    expect(() => torch.ones(2, 2).sum(5)).toThrow(/Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)/);
  });
  it('gather index out of bounds', () => {
    expect(() => torch.ones(3).gather(0, torch.tensor([7]))).toThrow(/index 7 is out of bounds for dimension 0 with size 3/);
  });
  it('malformed slice string', () => {
    expect(() => torch.ones(3).index('1:x')).toThrow(TypeError);
  });
});

describe('disposed tensors', () => {
  it('use after dispose names the argument', () => {
    const t = torch.ones(3);
    t.dispose();
    t.dispose(); // idempotent
    expect(t.is_disposed).toBe(true);
    expect(() => t.add(1)).toThrow(/argument 'self' \(Tensor\) is a Tensor that has been disposed/);
    expect(() => torch.ones(3).add(t)).toThrow(/argument 'other' \(Tensor\) is a Tensor that has been disposed/);
    expect(() => t.shape).toThrow(/disposed/);
    expect(() => t.tolist()).toThrow(/disposed/);
  });
  it('a disposed tensor inside a list argument', () => {
    const t = torch.ones(2);
    t.dispose();
    expect(() => torch.cat([torch.ones(2), t])).toThrow(/disposed/);
  });
});

describe('devices', () => {
  it('unknown device string', () => {
    // @ts-expect-error: a misspelled device, as untyped JS could pass; the runtime check is under test
    const e = thrown(() => torch.zeros(2, { device: 'cdua' }));
    expect(e).toBeInstanceOf(torch.TorchError);
    expect(e.message).toMatch(/cdua/);
  });
  it.runIf(!torch.cuda.is_available())('CUDA asked for where there is none', () => {
    for (const fn of [() => torch.zeros(2, { device: 'cuda' }), () => torch.ones(2).cuda(), () => torch.ones(2).to('cuda:0')]) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(torch.TorchError);
      expect(e.message).toMatch(/^CUDA was requested \('cuda(:0)?'\) but torch\.cuda\.is_available\(\) is false/);
    }
    expect(() => torch.cuda.synchronize()).toThrow(/CUDA is not available/);
  });
});

describe('wrong argument types', () => {
  it('a string where a tensor is expected', () => {
    expect(() => torch.ones(2).matmul('x' as never)).toThrow(new TypeError("argument 'other' must be a Tensor, not string"));
  });
  it('a fractional number where an int is expected', () => {
    expect(() => torch.ones(2, 2).transpose(0.5, 1)).toThrow(/argument 'dim0' \(int\) must be an integer/);
    expect(() => torch.ones(4).view(2, 1.5)).toThrow(new TypeError('view(): sizes must be integers, got 1.5'));
    expect(() => (torch.ops.aten as any).view(torch.ones(4), [2, 1.5])).toThrow(/argument 'size' \(\w+\[\]\) must be an integer/);
    expect(() => torch.ones(4).mul('2' as never)).toThrow(TypeError);
  });
  it('unknown keyword arguments', () => {
    expect(() => torch.ones(2).sum({ dims: 0 } as never)).toThrow(new TypeError("sum() got an unexpected keyword argument 'dims'"));
  });
  it('unknown raw operator', () => {
    expect(() => torch.ops.aten.not_an_op(torch.ones(1))).toThrow(/Unknown operator aten::not_an_op/);
  });
});

describe('the error boundary', () => {
  it('keeps the JS caller on the stack and no C++ backtrace in the message', () => {
    const e = thrown(function callerInThisTest() {
      return torch.ones(2, 3).matmul(torch.ones(2, 3));
    });
    expect(e.stack).toMatch(/callerInThisTest/);
    expect(e.message).not.toMatch(/Exception raised from|frame #/);
  });
  it('leaves inputs intact after a failed in-place op', () => {
    const t = torch.tensor([1, 2, 3]);
    expect(() => t.add_(torch.ones(4, { dtype: torch.int64 }))).toThrow();
    expect(t.tolist()).toEqual([1, 2, 3]);
  });
  it('the process survives many errors in a row', () => {
    for (let i = 0; i < 200; i++) expect(() => torch.ones(2).view(3)).toThrow();
    expect(torch.ones(2).sum().item()).toBe(2);
  });
});

describe('arguments the fuzz suite found taken wrongly', () => {
  const x = torch.arange(16, { dtype: torch.float32 }).reshape(1, 1, 4, 4);
  it('an int[N] list of another length is refused where the kernel would read past it', () => {
    // PyTorch reads uninitialised memory here (its error shows garbage paddings, or it crashes)
    for (const pad of [[], [1, 1], [1, 1, 1, 1, 1]]) {
      const e = thrown(() => torch.ops.aten.reflection_pad2d(x, pad));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain(`'padding' (int[]) must have 4 elements, got ${pad.length}`);
    }
    // one value stands for all N, as a number does; the empty default of pooling's stride stays
    expect(torch.ops.aten.reflection_pad2d<torch.Tensor>(x, [1]).shape).toEqual([1, 1, 6, 6]);
    expect(torch.ops.aten.max_pool2d<torch.Tensor>(x, [2]).shape).toEqual([1, 1, 2, 2]);
    expect(torch.ops.aten.avg_pool2d<torch.Tensor>(x, [2], []).tolist()).toEqual(torch.ops.aten.avg_pool2d<torch.Tensor>(x, 2, 2).tolist());
  });
  it('a one-element Tensor where a raw operator takes a number is its value, as in Python', () => {
    expect(torch.ops.aten.zeros<torch.Tensor>([torch.tensor([5]), 2]).shape).toEqual([5, 2]);
    expect(torch.ops.aten.linspace<torch.Tensor>(0, 1, torch.tensor(5)).shape).toEqual([5]);
    expect(thrown(() => torch.ops.aten.zeros([torch.tensor([5], { dtype: torch.float32 }), 2]))).toBeInstanceOf(TypeError);
    expect(thrown(() => torch.ops.aten.zeros([torch.tensor([5, 6]), 2]))).toBeInstanceOf(TypeError);
  });
  it('maximum, minimum, atan2, fmax, fmin and logical_* take a Tensor only, as in PyTorch', () => {
    const t = torch.tensor([1.5, -2]);
    for (const name of ['maximum', 'minimum', 'atan2', 'fmax', 'fmin', 'logical_and', 'logical_or', 'logical_xor'] as const) {
      const e = thrown(() => (t[name] as (o: unknown) => unknown)(3));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe(`${name}(): argument 'other' (position 1) must be Tensor, not number`);
    }
    expect(t.maximum(torch.tensor(0)).tolist()).toEqual([1.5, 0]);
  });
  it("LibTorch's C++ type names in a message read as PyTorch's dtype names", () => {
    const e = thrown(() => torch.ops.aten.lerp.Tensor(torch.ones(2), torch.ones(2, { dtype: torch.bfloat16 }), torch.ones(2)));
    expect(e).toBeInstanceOf(torch.TorchError);
    expect(e.message).not.toMatch(/c10::|at::/);
    expect(e.message).toMatch(/BFloat16|Float/);
  });
});
