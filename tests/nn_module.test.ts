// nn.Module mechanics: registration by field, traversal order, state_dict round trips with
// PyTorch's error messages, modes, device/dtype moves and the repr.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';

const { nn } = torch;

class Affine extends nn.Module {
  weight: torch.nn.Parameter;
  bias: torch.nn.Parameter | null;
  constructor(n: number, bias = true) {
    super();
    this.weight = new nn.Parameter(torch.ones(n));
    this.bias = bias ? new nn.Parameter(torch.zeros(n)) : null;
    this.register_buffer('calls', torch.zeros(1));
    this.register_buffer('scratch', torch.zeros(2), { persistent: false });
  }
  forward(x: torch.Tensor) {
    return this.bias ? x.mul(this.weight).add(this.bias) : x.mul(this.weight);
  }
  extra_repr() {
    return `n=${this.weight.shape[0]}, bias=${this.bias !== null ? 'True' : 'False'}`;
  }
}

class Net extends nn.Module {
  scale = new nn.Parameter(torch.tensor([2], { dtype: torch.float32 }));
  first = new Affine(3);
  blocks = new nn.ModuleList([new Affine(3, false), new Affine(3)]);
  last = new nn.Sequential(new Affine(3));
  note = 'not a module';
  forward(x: torch.Tensor) {
    let y = this.first.forward(x.mul(this.scale));
    for (const b of this.blocks) y = b.forward(y);
    return this.last.forward(y);
  }
}

describe('registration and traversal', () => {
  it('lists parameters, buffers and children in definition order with PyTorch\'s dotted names', () => {
    const net = new Net();
    expect([...net.named_parameters()].map(([k]) => k)).toEqual([
      'scale', 'first.weight', 'first.bias', 'blocks.0.weight', 'blocks.1.weight', 'blocks.1.bias', 'last.0.weight', 'last.0.bias',
    ]);
    expect([...net.named_children()].map(([k]) => k)).toEqual(['first', 'blocks', 'last']);
    expect([...net.named_modules()].map(([k]) => k)).toEqual(['', 'first', 'blocks', 'blocks.0', 'blocks.1', 'last', 'last.0']);
    expect([...net.named_buffers()].map(([k]) => k)).toEqual(['first.calls', 'first.scratch', 'blocks.0.calls', 'blocks.0.scratch', 'blocks.1.calls', 'blocks.1.scratch', 'last.0.calls', 'last.0.scratch']);
    expect(net.parameters().length).toBe(8);
  });
  it('state_dict holds parameters then persistent buffers, module by module', () => {
    expect(Object.keys(new Net().state_dict())).toEqual([
      'scale', 'first.weight', 'first.bias', 'first.calls', 'blocks.0.weight', 'blocks.0.calls',
      'blocks.1.weight', 'blocks.1.bias', 'blocks.1.calls', 'last.0.weight', 'last.0.bias', 'last.0.calls',
    ]);
  });
  it('shared parameters are listed once', () => {
    const net = new Net();
    (net.blocks.at(1) as Affine).weight = (net.blocks.at(0) as Affine).weight;
    expect(net.parameters().length).toBe(7);
  });
  it('register_parameter rejects plain tensors like PyTorch', () => {
    const m = new nn.Module();
    expect(() => m.register_parameter('w', torch.ones(1) as never)).toThrow(/cannot assign 'Tensor' object to parameter 'w'/);
    expect(() => m.register_buffer('a.b', torch.ones(1))).toThrow(/can't contain "."/);
  });
});

describe('state_dict round trips', () => {
  it('load_state_dict copies values into the existing parameters', () => {
    const a = new Net();
    const b = new Net();
    const w = b.first.weight;
    torch.no_grad(() => a.first.weight.mul_(5));
    b.load_state_dict(a.state_dict());
    expect(b.first.weight).toBe(w); // same Parameter object, as optimizers hold it
    expect(b.first.weight.tolist()).toEqual([5, 5, 5]);
  });
  it('reports missing and unexpected keys with PyTorch\'s message, or returns them when not strict', () => {
    const sd = new Net().state_dict();
    delete sd['first.bias'];
    sd['extra.weight'] = torch.ones(1);
    expect(() => new Net().load_state_dict(sd)).toThrow(
      'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "first.bias". \n\tUnexpected key(s) in state_dict: "extra.weight". ',
    );
    expect(new Net().load_state_dict(sd, { strict: false })).toEqual({ missing_keys: ['first.bias'], unexpected_keys: ['extra.weight'] });
  });
  it('rejects shape mismatches even when not strict', () => {
    const sd = new Net().state_dict();
    sd['first.weight'] = torch.ones(4);
    expect(() => new Net().load_state_dict(sd, { strict: false })).toThrow(
      'size mismatch for first.weight: copying a param with shape torch.Size([4]) from checkpoint, the shape in current model is torch.Size([3]).',
    );
  });
  it('accepts a Map', () => {
    const net = new Net();
    const m = new Map(Object.entries(new Net().state_dict()));
    expect(net.load_state_dict(m).missing_keys).toEqual([]);
  });
});

describe('modes, gradients and moves', () => {
  it('train/eval reach every submodule and return the module', () => {
    const net = new Net();
    expect(net.eval()).toBe(net);
    expect([...net.modules()].every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.blocks.at(1).training).toBe(true);
  });
  it('zero_grad clears gradients (to null by default, to zeros when asked)', () => {
    const net = new Net();
    net.forward(torch.ones(3)).sum().backward();
    expect(net.scale.grad).not.toBeNull();
    net.zero_grad(false);
    expect(net.scale.grad!.tolist()).toEqual([0]);
    net.zero_grad();
    expect(net.scale.grad).toBeNull();
  });
  it('to(float64) converts parameters and buffers in place and keeps the Parameter objects', () => {
    const net = new Net();
    const p = net.first.weight;
    net.to(torch.float64);
    expect(net.first.weight).toBe(p);
    expect(p.dtype).toBe(torch.float64);
    expect(p.requires_grad).toBe(true);
    expect((net.first as Affine & { calls: torch.Tensor }).calls.dtype).toBe(torch.float64);
    expect(net.forward(torch.ones(3, { dtype: torch.float64 })).dtype).toBe(torch.float64);
    expect(() => net.to(torch.int64)).toThrow(/only accepts floating point or complex dtypes/);
  });
  it('moves reach each submodule through its own _apply, and a submodule reached twice once', () => {
    const converted: string[] = [];
    class Recorded extends nn.Module {
      constructor(readonly label: string) {
        super();
      }
      protected override _apply(fn: (t: torch.Tensor) => torch.Tensor, done?: Set<torch.nn.Module>): this {
        if (!done?.has(this)) converted.push(this.label);
        return super._apply(fn, done);
      }
    }
    const shared = new Recorded('shared');
    const outer = new Recorded('outer') as Recorded & Record<string, torch.nn.Module>;
    outer.a = new Recorded('a');
    outer.b = shared;
    outer.c = shared;
    outer.to(torch.float64);
    expect(converted).toEqual(['outer', 'a', 'shared']);
  });
  it('apply visits children before the parent', () => {
    const names: string[] = [];
    new Net().apply((m) => names.push(m.constructor.name));
    expect(names).toEqual(['Affine', 'Affine', 'Affine', 'ModuleList', 'Affine', 'Sequential', 'Net']);
  });
  it('a module without forward says so', () => {
    expect(() => new nn.Module().forward()).toThrow('Module [Module] is missing the required "forward" function');
  });
});

describe('repr', () => {
  it('prints like PyTorch', () => {
    expect(String(new Net())).toBe(
      [
        'Net(',
        '  (first): Affine(n=3, bias=True)',
        '  (blocks): ModuleList(',
        '    (0): Affine(n=3, bias=False)',
        '    (1): Affine(n=3, bias=True)',
        '  )',
        '  (last): Sequential(',
        '    (0): Affine(n=3, bias=True)',
        '  )',
        ')',
      ].join('\n'),
    );
  });
});

describe('containers', () => {
  it('Sequential runs its children in order and takes named children', () => {
    const seq = new nn.Sequential(new Map([['a', new Affine(2)], ['b', new Affine(2)]]));
    expect([...seq.named_children()].map(([k]) => k)).toEqual(['a', 'b']);
    expect(seq.forward(torch.tensor([1, 2], { dtype: torch.float32 })).tolist()).toEqual([1, 2]);
    expect(seq.length).toBe(2);
  });
  it('ModuleDict keeps insertion order and allows method-like keys', () => {
    const d = new nn.ModuleDict({ forward: new Affine(1), zeta: new Affine(1) });
    expect([...d.keys()]).toEqual(['forward', 'zeta']);
    expect(Object.keys(d.state_dict())).toEqual(['forward.weight', 'forward.bias', 'forward.calls', 'zeta.weight', 'zeta.bias', 'zeta.calls']);
  });
});
