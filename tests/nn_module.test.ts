// nn.Module mechanics: registration by field, traversal order, state_dict round trips with
// PyTorch's error messages, modes, device/dtype moves, the repr, and forward and backward hooks
// (against a live PyTorch oracle).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { deepcopy } from '../lib/nn/deepcopy';
import { checkOracle, oracleEnv, oraclePython } from './oracle';
import { warningsOf } from './warnings_heard';

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

// ---- forward hooks ------------------------------------------------------------------------------

// The PyTorch side of the hook tests; its parts for prepend/with_kwargs (PyTorch 2.0) and
// always_call (2.1) run only where the oracle's PyTorch has them.
const HOOKS_ORACLE = `
import inspect, json, warnings
import torch
import torch.nn as nn
warnings.simplefilter('ignore')
SIG = inspect.signature(nn.Module.register_forward_hook).parameters
out = {'v2': 'prepend' in SIG, 'always_call': 'always_call' in SIG}
def L(t):
    return t.detach().tolist()
def state(m):
    return {k: L(v) for k, v in m.state_dict().items()}

# A small model: hooks that record the call order, change inputs and outputs, add and remove
# hooks while they run, and keep an intermediate activation.
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.body = nn.Sequential(nn.Linear(8, 8), nn.Tanh())
        self.fc2 = nn.Linear(8, 3)
    def forward(self, x):
        return self.fc2(self.body(self.act(self.fc1(x))))
torch.manual_seed(0)
net = Net()
x = torch.randn(2, 4)
out['state'] = state(net)
out['x'] = L(x)
out['plain'] = L(net(x))
order, feats, handles, late = [], {}, {}, []
def pre_net(m, args):
    order.append('pre net')
    return (args[0] + 0.5,)
def pre_fc1(m, args):
    order.append('pre fc1')
    return args[0] * 2
def pre_body(m, args):
    order.append('pre body')
def fwd_body0(m, args, output):
    order.append('fwd body.0')
    return output + 1
def fwd_act(m, args, output):
    order.append('fwd act')
    feats['act'] = L(output)
def fwd_fc2_a(m, args, output):
    order.append('fwd fc2 a')
    if not late:
        late.append(m.register_forward_hook(fwd_fc2_late))
        handles['victim'].remove()
def fwd_fc2_late(m, args, output):
    order.append('fwd fc2 late')
def fwd_fc2_victim(m, args, output):
    order.append('fwd fc2 victim')
def fwd_fc2_once(m, args, output):
    order.append('fwd fc2 once')
    handles['once'].remove()
def fwd_net(m, args, output):
    order.append('fwd net')
    feats['net_args0'] = L(args[0])
    feats['net_nargs'] = len(args)
    return output * 3
handles['pre_net'] = net.register_forward_pre_hook(pre_net)
handles['pre_fc1'] = net.fc1.register_forward_pre_hook(pre_fc1)
handles['pre_body'] = net.body.register_forward_pre_hook(pre_body)
handles['fwd_body0'] = net.body[0].register_forward_hook(fwd_body0)
handles['fwd_act'] = net.act.register_forward_hook(fwd_act)
handles['fwd_fc2_a'] = net.fc2.register_forward_hook(fwd_fc2_a)
handles['victim'] = net.fc2.register_forward_hook(fwd_fc2_victim)
handles['once'] = net.fc2.register_forward_hook(fwd_fc2_once)
handles['fwd_net'] = net.register_forward_hook(fwd_net)
runs = []
def run():
    order.clear()
    y = net(x)
    runs.append({'order': list(order), 'y': L(y)})
run()
out['fc2_hooks_after_first'] = [h.__name__ for h in net.fc2._forward_hooks.values()]
handles['pre_fc1'].remove()
handles['fwd_body0'].remove()
run()
for h in [*handles.values(), *late]:
    h.remove()
run()
out['runs'] = runs
out['feats'] = feats

# A hook on the attention inside a transformer layer (called with keyword options): its args are
# the three positional inputs, its output the (attn_output, weights) pair.
torch.manual_seed(1)
layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
src = torch.randn(5, 2, 8)
att = {}
def fwd_attn(m, args, output):
    att['nargs'] = len(args)
    att['out'] = L(output[0])
    att['weights_none'] = output[1] is None
layer.self_attn.register_forward_hook(fwd_attn)
out['attn'] = {'state': state(layer), 'src': L(src), 'y': L(layer(src)), 'seen': att}

# Hooks survive deepcopy: TransformerEncoder clones a hooked layer; the copies share the hook
# function and run it on themselves, and removing the original's handle leaves them.
torch.manual_seed(2)
layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
seen = []
def fwd_layer(m, args, output):
    seen.append(m)
    return output * 0.5
h = layer.register_forward_hook(fwd_layer)
enc = nn.TransformerEncoder(layer, 2)
src = torch.randn(5, 2, 8)
def where(ms):
    return [next((i for i, l in enumerate(enc.layers) if l is m), -1) for m in ms]
y = enc(src)
clones = {'state': state(enc), 'src': L(src), 'y': L(y), 'seen': where(seen)}
clones['same_ids'] = list(enc.layers[0]._forward_hooks) == [h.id] and list(enc.layers[1]._forward_hooks) == [h.id]
clones['shared'] = enc.layers[1]._forward_hooks[h.id] is fwd_layer
h.remove()
seen.clear()
enc(src)
clones['seen_after_remove'] = where(seen)
clones['original_left'] = len(layer._forward_hooks)
out['clones'] = clones

if out['v2']:
    # prepend and with_kwargs: keyword arguments reach with_kwargs hooks only.
    class Scale(nn.Module):
        def forward(self, x, *, factor=1.0, shift=0.0):
            return x * factor + shift
    s = Scale()
    order = []
    def pa(m, args):
        order.append('pre a %d' % len(args))
    def pb(m, args):
        order.append('pre b')
    def pc(m, args, kwargs):
        order.append('pre c ' + ','.join(sorted(kwargs)))
        kwargs = dict(kwargs)
        kwargs['factor'] = kwargs.get('factor', 1.0) * 10
        return (args[0] + 1,), kwargs
    def fa(m, args, output):
        order.append('fwd a %d' % len(args))
    def fb(m, args, kwargs, output):
        order.append('fwd b ' + ','.join(sorted(kwargs)))
        return output + kwargs.get('shift', 0.0)
    def fc(m, args, output):
        order.append('fwd c')
    s.register_forward_pre_hook(pa)
    s.register_forward_pre_hook(pb)
    s.register_forward_pre_hook(pc, prepend=True, with_kwargs=True)
    s.register_forward_hook(fa)
    s.register_forward_hook(fb, with_kwargs=True)
    s.register_forward_hook(fc, prepend=True)
    x2 = torch.tensor([1.0, 2.0])
    kw = {}
    order.clear()
    kw['with'] = {'y': L(s(x2, factor=2.0, shift=0.5)), 'order': list(order)}
    order.clear()
    kw['without'] = {'y': L(s(x2)), 'order': list(order)}
    kw['pre_order'] = [f.__name__ for f in s._forward_pre_hooks.values()]
    kw['fwd_order'] = [f.__name__ for f in s._forward_hooks.values()]
    # The keyword options a transformer layer passes to its attention.
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    got = {}
    def attn_kw(m, args, kwargs, output):
        got['keys'] = sorted(kwargs)
        got['need_weights'] = kwargs['need_weights']
        got['nargs'] = len(args)
    layer.self_attn.register_forward_hook(attn_kw, with_kwargs=True)
    layer(torch.randn(5, 2, 8))
    kw['attn'] = got
    out['kwargs'] = kw

if out['always_call']:
    # always_call: such hooks run after an error too, with output None; their own errors are
    # silenced, and the first error is raised.
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError('boom')
    class Fine(nn.Module):
        def forward(self, x):
            return x
    order = []
    def normal(m, args, output):
        order.append('normal')
    def always(m, args, output):
        order.append('always %s %d' % (output is None, len(args)))
    def always_raises(m, args, output):
        order.append('always raises')
        raise RuntimeError('hook failed')
    def raiser(m, args, output):
        order.append('raiser')
        raise ValueError('raiser failed')
    b = Boom()
    b.register_forward_hook(normal)
    b.register_forward_hook(always, always_call=True)
    b.register_forward_hook(always_raises, always_call=True)
    try:
        b(torch.ones(1))
    except ValueError as e:
        order.append('raised ' + str(e))
    first = list(order)
    order.clear()
    f = Fine()
    f.register_forward_hook(always, always_call=True)
    f.register_forward_hook(raiser)
    f.register_forward_hook(normal, always_call=True)
    try:
        f(torch.ones(1))
    except ValueError as e:
        order.append('raised ' + str(e))
    out['always'] = {'forward_raises': first, 'hook_raises': list(order)}
print(json.dumps(out))
`;

type Nested = number | Nested[];

function loadState(m: torch.nn.Module, state: Record<string, Nested>): void {
  m.load_state_dict(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, torch.tensor(v as number[])])));
}

/** Elementwise within 1e-5 of PyTorch's values (the same float32 operators run on both sides). */
function expectValues(actual: torch.Tensor, expected: Nested, what: string): void {
  const got = Array.from(actual.detach().flatten().toTypedArray() as Float32Array);
  const want: number[] = [];
  const flatten = (v: Nested): void => void (Array.isArray(v) ? v.forEach(flatten) : want.push(v));
  flatten(expected);
  expect(got.length, `${what}: size`).toBe(want.length);
  const worst = got.reduce((w, g, i) => Math.max(w, Math.abs(g - want[i]) - 1e-5 * Math.abs(want[i])), 0);
  expect(worst, `${what}: differs from PyTorch by ${worst}`).toBeLessThanOrEqual(1e-5);
}

class HookNet extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  act = new nn.ReLU();
  body = new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh());
  fc2 = new nn.Linear(8, 3);
  forward(x: torch.Tensor): torch.Tensor {
    return this.fc2.forward(this.body.forward(this.act.forward(this.fc1.forward(x))));
  }
}

class Scale extends nn.Module<[torch.Tensor, { factor?: number; shift?: number }?], torch.Tensor> {
  forward(x: torch.Tensor, { factor = 1, shift = 0 }: { factor?: number; shift?: number } = {}): torch.Tensor {
    return x.mul(factor).add(shift);
  }
}

describe('forward hooks (live oracle)', () => {
  checkOracle();
  const py = JSON.parse(execFileSync(oraclePython, ['-c', HOOKS_ORACLE], { encoding: 'utf8', env: oracleEnv(), maxBuffer: 1 << 26 }));
  const isV1 = torch.version.libtorch.startsWith('1.');

  it('pre-hooks and hooks run in PyTorch\'s order, change inputs and outputs, and come off', () => {
    const net = new HookNet();
    loadState(net, py.state);
    const x = torch.tensor(py.x);
    expectValues(net.forward(x), py.plain, 'without hooks');
    const order: string[] = [];
    const feats: Record<string, torch.Tensor | number> = {};
    const handles: Record<string, torch.utils.hooks.RemovableHandle> = {};
    const late: torch.utils.hooks.RemovableHandle[] = [];
    type T = torch.Tensor;
    function fwd_fc2_a(m: torch.nn.Module) {
      order.push('fwd fc2 a');
      if (!late.length) {
        late.push(m.register_forward_hook(fwd_fc2_late));
        handles.victim.remove();
      }
    }
    function fwd_fc2_late() {
      order.push('fwd fc2 late');
    }
    handles.pre_net = net.register_forward_pre_hook((m, args) => {
      order.push('pre net');
      return [(args[0] as T).add(0.5)];
    });
    handles.pre_fc1 = net.fc1.register_forward_pre_hook((m, args) => {
      order.push('pre fc1');
      return (args[0] as T).mul(2); // one value: the only argument
    });
    handles.pre_body = net.body.register_forward_pre_hook(() => void order.push('pre body'));
    handles.fwd_body0 = net.body.at(0).register_forward_hook((m, args, output) => {
      order.push('fwd body.0');
      return (output as T).add(1);
    });
    handles.fwd_act = net.act.register_forward_hook((m, args, output) => {
      order.push('fwd act');
      feats.act = output; // output: a Tensor, from ReLU's forward
    });
    handles.fwd_fc2_a = net.fc2.register_forward_hook(fwd_fc2_a);
    handles.victim = net.fc2.register_forward_hook(() => void order.push('fwd fc2 victim'));
    handles.once = net.fc2.register_forward_hook(() => {
      order.push('fwd fc2 once');
      handles.once.remove();
    });
    handles.fwd_net = net.register_forward_hook((m, args, output) => {
      order.push('fwd net');
      feats.net_args0 = args[0] as T;
      feats.net_nargs = args.length;
      return output.mul(3);
    });
    const run = (i: number) => {
      order.length = 0;
      const y = net.forward(x);
      expect(order, `run ${i}: the order`).toEqual(py.runs[i].order);
      expectValues(y, py.runs[i].y, `run ${i}: the output`);
    };
    run(0);
    expect([...net.fc2._forward_hooks.values()].map((f) => f.name)).toEqual(py.fc2_hooks_after_first);
    handles.pre_fc1.remove();
    handles.fwd_body0.remove();
    expect(Object.hasOwn(net.fc1, 'forward')).toBe(false);
    run(1);
    for (const h of [...Object.values(handles), ...late]) h.remove();
    run(2);
    expectValues(feats.act as T, py.feats.act, 'the activation a hook kept');
    expectValues(feats.net_args0 as T, py.feats.net_args0, 'args after the pre-hook');
    expect(feats.net_nargs).toBe(py.feats.net_nargs);
    for (const m of net.modules()) expect(Object.hasOwn(m, 'forward'), `${m._get_name()} has no own forward`).toBe(false);
  });

  it('a hook on a transformer layer\'s attention gets the positional inputs (feature extraction)', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16, dropout: 0.0 });
    loadState(layer, py.attn.state);
    const seen: { nargs?: number; out?: torch.Tensor; weights_none?: boolean } = {};
    layer.self_attn.register_forward_hook((m, args, output) => {
      seen.nargs = args.length;
      seen.out = output[0];
      seen.weights_none = output[1] === null;
    });
    expectValues(layer.forward(torch.tensor(py.attn.src)), py.attn.y, 'the layer\'s output');
    expect(seen.nargs).toBe(py.attn.seen.nargs);
    expect(seen.weights_none).toBe(py.attn.seen.weights_none);
    expectValues(seen.out!, py.attn.seen.out, 'the attention output the hook kept');
  });

  it('hooks survive deepcopy: TransformerEncoder\'s clones share the hook and run it on themselves', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16, dropout: 0.0 });
    const seen: torch.nn.Module[] = [];
    function fwd_layer(m: torch.nn.Module, args: unknown[], output: unknown) {
      seen.push(m);
      return (output as torch.Tensor).mul(0.5);
    }
    const h = layer.register_forward_hook(fwd_layer);
    const enc = new nn.TransformerEncoder(layer, 2);
    loadState(enc, py.clones.state);
    const src = torch.tensor(py.clones.src);
    const where = (ms: torch.nn.Module[]) => ms.map((m) => [...enc.layers].indexOf(m));
    expectValues(enc.forward(src), py.clones.y, 'the output with the copied hooks');
    expect(where(seen)).toEqual(py.clones.seen);
    const ids = [...enc.layers].map((l) => [...l._forward_hooks.keys()]);
    expect(py.clones.same_ids).toBe(true);
    expect(ids).toEqual([[h.id], [h.id]]);
    expect(py.clones.shared).toBe(true);
    expect(enc.layers.at(1)._forward_hooks.get(h.id)).toBe(fwd_layer);
    h.remove();
    seen.length = 0;
    enc.forward(src);
    expect(where(seen)).toEqual(py.clones.seen_after_remove);
    expect(layer._forward_hooks.size).toBe(py.clones.original_left);
    expect(Object.hasOwn(layer, 'forward')).toBe(false);
    expect(Object.hasOwn(enc.layers.at(0), 'forward')).toBe(true);
  });

  it('the oracle lacks prepend/with_kwargs and always_call only on PyTorch 1.13', () => {
    expect(py.v2).toBe(!isV1);
    expect(py.always_call).toBe(!isV1);
  });

  it.skipIf(isV1)('prepend and with_kwargs: the trailing options object is the kwargs', () => {
    const s = new Scale();
    const order: string[] = [];
    const keys = (kw: object) => Object.keys(kw).sort().join(',');
    function pa(m: Scale, args: unknown[]) {
      order.push(`pre a ${args.length}`);
    }
    function pb() {
      order.push('pre b');
    }
    function pc(m: Scale, args: unknown[], kwargs: Record<string, unknown>): [unknown[], Record<string, unknown>] {
      order.push(`pre c ${keys(kwargs)}`);
      return [[(args[0] as torch.Tensor).add(1)], { ...kwargs, factor: ((kwargs.factor as number | undefined) ?? 1) * 10 }];
    }
    function fa(m: Scale, args: unknown[]) {
      order.push(`fwd a ${args.length}`);
    }
    function fb(m: Scale, args: unknown[], kwargs: Record<string, unknown>, output: torch.Tensor) {
      order.push(`fwd b ${keys(kwargs)}`);
      return output.add((kwargs.shift as number | undefined) ?? 0);
    }
    function fc() {
      order.push('fwd c');
    }
    s.register_forward_pre_hook(pa);
    s.register_forward_pre_hook(pb);
    s.register_forward_pre_hook(pc, { prepend: true, with_kwargs: true });
    s.register_forward_hook(fa);
    s.register_forward_hook(fb, { with_kwargs: true });
    s.register_forward_hook(fc, { prepend: true });
    const x = torch.tensor([1, 2], { dtype: torch.float32 });
    const options = { factor: 2, shift: 0.5 };
    expectValues(s.forward(x, options), py.kwargs.with.y, 'with options');
    expect(order).toEqual(py.kwargs.with.order);
    expect(options).toEqual({ factor: 2, shift: 0.5 }); // the caller's object is left as it was
    order.length = 0;
    expectValues(s.forward(x), py.kwargs.without.y, 'without options');
    expect(order).toEqual(py.kwargs.without.order);
    expect([...s._forward_pre_hooks.values()].map((f) => f.name)).toEqual(py.kwargs.pre_order);
    expect([...s._forward_hooks.values()].map((f) => f.name)).toEqual(py.kwargs.fwd_order);
    expect([...s._forward_pre_hooks_with_kwargs.keys()]).toEqual([[...s._forward_pre_hooks.keys()][0]]);

    const layer = new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16, dropout: 0.0 });
    const got: Record<string, unknown> = {};
    layer.self_attn.register_forward_hook((m, args, kwargs) => {
      got.keys = Object.keys(kwargs).sort();
      got.need_weights = kwargs.need_weights;
      got.nargs = args.length;
    }, { with_kwargs: true });
    layer.forward(torch.randn(5, 2, 8));
    expect(got).toEqual(py.kwargs.attn);
  });

  it.skipIf(isV1)('always_call hooks run after an error, with output undefined (PyTorch\'s None)', async () => {
    class Boom extends nn.Module {
      forward(x: torch.Tensor): never {
        void x;
        throw new Error('boom');
      }
    }
    class Fine extends nn.Module {
      forward(x: torch.Tensor) {
        return x;
      }
    }
    const order: string[] = [];
    const normal = () => void order.push('normal');
    const always = (m: unknown, args: unknown[], output: unknown) => void order.push(`always ${output === undefined ? 'True' : 'False'} ${args.length}`);
    const b = new Boom();
    b.register_forward_hook(normal);
    b.register_forward_hook(always, { always_call: true });
    b.register_forward_hook(() => {
      order.push('always raises');
      throw new Error('hook failed');
    }, { always_call: true });
    const warnings = await warningsOf(() => {
      try {
        b.forward(torch.ones(1));
      } catch (e) {
        order.push(`raised ${(e as Error).message}`);
      }
    });
    expect(order).toEqual(py.always.forward_raises);
    expect(warnings.map((w) => w.message)).toEqual(['module forward hook with ``always_call=True`` raised an exception that was silenced as another error was raised in forward: hook failed']);
    order.length = 0;
    const f = new Fine();
    f.register_forward_hook(always, { always_call: true });
    f.register_forward_hook(() => {
      order.push('raiser');
      throw new Error('raiser failed');
    });
    f.register_forward_hook(normal, { always_call: true });
    try {
      f.forward(torch.ones(1));
    } catch (e) {
      order.push(`raised ${(e as Error).message}`);
    }
    expect(order).toEqual(py.always.hook_raises);
  });
});

describe('forward hooks: the wrapper, handles and errors', () => {
  it('only a module with hooks has an own forward, invisible to parameters and state_dict', () => {
    const m = new Affine(3);
    const keys = Object.keys(m);
    const state = Object.keys(m.state_dict());
    expect(Object.hasOwn(m, 'forward')).toBe(false);
    const h = m.register_forward_hook(() => undefined);
    const g = m.register_forward_pre_hook(() => undefined);
    expect(Object.hasOwn(m, 'forward')).toBe(true);
    expect(Object.keys(m)).toEqual(keys);
    expect(Object.keys(m.state_dict())).toEqual(state);
    expect(m.parameters().length).toBe(2);
    h.remove();
    expect(Object.hasOwn(m, 'forward')).toBe(true);
    g.remove();
    expect(Object.hasOwn(m, 'forward')).toBe(false);
    expect(Object.keys(m)).toEqual(keys);
  });

  it('handles: PyTorch\'s RemovableHandle, with increasing ids, idempotent remove and using', () => {
    const m = new Affine(2);
    const a = m.register_forward_hook(() => undefined);
    const b = m.register_forward_hook(() => undefined, { prepend: true });
    expect(a).toBeInstanceOf(torch.utils.hooks.RemovableHandle);
    expect(b.id).toBe(a.id + 1);
    expect(torch.utils.hooks.RemovableHandle.next_id).toBe(b.id + 1);
    expect([...m._forward_hooks.keys()]).toEqual([b.id, a.id]);
    a.remove();
    a.remove();
    expect([...m._forward_hooks.keys()]).toEqual([b.id]);
    b.remove();
    const seen: number[] = [];
    {
      using h = m.register_forward_hook(() => void seen.push(1));
      m.forward(torch.ones(2));
      expect(m._forward_hooks.has(h.id)).toBe(true);
    }
    m.forward(torch.ones(2));
    expect(seen).toEqual([1]);
    expect(Object.hasOwn(m, 'forward')).toBe(false);
  });

  it('a subclass\'s overriding forward is what the hooks wrap', () => {
    class Doubled extends Affine {
      forward(x: torch.Tensor) {
        return super.forward(x).mul(2);
      }
    }
    const m = new Doubled(2);
    const outputs: number[][] = [];
    m.register_forward_hook((mod, args, output) => void outputs.push(output.tolist() as number[]));
    expect(m.forward(torch.tensor([1, 2], { dtype: torch.float32 })).tolist()).toEqual([2, 4]);
    expect(outputs).toEqual([[2, 4]]);
  });

  it('a forward the user assigns, before or after the hooks, keeps working and the hooks run once', () => {
    const x = torch.tensor([1, 2], { dtype: torch.float32 });
    const log: string[] = [];
    // Assigned before: the hooks wrap it, and removing them puts it back.
    const m = new Affine(2);
    const own = (t: torch.Tensor) => {
      log.push('own');
      return t.add(10);
    };
    m.forward = own;
    const h = m.register_forward_hook((mod, args, output) => {
      log.push('hook');
      return output.mul(2);
    });
    expect(m.forward(x).tolist()).toEqual([22, 24]);
    h.remove();
    expect(m.forward).toBe(own);
    expect(Object.keys(m)).toContain('forward');
    // Assigned after, wrapping the hooked forward (as tests/nn_recurrent.test.ts patches layers).
    const n = new Affine(2);
    const g = n.register_forward_pre_hook(() => void log.push('pre'));
    const forward = n.forward.bind(n);
    n.forward = (t: torch.Tensor) => {
      log.push('patched');
      return forward(t);
    };
    log.length = 0;
    expect(n.forward(x).tolist()).toEqual([1, 2]);
    expect(log).toEqual(['patched', 'pre']);
    g.remove();
    expect(n.forward(x).tolist()).toEqual([1, 2]);
    expect(log).toEqual(['patched', 'pre', 'patched']);
  });

  it('deepcopy: the copy\'s hooks are its own Maps holding the same functions, around the copy\'s forward', () => {
    const m = new Affine(2);
    const modules: torch.nn.Module[] = [];
    const hook = (mod: Affine) => void modules.push(mod);
    const h = m.register_forward_hook(hook);
    const c = deepcopy(m);
    torch.no_grad(() => c.weight.fill_(3));
    const x = torch.tensor([1, 2], { dtype: torch.float32 });
    expect(c.forward(x).tolist()).toEqual([3, 6]);
    expect(m.forward(x).tolist()).toEqual([1, 2]);
    expect(modules).toEqual([c, m]);
    expect(c._forward_hooks).not.toBe(m._forward_hooks);
    expect(c._forward_hooks.get(h.id)).toBe(hook);
    h.remove();
    expect(c._forward_hooks.size).toBe(1);
  });

  it('bad arguments and bad hook results are errors', () => {
    const m = new Affine(2);
    expect(() => m.register_forward_hook(3 as never)).toThrow(new TypeError('register_forward_hook(): hook must be a function, got number'));
    expect(() => m.register_forward_pre_hook(null as never)).toThrow(new TypeError('register_forward_pre_hook(): hook must be a function, got null'));
    expect(() => m.register_forward_hook(() => undefined, { always: true } as never)).toThrow(new TypeError("register_forward_hook() got an unexpected keyword argument 'always'"));
    expect(() => m.register_forward_pre_hook(() => undefined, { always_call: true } as never)).toThrow(new TypeError("register_forward_pre_hook() got an unexpected keyword argument 'always_call'"));
    expect(() => m.register_forward_hook(() => undefined, true as never)).toThrow(new TypeError('register_forward_hook(): options must be an object, got boolean'));
    expect(Object.hasOwn(m, 'forward')).toBe(false);
    const h = m.register_forward_pre_hook(() => [torch.ones(2)] as never, { with_kwargs: true });
    expect(() => m.forward(torch.ones(2))).toThrow('forward pre-hook must return null or an array [new_args, new_kwargs] (an array and an object), but got an array of length 1.');
    h.remove();
    expect(() => new torch.utils.hooks.RemovableHandle({} as never)).toThrow(new TypeError('RemovableHandle: hooks_dict must be a Map, got Object'));
  });
});

// ---- backward hooks -----------------------------------------------------------------------------

// The PyTorch side of the backward hook tests; the pre-hook part (PyTorch 2.0) runs only where the
// oracle has register_full_backward_pre_hook.
const BACKWARD_HOOKS_ORACLE = `
import inspect, json, warnings
import torch
import torch.nn as nn
out = {'pre_hooks': hasattr(nn.Module, 'register_full_backward_pre_hook')}
def L(t):
    return None if t is None else t.detach().tolist()
def Ls(ts):
    return [L(t) for t in ts]
def state(m):
    return {k: L(v) for k, v in m.state_dict().items()}
def grads(m):
    return {k: L(p.grad) for k, p in m.named_parameters()}
def message(fn):
    try:
        fn()
    except Exception as e:
        return str(e)

# Full backward hooks on a Sequential and its layers: the order they run in, what they see, and a
# hook that replaces grad_input (halving the gradient that reaches x).
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
x = torch.randn(2, 4, requires_grad=True)
w = torch.randn(2, 2)
out['state'], out['x'], out['w'] = state(net), L(x), L(w)
(net(x) * w).sum().backward()
out['plain'] = {'x': L(x.grad), 'params': grads(net)}
order, seen, handles = [], {}, {}
def record(name):
    def hook(m, gi, go):
        order.append('bw ' + name)
        seen[name] = [Ls(gi), Ls(go)]
    return hook
def bw_0(m, gi, go):
    record('0')(m, gi, go)
    return (gi[0] * 0.5,)
handles['net'] = net.register_full_backward_hook(record('net'))
handles['0'] = net[0].register_full_backward_hook(bw_0)
handles['1'] = net[1].register_full_backward_hook(record('1'))
handles['2'] = net[2].register_full_backward_hook(record('2'))
runs = []
def run():
    order.clear()
    seen.clear()
    x.grad = None
    net.zero_grad()
    y = net(x)
    name = y.grad_fn.name()
    (y * w).sum().backward()
    runs.append({'order': list(order), 'seen': dict(seen), 'x': L(x.grad), 'params': grads(net), 'grad_fn': name})
run()
handles['0'].remove()
run()
# The hooks of a call are those registered when forward ran: removing one before backward
# still runs it for that call.
order.clear()
y = net(x)
handles['2'].remove()
(y * w).sum().backward()
out['removed_after_forward'] = list(order)
handles['1'].remove()
handles['net'].remove()
run()
out['runs'] = runs

# Two inputs, one not requiring grad, a number, and a tuple output.
class Two(nn.Module):
    def forward(self, a, b, k):
        return a * b * k, a + b
two = Two()
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0])
got = []
inside = {}
def bw_two(m, gi, go):
    got.append([Ls(gi), Ls(go)])
two.register_full_backward_hook(bw_two)
y, z = two(a, b, 2.0)
tw = {'grad_fns': [y.grad_fn.name(), z.grad_fn.name()]}
(y * torch.tensor([1.0, 10.0])).sum().add(z.sum()).backward()
tw['a'] = L(a.grad)
a.grad = None
y, z = two(a, b, 2.0)
y.sum().backward()  # z gets no gradient: its grad_output entry is None
tw['a_y_only'] = L(a.grad)
tw['seen'] = got
out['two'] = tw

# Errors and the case where no input requires grad.
torch.manual_seed(1)
lin = nn.Linear(2, 2)
out['lin'] = state(lin)
e = {}
h = lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
e['count'] = message(lambda: lin(a).sum().backward())
h.remove()
h = lin.register_full_backward_hook(lambda m, gi, go: (torch.ones(3),))
e['size'] = message(lambda: lin(a).sum().backward())
h.remove()
h = lin.register_full_backward_hook(lambda m, gi, go: (gi[0].double(),))
e['type'] = message(lambda: lin(a).sum().backward())
h.remove()
no_input = []
h = lin.register_full_backward_hook(lambda m, gi, go: no_input.append([Ls(gi), Ls(go)]))
with warnings.catch_warnings(record=True) as heard:
    warnings.simplefilter('always')
    lin(torch.ones(2)).sum().backward()
e['no_input_seen'] = no_input
e['no_input_warnings'] = [str(w.message) for w in heard]
h.remove()
h = lin.register_full_backward_hook(lambda m, gi, go: (torch.ones(2),))
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    e['no_input_replaced'] = message(lambda: lin(torch.ones(2)).sum().backward())
h.remove()
h = lin.register_full_backward_hook(lambda m, gi, go: None)
e['inplace_output'] = message(lambda: lin(a).add_(1))
e['inplace_output_tuple'] = message(lambda: two(a, b, 2.0)[0].add_(1))
class AddOne(nn.Module):
    def forward(self, x):
        return x.add_(1)
add_one = AddOne()
add_one.register_full_backward_hook(lambda m, gi, go: None)
e['inplace_input'] = message(lambda: add_one(a.clone()))
out['errors'] = e

if out['pre_hooks']:
    # Pre-hooks: they run before the full backward hooks of their module, may replace
    # grad_output (doubling it for net[2] doubles every gradient below), and prepend orders both
    # kinds.
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    order, seen = [], {}
    def pre_net(m, go):
        order.append('pre net')
    def pre_2(m, go):
        order.append('pre 2')
        seen['pre_2'] = Ls(go)
        return (go[0] * 2,)
    def pre_2_first(m, go):
        order.append('pre 2 first')
    def bw_2(m, gi, go):
        order.append('bw 2')
        seen['bw_2'] = [Ls(gi), Ls(go)]
    def bw_2_first(m, gi, go):
        order.append('bw 2 first')
    def bw_0(m, gi, go):
        order.append('bw 0')
    net.register_full_backward_pre_hook(pre_net)
    net[2].register_full_backward_pre_hook(pre_2)
    net[2].register_full_backward_pre_hook(pre_2_first, prepend=True)
    net[2].register_full_backward_hook(bw_2)
    net[2].register_full_backward_hook(bw_2_first, prepend=True)
    net[0].register_full_backward_hook(bw_0)
    y = net(x)
    x.grad = None
    (y * w).sum().backward()
    out['pre'] = {'order': order, 'seen': seen, 'x': L(x.grad), 'params': grads(net),
                  'pre_order': [f.__name__ for f in net[2]._backward_pre_hooks.values()],
                  'bw_order': [f.__name__ for f in net[2]._backward_hooks.values()]}
    lin2 = nn.Linear(2, 2)
    lin2.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
    out['pre']['count'] = message(lambda: lin2(a).sum().backward())
    # A pre-hook alone, on a module whose input needs no grad: the warning still comes.
    lin3 = nn.Linear(2, 2)
    lin3.register_full_backward_pre_hook(lambda m, go: None)
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter('always')
        lin3(torch.ones(2)).sum().backward()
    out['pre']['alone_warnings'] = [str(w.message) for w in heard]
print(json.dumps(out))
`;

type Grads = torch.nn.Grads;

/** A hook's gradient array against PyTorch's: null where PyTorch has None, else the values. */
function expectGrads(actual: Grads, expected: (Nested | null)[], what: string): void {
  expect(actual.map((g) => g === null), `${what}: which are null`).toEqual(expected.map((g) => g === null));
  actual.forEach((g, i) => g !== null && expectValues(g, expected[i]!, `${what} [${i}]`));
}

function expectParamGrads(m: torch.nn.Module, expected: Record<string, Nested>, what: string): void {
  for (const [k, p] of m.named_parameters()) expectValues(p.grad!, expected[k], `${what}: ${k}.grad`);
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

const backwardNet = () => new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));

class Two extends nn.Module {
  forward(a: torch.Tensor, b: torch.Tensor, k: number): [torch.Tensor, torch.Tensor] {
    return [a.mul(b).mul(k), a.add(b)];
  }
}

describe('backward hooks (live oracle)', () => {
  checkOracle();
  const py = JSON.parse(execFileSync(oraclePython, ['-c', BACKWARD_HOOKS_ORACLE], { encoding: 'utf8', env: oracleEnv(), maxBuffer: 1 << 26 }));
  const isV1 = torch.version.libtorch.startsWith('1.');
  const x = torch.tensor(py.x, { requires_grad: true });
  const w = torch.tensor(py.w);
  const a = torch.tensor([1, 2], { dtype: torch.float32, requires_grad: true });
  const b = torch.tensor([3, 4], { dtype: torch.float32 });

  it('full backward hooks on a Sequential and its layers: order, grad_input, grad_output, replacement, removal', () => {
    const net = backwardNet();
    loadState(net, py.state);
    const order: string[] = [];
    const seen: Record<string, [Grads, Grads]> = {};
    const record = (name: string) => (m: torch.nn.Module, gi: Grads, go: Grads) => {
      order.push(`bw ${name}`);
      seen[name] = [gi, go];
    };
    const handles = {
      net: net.register_full_backward_hook(record('net')),
      0: net.at(0).register_full_backward_hook((m, gi, go) => {
        record('0')(m, gi, go);
        return [gi[0]!.mul(0.5)]; // halves the gradient that reaches x
      }),
      1: net.at(1).register_full_backward_hook(record('1')),
      2: net.at(2).register_full_backward_hook(record('2')),
    };
    const run = (i: number) => {
      const want = py.runs[i];
      order.length = 0;
      for (const k of Object.keys(seen)) delete seen[k];
      x.grad = null;
      net.zero_grad();
      const y = net.forward(x) as torch.Tensor;
      expect(y.grad_fn?.name(), `run ${i}: the output's grad_fn`).toBe(want.grad_fn);
      y.mul(w).sum().backward();
      expect(order, `run ${i}: the order`).toEqual(want.order);
      expect(Object.keys(seen).sort()).toEqual(Object.keys(want.seen).sort());
      for (const [name, [gi, go]] of Object.entries(seen)) {
        expectGrads(gi, want.seen[name][0], `run ${i}: grad_input of ${name}`);
        expectGrads(go, want.seen[name][1], `run ${i}: grad_output of ${name}`);
      }
      expectValues(x.grad!, want.x, `run ${i}: x.grad`);
      expectParamGrads(net, want.params, `run ${i}`);
    };
    run(0);
    handles[0].remove();
    expect(Object.hasOwn(net.at(0), 'forward')).toBe(false);
    run(1);
    order.length = 0;
    const y = net.forward(x) as torch.Tensor;
    handles[2].remove(); // after forward: this call still runs it, as PyTorch does
    y.mul(w).sum().backward();
    expect(order).toEqual(py.removed_after_forward);
    handles[1].remove();
    handles.net.remove();
    run(2);
    expectValues(x.grad!, py.plain.x, 'x.grad once the hooks are gone');
    for (const m of net.modules()) expect(Object.hasOwn(m, 'forward'), `${m._get_name()} has no own forward`).toBe(false);
  });

  it('two inputs, one not requiring grad, a number, a tuple output: null and zeros where PyTorch has them', () => {
    const two = new Two();
    const seen: [Grads, Grads][] = [];
    let inside: torch.Tensor | undefined;
    two.register_forward_pre_hook(() => undefined);
    two.register_forward_hook((m, args) => void (inside = args[0] as torch.Tensor));
    two.register_full_backward_hook((m, gi, go) => void seen.push([gi, go]));
    let [y, z] = two.forward(a, b, 2);
    expect([y.grad_fn?.name(), z.grad_fn?.name()]).toEqual(py.two.grad_fns);
    // forward got a view of a, as in PyTorch, and the forward hooks see that view too.
    expect(inside).not.toBe(a);
    expect(inside!.grad_fn?.name()).toBe('BackwardHookFunctionBackward');
    expect(inside!.data_ptr()).toBe(a.data_ptr());
    y.mul(torch.tensor([1, 10], { dtype: torch.float32 })).sum().add(z.sum()).backward();
    expectValues(a.grad!, py.two.a, 'a.grad');
    a.grad = null;
    [y, z] = two.forward(a, b, 2);
    y.sum().backward();
    expectValues(a.grad!, py.two.a_y_only, 'a.grad, z unused');
    a.grad = null;
    expect(seen.length).toBe(py.two.seen.length);
    seen.forEach(([gi, go], i) => {
      expectGrads(gi, py.two.seen[i][0], `call ${i}: grad_input`);
      expectGrads(go, py.two.seen[i][1], `call ${i}: grad_output`);
      expect(Object.isFrozen(gi) && Object.isFrozen(go)).toBe(true);
    });
  });

  it('PyTorch\'s errors: gradient count, size, dtype, in-place on inputs and outputs', () => {
    const lin = new nn.Linear(2, 2);
    loadState(lin, py.lin);
    const e = py.errors;
    const backward = () => (lin.forward(a) as torch.Tensor).sum().backward();
    const expectError = (hook: torch.nn.BackwardHook<torch.nn.Linear>, message: string) => {
      const h = lin.register_full_backward_hook(hook);
      expect(messageOf(backward)).toBe(message);
      h.remove();
    };
    expectError((m, gi) => [gi[0], gi[0]], e.count);
    expectError(() => [torch.ones(3)], e.size);
    expectError((m, gi) => [gi[0]!.double()], e.type);
    expectError(() => [3 as never], "expected Variable, but hook returned 'number'");
    expectError(() => torch.ones(2) as never, 'a backward hook must return null, undefined or an array of gradients, but got Tensor');
    a.grad = null;
    const h = lin.register_full_backward_hook(() => undefined);
    expect(messageOf(() => (lin.forward(a) as torch.Tensor).add_(1))).toBe(e.inplace_output);
    h.remove();
    const two = new Two();
    two.register_full_backward_hook(() => undefined);
    expect(messageOf(() => two.forward(a, b, 2)[0].add_(1))).toBe(e.inplace_output_tuple);
    class AddOne extends nn.Module {
      forward(t: torch.Tensor) {
        return t.add_(1);
      }
    }
    const addOne = new AddOne();
    addOne.register_full_backward_hook(() => undefined);
    expect(messageOf(() => addOne.forward(a.clone()))).toBe(e.inplace_input);
    // After an error in a hook, the next backward runs normally.
    lin.zero_grad();
    backward();
    expect(a.grad).not.toBeNull();
    a.grad = null;
  });

  it('no input requires grad: the hooks run with the output gradients, warn, and may not replace', async () => {
    const lin = new nn.Linear(2, 2);
    loadState(lin, py.lin);
    const seen: [Grads, Grads][] = [];
    const h = lin.register_full_backward_hook((m, gi, go) => void seen.push([gi, go]));
    torch.set_warn_always(true); // this test's own warning, not once per process
    try {
      const heard = await warningsOf(() => (lin.forward(torch.ones(2)) as torch.Tensor).sum().backward());
      // PyTorch 1.13 does not warn; torchnode keeps 2.x's warning on every LibTorch.
      if (!isV1) expect(heard.map((x) => x.message)).toEqual(py.errors.no_input_warnings);
      expect(heard.map((x) => x.message)).toEqual(['Full backward hook is firing when gradients are computed with respect to module outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.']);
    } finally {
      torch.set_warn_always(false);
    }
    expect(seen.length).toBe(py.errors.no_input_seen.length);
    expectGrads(seen[0][0], py.errors.no_input_seen[0][0], 'grad_input');
    expectGrads(seen[0][1], py.errors.no_input_seen[0][1], 'grad_output');
    h.remove();
    lin.register_full_backward_hook(() => [torch.ones(2)]);
    expect(messageOf(() => (lin.forward(torch.ones(2)) as torch.Tensor).sum().backward())).toBe(py.errors.no_input_replaced);
  });

  it('the oracle lacks backward pre-hooks only on PyTorch 1.13', () => {
    expect(py.pre_hooks).toBe(!isV1);
  });

  it.skipIf(isV1)('pre-hooks run first, may replace grad_output, and prepend orders both kinds', async () => {
    const net = backwardNet();
    loadState(net, py.state);
    const order: string[] = [];
    const seen: { pre_2?: Grads; bw_2?: [Grads, Grads] } = {};
    function pre_net() {
      order.push('pre net');
    }
    function pre_2(m: torch.nn.Module, go: Grads) {
      order.push('pre 2');
      seen.pre_2 = go;
      return [go[0]!.mul(2)];
    }
    function pre_2_first() {
      order.push('pre 2 first');
    }
    function bw_2(m: torch.nn.Module, gi: Grads, go: Grads) {
      order.push('bw 2');
      seen.bw_2 = [gi, go];
    }
    function bw_2_first() {
      order.push('bw 2 first');
    }
    net.register_full_backward_pre_hook(pre_net);
    net.at(2).register_full_backward_pre_hook(pre_2);
    net.at(2).register_full_backward_pre_hook(pre_2_first, { prepend: true });
    net.at(2).register_full_backward_hook(bw_2);
    net.at(2).register_full_backward_hook(bw_2_first, { prepend: true });
    net.at(0).register_full_backward_hook(() => void order.push('bw 0'));
    x.grad = null;
    (net.forward(x) as torch.Tensor).mul(w).sum().backward();
    const want = py.pre;
    expect(order).toEqual(want.order);
    expectGrads(seen.pre_2!, want.seen.pre_2, 'grad_output before the pre-hook');
    expectGrads(seen.bw_2![0], want.seen.bw_2[0], 'grad_input of net[2]');
    expectGrads(seen.bw_2![1], want.seen.bw_2[1], 'grad_output of net[2], as the pre-hook replaced it');
    expectValues(x.grad!, want.x, 'x.grad');
    expectParamGrads(net, want.params, 'doubled below net[2]');
    expect([...net.at(2)._backward_pre_hooks.values()].map((f) => f.name)).toEqual(want.pre_order);
    expect([...net.at(2)._backward_hooks.values()].map((f) => f.name)).toEqual(want.bw_order);
    x.grad = null;

    const lin = new nn.Linear(2, 2);
    lin.register_full_backward_pre_hook((m, go) => [go[0], go[0]]);
    expect(messageOf(() => (lin.forward(a) as torch.Tensor).sum().backward())).toBe(want.count);
    a.grad = null;
    const alone = new nn.Linear(2, 2);
    alone.register_full_backward_pre_hook(() => undefined);
    torch.set_warn_always(true);
    try {
      const heard = await warningsOf(() => (alone.forward(torch.ones(2)) as torch.Tensor).sum().backward());
      expect(heard.map((h) => h.message)).toEqual(want.alone_warnings);
    } finally {
      torch.set_warn_always(false);
    }
  });
});

describe('backward hooks: the wrapper, handles and outputs', () => {
  it('the hooks make and remove the own forward with the forward hooks; the Maps are PyTorch\'s', () => {
    const m = new Affine(2);
    expect(Object.hasOwn(m, 'forward')).toBe(false);
    const keys = Object.keys(m);
    const f = m.register_forward_hook(() => undefined);
    const bw = m.register_full_backward_hook(() => undefined);
    const pre = m.register_full_backward_pre_hook(() => undefined, { prepend: true });
    expect(Object.keys(m)).toEqual(keys);
    expect([...m._backward_hooks.keys()]).toEqual([bw.id]);
    expect([...m._backward_pre_hooks.keys()]).toEqual([pre.id]);
    f.remove();
    bw.remove();
    expect(Object.hasOwn(m, 'forward')).toBe(true);
    pre.remove();
    expect(Object.hasOwn(m, 'forward')).toBe(false);
    expect(m._backward_hooks.size + m._backward_pre_hooks.size).toBe(0);
  });

  it('no views are made under no_grad or when nothing requires grad, and an object output is left alone with a warning', async () => {
    const m = new Affine(2);
    m.requires_grad_(false);
    const calls: string[] = [];
    m.register_full_backward_hook(() => void calls.push('bw'));
    const x = torch.ones(2);
    expect(m.forward(x).grad_fn).toBeNull();
    m.requires_grad_(true);
    expect(torch.no_grad(() => m.forward(x)).grad_fn).toBeNull();
    class Dict extends nn.Module {
      forward(t: torch.Tensor) {
        return { out: t.mul(2) };
      }
    }
    const d = new Dict();
    d.register_full_backward_hook(() => void calls.push('dict'));
    const t = torch.ones(2, { requires_grad: true });
    let out: { out: torch.Tensor } | undefined;
    torch.set_warn_always(true);
    try {
      const heard = await warningsOf(() => void (out = d.forward(t)));
      expect(heard.map((h) => h.message)).toEqual(['For backward hooks to be called, module output should be a Tensor or an array of Tensors but received Object']);
    } finally {
      torch.set_warn_always(false);
    }
    expect(out!.out.grad_fn?.name()).toBe('MulBackward0');
    out!.out.sum().backward();
    expect(calls).toEqual([]);
    expect(t.grad?.tolist()).toEqual([2, 2]);
  });

  it('bad arguments are errors', () => {
    const m = new Affine(2);
    expect(() => m.register_full_backward_hook(3 as never)).toThrow(new TypeError('register_full_backward_hook(): hook must be a function, got number'));
    expect(() => m.register_full_backward_pre_hook(() => undefined, { with_kwargs: true } as never)).toThrow(new TypeError("register_full_backward_pre_hook() got an unexpected keyword argument 'with_kwargs'"));
    expect(Object.hasOwn(m, 'forward')).toBe(false);
  });
});

// The deprecated register_backward_hook against the live PyTorch of this LibTorch: a hook on the
// grad_fn of the output, its replacement of grad_input, PyTorch's warning, and the two kinds refused together.
const NON_FULL_BACKWARD_HOOK_ORACLE = `
import json, warnings, torch
import torch.nn as nn
def vals(ts): return [None if t is None else t.tolist() for t in ts]
lin = nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])); lin.bias.copy_(torch.tensor([0.1, -0.2]))
seen = []
def double_bias(m, gi, go):
    seen.append([m is lin, vals(gi), vals(go)])
    return (gi[0] * 2,) + tuple(gi[1:])
h = lin.register_backward_hook(double_bias)
x = torch.tensor([[1.0, 2.0, 3.0]])
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    out = lin(x)
    relu = nn.ReLU()
    relu.register_backward_hook(lambda m, gi, go: seen.append(['relu', vals(gi), vals(go)]))
    v = torch.tensor([-1.0, 2.0], requires_grad=True)
    r = relu(v * 2)
heard = [[c.category.__name__, str(c.message)] for c in w]
(out * torch.tensor([[1.0, 3.0]])).sum().backward()
r.sum().backward()
grads = [lin.bias.grad.tolist(), lin.weight.grad.tolist(), v.grad.tolist()]
h.remove()
lin.bias.grad = None
lin(x).sum().backward()
grads.append(lin.bias.grad.tolist())
errors = []
for first, second in [('register_backward_hook', 'register_full_backward_hook'), ('register_full_backward_hook', 'register_backward_hook')]:
    m = nn.Linear(1, 1); getattr(m, first)(lambda *a: None)
    try: getattr(m, second)(lambda *a: None)
    except RuntimeError as e: errors.append(str(e))
print(json.dumps([seen, heard, grads, errors]))
`;

describe('Module.register_backward_hook (live oracle)', () => {
  checkOracle();
  const [pySeen, pyHeard, pyGrads, pyErrors] = JSON.parse(execFileSync(oraclePython, ['-c', NON_FULL_BACKWARD_HOOK_ORACLE], { encoding: 'utf8', env: oracleEnv() }));
  const vals = (ts: readonly (torch.Tensor | null)[]) => ts.map((t) => (t === null ? null : t.tolist()));

  it("hooks the output's grad_fn: its grad_input, replaced; PyTorch's warning; remove()", async () => {
    const lin = new torch.nn.Linear(3, 2);
    torch.no_grad(() => {
      lin.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]));
      lin.bias!.copy_(torch.tensor([0.1, -0.2]));
    });
    const seen: unknown[] = [];
    const h = lin.register_backward_hook((m, gi, go) => {
      seen.push([m === lin, vals(gi), vals(go)]);
      return [gi[0]!.mul(2), ...gi.slice(1)];
    });
    const x = torch.tensor([[1.0, 2.0, 3.0]], { dtype: torch.float32 });
    let out!: torch.Tensor;
    let r!: torch.Tensor;
    let v!: torch.Tensor;
    const heard = await warningsOf(() => {
      out = lin.forward(x) as torch.Tensor;
      const relu = new torch.nn.ReLU();
      relu.register_backward_hook((_m, gi, go) => { seen.push(['relu', vals(gi), vals(go)]); });
      v = torch.tensor([-1.0, 2.0], { requires_grad: true });
      r = relu.forward(v.mul(2));
    });
    out.mul(torch.tensor([[1.0, 3.0]], { dtype: torch.float32 })).sum().backward();
    r.sum().backward();
    const grads = [lin.bias!.grad!.tolist(), lin.weight.grad!.tolist(), v.grad!.tolist()];
    h.remove();
    lin.bias!.grad = null;
    (lin.forward(x) as torch.Tensor).sum().backward();
    grads.push(lin.bias!.grad!.tolist());
    expect(seen).toEqual(pySeen);
    expect(heard.map((w) => [w.name, w.message])).toEqual(pyHeard);
    expect(grads).toEqual(pyGrads);
  });

  it('refuses both kinds on one module, with PyTorch\'s message', () => {
    const errors: string[] = [];
    for (const [first, second] of [['register_backward_hook', 'register_full_backward_hook'], ['register_full_backward_hook', 'register_backward_hook']] as const) {
      const m = new torch.nn.Linear(1, 1);
      m[first](() => {});
      try {
        m[second](() => {});
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    expect(errors).toEqual(pyErrors);
  });
});
