// The public API's types, pinned. Checked by `npx tsc -p . --noEmit` (tests/ is in tsconfig's
// include) and by `vitest run` (typecheck: vitest.config.ts runs tests/**/*.test-d.ts through
// tsc). Nothing here runs. Each `@ts-expect-error` line is a mistake that must not compile:
// if the mistake ever compiles again, the directive is unused, and that is itself an error.
import { describe, expectTypeOf, it } from 'vitest';
import * as torch from '../../lib/index';
import type { Tensor } from '../../lib/index';
// Types that lib/index.ts does not re-export yet come from their modules.
import type { DTypeName, NestedList } from '../../lib/dtype';
import type { OpResult } from '../../lib/raw_ops';
import type { AdamState } from '../../lib/optim/adam';

const { nn, optim } = torch;
const { DataLoader, TensorDataset, default_collate } = torch.utils.data;

describe('DataLoader batches follow the dataset item type', () => {
  it('TensorDataset(x, y) gives [Tensor, Tensor] batches', async () => {
    const ds = new TensorDataset(torch.randn(8, 3), torch.randint(0, 2, [8]));
    expectTypeOf(ds.getItem(0)).toEqualTypeOf<[Tensor, Tensor]>();
    const loader = new DataLoader(ds, { batch_size: 4, shuffle: true });
    for (const batch of loader) expectTypeOf(batch).toEqualTypeOf<[Tensor, Tensor]>();
    for await (const [x, y] of loader) {
      expectTypeOf(x).toEqualTypeOf<Tensor>();
      expectTypeOf(y).toEqualTypeOf<Tensor>();
    }
  });

  it('other items: as default_collate collates them; collate_fn sets the batch type', () => {
    const rows: { image: Tensor; label: number; name: string }[] = [];
    for (const b of new DataLoader(rows)) expectTypeOf(b).toEqualTypeOf<{ image: Tensor; label: Tensor; name: string[] }>();
    for (const b of new DataLoader([1, 2, 3])) expectTypeOf(b).toEqualTypeOf<Tensor>();
    const sums = new DataLoader(rows, { batch_size: 2, collate_fn: (s) => s.length });
    for (const b of sums) expectTypeOf(b).toEqualTypeOf<number>();
    expectTypeOf(default_collate([[torch.ones(2), 0], [torch.zeros(2), 1]])).toEqualTypeOf<[Tensor, Tensor]>();
  });
});

describe('results that are only known at run time are unknown or a union, never any', () => {
  it('torch.load returns unknown; load_state_dict takes it as it is', () => {
    const obj = torch.load('net.pt');
    expectTypeOf(obj).toEqualTypeOf<unknown>();
    // @ts-expect-error: must be narrowed first
    obj.tolist();
    if (obj instanceof torch.Tensor) expectTypeOf(obj).toEqualTypeOf<Tensor>();
    new nn.Linear(2, 3).load_state_dict(torch.load('net.pt'));
  });

  it('torch.ops results are the OpResult union unless the caller states the schema type', () => {
    const x = torch.ones(2);
    expectTypeOf(torch.ops.aten.relu(x)).toEqualTypeOf<OpResult>();
    // @ts-expect-error: the union must be narrowed
    torch.ops.aten.relu(x).sum();
    const t: Tensor = torch.ops.aten.relu(x);
    expectTypeOf(torch.ops.aten.add.Tensor<Tensor>(t, 1)).toEqualTypeOf<Tensor>();
    expectTypeOf(torch.ops.aten.mm.default.async(t, t)).resolves.toEqualTypeOf<OpResult>();
  });

  it('tolist is a NestedList', () => {
    expectTypeOf(torch.ones(2).tolist()).toEqualTypeOf<NestedList>();
  });
});

describe('modules', () => {
  it('built-in modules keep their forward signatures; Sequential maps a Tensor to a Tensor', () => {
    const x = torch.randn(4, 2);
    expectTypeOf(new nn.Linear(2, 3).forward(x)).toEqualTypeOf<Tensor>();
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    expectTypeOf(seq.forward(x)).toEqualTypeOf<Tensor>();
    // @ts-expect-error: Linear.forward takes a Tensor
    new nn.Linear(2, 3).forward('x');
  });

  it('a plain Module forward is unknown; Module<In, Out> states what a holder maps', () => {
    const m: torch.nn.Module = new nn.Linear(2, 3);
    expectTypeOf(m.forward(torch.ones(2))).toEqualTypeOf<unknown>();
    const typed: torch.nn.Module<[Tensor], Tensor> = new nn.Linear(2, 3);
    expectTypeOf(typed.forward(torch.ones(2))).toEqualTypeOf<Tensor>();
    // @ts-expect-error: Bilinear takes two inputs, not one
    const wrong: torch.nn.Module<[Tensor], Tensor> = new nn.Bilinear(2, 2, 3);
    void wrong;
  });

  it('a subclass may declare its own forward, also over a built-in module', () => {
    class Net extends nn.Module {
      fc = new nn.Linear(2, 1);
      forward(x: Tensor, scale = 1): Tensor {
        return this.fc.forward(x).mul(scale);
      }
    }
    expectTypeOf(new Net().forward(torch.ones(2))).toEqualTypeOf<Tensor>();
    class Scaled extends nn.Linear {
      forward(x: Tensor, scale = 2): Tensor {
        return super.forward(x).mul(scale);
      }
    }
    expectTypeOf(new Scaled(2, 3).forward(torch.ones(2), 3)).toEqualTypeOf<Tensor>();
    // PyTorch's word_language_model: TransformerModel(nn.Transformer) with forward(src, has_mask=True).
    class TransformerModel extends nn.Transformer {
      forward(src: Tensor, has_mask = true): Tensor {
        const mask = has_mask ? nn.Transformer.generate_square_subsequent_mask(src.size(0)) : null;
        return this.encoder.forward(src, { mask }) as Tensor;
      }
    }
    expectTypeOf(new TransformerModel().forward(torch.ones(3, 1, 512))).toEqualTypeOf<Tensor>();
    const blocks = new nn.ModuleList([new Net(), new Net()]);
    for (const b of blocks) expectTypeOf(b).toEqualTypeOf<Net>();
    expectTypeOf(blocks.at(0)).toEqualTypeOf<Net>();
  });

  it('DistributedDataParallel keeps the wrapped module: its forward signature and .module', () => {
    class Net extends nn.Module {
      fc = new nn.Linear(2, 1);
      forward(x: Tensor, scale = 1): Tensor {
        return this.fc.forward(x).mul(scale);
      }
    }
    type DDP = torch.nn.parallel.DistributedDataParallel<Net>;
    expectTypeOf<DDP['module']>().toEqualTypeOf<Net>();
    expectTypeOf<ReturnType<DDP['forward']>>().toEqualTypeOf<Tensor>();
    expectTypeOf<Parameters<DDP['forward']>>().toEqualTypeOf<[x: Tensor, scale?: number]>();
  });
});

describe('positional arguments are typed as PyTorch orders them', () => {
  it('accepts the PyTorch forms', () => {
    new nn.Linear(2, 3);
    new nn.Linear(2, 3, false);
    new nn.Linear(2, 3, { bias: false, dtype: 'float64' });
    new nn.Linear(2, 3, true, 'cpu', torch.float32);
    new nn.Conv2d(1, 2, 3);
    new nn.Conv2d(1, 2, 3, 1, 0, 1, 1, true, 'reflect');
    new nn.Conv2d(1, 2, [3, 3], { stride: 2, padding: 'same', padding_mode: 'circular' });
    new nn.Conv2d(1, 2, 3, 2, { bias: false });
    new nn.ConvTranspose2d(2, 1, 3, 2, 1, 1);
    const params = new nn.Linear(2, 3).parameters();
    new optim.SGD(params, 0.1);
    new optim.SGD(params, 0.1, 0.9, 0, 0, true);
    new optim.SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true });
    new optim.SGD(params, 0.1, { momentum: 0.9 });
    new optim.Adam(params);
    new optim.Adam(params, 1e-3, [0.9, 0.999], 1e-8, 0, true);
    new optim.Adam(params, { lr: 1e-3, betas: [0.8, 0.9] });
    new optim.AdamW(params, 1e-3, { weight_decay: 0.1 });
    torch.zeros(2, 3);
    torch.zeros([2, 3]);
    torch.zeros(2, 3, { dtype: 'int64', device: 'cpu' });
    torch.randn([2, 3], { requires_grad: true });
    torch.ones(2, { device: 'cuda:1' });
    torch.ones(2, { device: torch.device('cuda', 0), dtype: torch.float16 });
  });

  it('rejects the mistakes', () => {
    const params = new nn.Linear(2, 3).parameters();
    // @ts-expect-error: SGD takes 5 positionals after params (lr ... nesterov; the rest are keyword-only), not 9
    new optim.SGD(params, 0.1, 0.9, 0, 0, false, false, false, 1);
    // @ts-expect-error: Adam's betas is a pair
    new optim.Adam(params, 1e-3, 0.9);
    // @ts-expect-error: 'banana' is not a padding_mode
    new nn.Conv2d(1, 2, 3, 1, 0, 1, 1, true, 'banana');
    // @ts-expect-error: Linear(in, out, bias, device, dtype): the 4th is a device
    new nn.Linear(2, 3, true, true);
    // @ts-expect-error: a Tensor is not a size (PyTorch's zeros takes ints)
    torch.zeros(torch.ones(2));
    // @ts-expect-error: a Tensor does not pass for an options object either
    torch.zeros(2, torch.ones(2));
    // @ts-expect-error: no such dtype
    torch.zeros(2, { dtype: 'float33' });
    // @ts-expect-error: no such device type
    torch.zeros(2, { device: 'gpu' });
    // @ts-expect-error: a device index is a number
    torch.zeros(2, { device: 'cuda:one' });
    // @ts-expect-error: Module.to takes dtypes and devices, not other strings
    new nn.Linear(2, 3).to('float33');
  });
});

describe('dtypes and devices', () => {
  it('have literal types', () => {
    expectTypeOf(torch.float32.name).toEqualTypeOf<DTypeName>();
    expectTypeOf<'float64'>().toMatchTypeOf<torch.DTypeLike>();
    expectTypeOf<'torch.long'>().toMatchTypeOf<torch.DTypeLike>();
    expectTypeOf<'cuda:0'>().toMatchTypeOf<torch.DeviceLike>();
    expectTypeOf<string>().not.toMatchTypeOf<torch.DeviceLike>();
    expectTypeOf<string>().not.toMatchTypeOf<torch.DTypeLike>();
    // A string from outside (a CLI flag) becomes a Device through torch.device, checked at run time.
    const flag: string = 'cpu';
    torch.zeros(2, { device: torch.device(flag) });
  });
});

describe('optimizers', () => {
  it('param_groups and state_dict are typed', () => {
    const params = new nn.Linear(2, 3).parameters();
    const sgd = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
    const g = sgd.param_groups[0];
    expectTypeOf(g.params).toEqualTypeOf<Tensor[]>();
    expectTypeOf(g.lr).toEqualTypeOf<number>();
    expectTypeOf(g.momentum).toEqualTypeOf<number>();
    expectTypeOf(g.nesterov).toEqualTypeOf<boolean>();
    const adam = new optim.Adam(params);
    expectTypeOf(adam.param_groups[0].betas).toEqualTypeOf<[number, number]>();
    const sd = adam.state_dict();
    expectTypeOf(sd.param_groups[0].params).toEqualTypeOf<number[]>();
    expectTypeOf(sd.param_groups[0].eps).toEqualTypeOf<number>();
    expectTypeOf(sd.state[0]).toEqualTypeOf<AdamState>();
    adam.load_state_dict(sd);
    // @ts-expect-error: an option a group does not have
    void sgd.param_groups[0].betas;
  });
});
