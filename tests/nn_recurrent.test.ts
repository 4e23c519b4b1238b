// Recurrent layers, attention and transformer layers against PyTorch (fixtures from
// scripts/gen_rnn_attention_fixtures.py): seeded initial weights, forward outputs, input and
// parameter gradients in float32 and float64, F.scaled_dot_product_attention, reprs and errors.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';
import { checkOracle, oracleEnv, oraclePython, readFixture } from './oracle';
import { warningsOf } from './warnings_heard';

const { nn } = torch;
const F = nn.functional;
type Tensor = torch.Tensor;
// The JSON's inferred type is a union of every case's shape; read it through this one.
const fixture = readFixture<Fixture>('nn_recurrent.json');

interface Encoded {
  shape: number[];
  dtype: string;
  data: (number | boolean | string)[];
}

interface ParityRun {
  outputs: Encoded[];
  input_grads: Record<string, Encoded>;
  param_grads: [string, Encoded][];
}

interface Fixture {
  init: { name: string; seed: number; state: [string, Encoded][]; next_rand: Encoded }[];
  parity: {
    name: string; state: [string, Encoded][]; inputs: Record<string, Encoded>; loss_weights: Encoded[];
    runs: Record<string, ParityRun>; train: boolean; forward_seed: number | null;
  }[];
  sdpa: Record<string, Encoded>;
  repr: Record<string, string>;
  errors: Record<string, string>;
}

function decode(e: Encoded, dtype?: torch.DType): Tensor {
  if (e.dtype === 'bool') return torch.tensor(e.data as boolean[]).reshape(e.shape);
  const nums = e.data.map((v) => (v === '-inf' ? -Infinity : v === 'inf' ? Infinity : (v as number)));
  const t = e.dtype === 'float64' ? torch.from_typed_array(Float64Array.from(nums), e.shape) : torch.from_typed_array(Float32Array.from(nums), e.shape);
  return dtype ? t.to(dtype) : t;
}

/** |actual - expected| <= atol + rtol * |expected| everywhere, with the worst element in the message. */
function expectClose(actual: Tensor | null, expected: Encoded, rtol: number, atol: number, what: string): void {
  expect(actual, `${what} is missing`).not.toBeNull();
  const a = actual as Tensor;
  expect(a.shape, `${what} shape`).toEqual(expected.shape);
  const got = Array.from(a.toTypedArray() as Float64Array);
  const want = decode(expected, torch.float64).toTypedArray() as Float64Array;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i]) continue; // also equal infinities
    const excess = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(excess <= worstExcess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  expect(worst, worst < 0 ? '' : `${what}[${worst}]: got ${got[worst]}, expected ${want[worst]}`).toBe(-1);
}

const TOL = { float32: { rtol: 1e-4, atol: 1e-5 }, float64: { rtol: 1e-10, atol: 1e-12 } };

// ---- constructors, mirroring the Python lambdas in the generator ------------------------------------

const INIT_CTORS: Record<string, () => torch.nn.Module> = {
  lstm_2layer_batch_first: () => new nn.LSTM(10, 8, 2, { batch_first: true }),
  gru_2layer: () => new nn.GRU(10, 8, 2),
  rnn_relu: () => new nn.RNN(10, 8, { nonlinearity: 'relu' }),
  lstm_bidirectional: () => new nn.LSTM(6, 5, 2, { bidirectional: true }),
  lstm_proj: () => new nn.LSTM(6, 8, { proj_size: 3 }),
  gru_no_bias: () => new nn.GRU(4, 3, { bias: false }),
  lstm_cell: () => new nn.LSTMCell(5, 4),
  gru_cell: () => new nn.GRUCell(5, 4),
  rnn_cell: () => new nn.RNNCell(5, 4, { nonlinearity: 'relu' }),
  mha: () => new nn.MultiheadAttention(16, 4),
  mha_kdim_vdim: () => new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 4 }),
  mha_bias_kv: () => new nn.MultiheadAttention(8, 2, { add_bias_kv: true }),
  encoder_layer: () => new nn.TransformerEncoderLayer(16, 4, { dim_feedforward: 32 }),
  encoder: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16 }), 2),
  decoder_layer: () => new nn.TransformerDecoderLayer(8, 2, { dim_feedforward: 16 }),
  decoder: () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dim_feedforward: 16 }), 2, { norm: new nn.LayerNorm(8) }),
  transformer: () => new nn.Transformer({ d_model: 8, nhead: 2, num_encoder_layers: 1, num_decoder_layers: 2, dim_feedforward: 16 }),
};

type Inputs = Record<string, Tensor>;
type Outputs = (Tensor | null | Outputs)[] | Tensor;

interface ParityCase {
  ctor: () => torch.nn.Module;
  call: (m: any, i: Inputs) => Outputs;
}

const PARITY: Record<string, ParityCase> = {
  lstm_batch_first_hx: {
    ctor: () => new nn.LSTM(10, 8, 2, { batch_first: true }),
    call: (m, i) => m.forward(i.input, [i.h0, i.c0]),
  },
  lstm_bidirectional: { ctor: () => new nn.LSTM(6, 5, 2, { bidirectional: true }), call: (m, i) => m.forward(i.input) },
  lstm_unbatched_hx: { ctor: () => new nn.LSTM(5, 3), call: (m, i) => m.forward(i.input, [i.h0, i.c0]) },
  lstm_proj: { ctor: () => new nn.LSTM(6, 8, 2, { proj_size: 3 }), call: (m, i) => m.forward(i.input) },
  gru_hx: { ctor: () => new nn.GRU(7, 5, 2), call: (m, i) => m.forward(i.input, i.h0) },
  gru_bidirectional_batch_first: {
    ctor: () => new nn.GRU(4, 3, { bidirectional: true, batch_first: true, bias: false }),
    call: (m, i) => m.forward(i.input),
  },
  rnn_relu_bidirectional: {
    ctor: () => new nn.RNN(6, 4, 2, { nonlinearity: 'relu', bidirectional: true, batch_first: true }),
    call: (m, i) => m.forward(i.input),
  },
  rnn_tanh_unbatched_hx: { ctor: () => new nn.RNN(5, 3), call: (m, i) => m.forward(i.input, i.h0) },
  lstm_cell: { ctor: () => new nn.LSTMCell(5, 4), call: (m, i) => m.forward(i.input, [i.h0, i.c0]) },
  gru_cell_unbatched: { ctor: () => new nn.GRUCell(5, 4), call: (m, i) => m.forward(i.input, i.h0) },
  rnn_cell_relu: { ctor: () => new nn.RNNCell(5, 4, { nonlinearity: 'relu' }), call: (m, i) => m.forward(i.input) },
  lstm_train_dropout: { ctor: () => new nn.LSTM(5, 6, 3, { dropout: 0.5 }), call: (m, i) => m.forward(i.input) },
  mha_train_dropout: { ctor: () => new nn.MultiheadAttention(8, 2, { dropout: 0.3 }), call: (m, i) => m.forward(i.x, i.x, i.x) },
  mha_self_masks: {
    ctor: () => new nn.MultiheadAttention(8, 2),
    call: (m, i) => m.forward(i.x, i.x, i.x, { key_padding_mask: i.key_padding_mask, attn_mask: i.attn_mask }),
  },
  mha_self_no_weights_float_mask: {
    ctor: () => new nn.MultiheadAttention(8, 2, { batch_first: true }),
    call: (m, i) => m.forward(i.x, i.x, i.x, { attn_mask: i.attn_mask, need_weights: false }),
  },
  mha_cross_per_head: {
    ctor: () => new nn.MultiheadAttention(8, 2, { batch_first: true }),
    call: (m, i) => m.forward(i.query, i.key, i.value, { key_padding_mask: i.key_padding_mask, average_attn_weights: false }),
  },
  mha_kdim_vdim: {
    ctor: () => new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 4 }),
    call: (m, i) => m.forward(i.query, i.key, i.value),
  },
  mha_bias_kv_zero_attn_unbatched: {
    ctor: () => new nn.MultiheadAttention(8, 2, { add_bias_kv: true, add_zero_attn: true }),
    call: (m, i) => m.forward(i.query, i.key, i.value, { key_padding_mask: i.key_padding_mask }),
  },
  encoder_padding_mask: {
    ctor: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16, batch_first: true }), 2),
    call: (m, i) => m.forward(i.src, { src_key_padding_mask: i.src_key_padding_mask }),
  },
  encoder_layer_norm_first_gelu: {
    ctor: () => new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16, activation: 'gelu', norm_first: true }),
    call: (m, i) => m.forward(i.src, { src_mask: i.src_mask }),
  },
  decoder_masks: {
    ctor: () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dim_feedforward: 16 }), 2, { norm: new nn.LayerNorm(8) }),
    call: (m, i) => m.forward(i.tgt, i.memory, { tgt_mask: i.tgt_mask, memory_key_padding_mask: i.memory_key_padding_mask }),
  },
};

function flatOutputs(r: Outputs): Tensor[] {
  if (r instanceof torch.Tensor) return [r];
  return r.flatMap((x) => (x === null ? [] : flatOutputs(x)));
}

// ---- tests ---------------------------------------------------------------------------------------

describe('seeded initialisation equals PyTorch', () => {
  for (const c of fixture.init) {
    it(c.name, () => {
      torch.manual_seed(c.seed);
      const m = INIT_CTORS[c.name]();
      const state = m.state_dict();
      expect(Object.keys(state)).toEqual(c.state.map(([k]) => k));
      for (const [k, v] of c.state) expectClose(state[k], v, 0, 1e-6, k);
      expectClose(torch.rand(4), c.next_rand, 0, 1e-7, 'the next random draws');
    });
  }
});

describe('forward and backward parity with PyTorch', () => {
  for (const c of fixture.parity) {
    for (const dtypeName of ['float32', 'float64'] as const) {
      it(`${c.name} (${dtypeName})`, () => {
        const spec = PARITY[c.name];
        const dtype = dtypeName === 'float32' ? torch.float32 : torch.float64;
        const m = spec.ctor();
        m.load_state_dict(Object.fromEntries(c.state.map(([k, v]) => [k, decode(v)])));
        m.train(c.train);
        if (dtypeName === 'float64') m.double();
        const inputs: Inputs = {};
        const gradKeys: string[] = [];
        for (const [k, v] of Object.entries(c.inputs)) {
          const isFloat = v.dtype !== 'bool';
          inputs[k] = isFloat ? decode(v, dtype) : decode(v);
          if (isFloat && !k.endsWith('mask')) {
            inputs[k].requires_grad_(true);
            gradKeys.push(k);
          }
        }
        if (c.forward_seed !== null) torch.manual_seed(c.forward_seed);
        const outs = flatOutputs(spec.call(m, inputs));
        const run = c.runs[dtypeName];
        const { rtol, atol } = TOL[dtypeName];
        expect(outs.length).toBe(run.outputs.length);
        outs.forEach((o, j) => expectClose(o, run.outputs[j], rtol, atol, `output ${j}`));

        let loss = torch.zeros([], { dtype });
        outs.forEach((o, j) => (loss = loss.add(o.mul(decode(c.loss_weights[j], dtype)).sum())));
        loss.backward();
        expect(Object.keys(run.input_grads)).toEqual(gradKeys);
        for (const k of gradKeys) expectClose(inputs[k].grad, run.input_grads[k], rtol, atol, `grad of ${k}`);
        const params = [...m.named_parameters()];
        expect(params.map(([k]) => k)).toEqual(run.param_grads.map(([k]) => k));
        params.forEach(([k, p], j) => expectClose(p.grad, run.param_grads[j][1], rtol, atol, `grad of ${k}`));
      });
    }
  }
});

describe('F.scaled_dot_product_attention', () => {
  const sd = fixture.sdpa;
  const [q, k, v] = [decode(sd.query), decode(sd.key), decode(sd.value)];
  const tol = TOL.float64;
  it('computes softmax(q k^T / sqrt(E)) v', () => {
    expectClose(F.scaled_dot_product_attention(q, k, v), sd.plain, tol.rtol, tol.atol, 'output');
  });
  it('takes boolean masks (True = attend) and additive float masks', () => {
    expectClose(F.scaled_dot_product_attention(q, k, v, { attn_mask: decode(sd.bool_mask) }), sd.bool, tol.rtol, tol.atol, 'bool mask');
    expectClose(F.scaled_dot_product_attention(q, k, v, { attn_mask: decode(sd.float_mask) }), sd.float, tol.rtol, tol.atol, 'float mask');
  });
  it('is_causal masks the future', () => {
    const x = decode(sd.square_query);
    expectClose(F.scaled_dot_product_attention(x, x, x, { is_causal: true }), sd.causal, tol.rtol, tol.atol, 'causal');
    expect(() => F.scaled_dot_product_attention(x, x, x, { is_causal: true, attn_mask: torch.ones(4, 4) })).toThrow(/is_causal/);
  });
  it('dropout_p = 1 zeroes every weight', () => {
    expect(F.scaled_dot_product_attention(q, k, v, { dropout_p: 1 }).abs().sum().item()).toBe(0);
  });
});

describe('repr', () => {
  const r = fixture.repr;
  it('matches PyTorch for recurrent layers and cells', () => {
    expect(String(new nn.LSTM(10, 8, 2, { batch_first: true }))).toBe(r.lstm);
    expect(String(new nn.GRU(4, 3, { bias: false, dropout: 0.5, num_layers: 2, bidirectional: true }))).toBe(r.gru);
    expect(String(new nn.RNN(4, 3, { nonlinearity: 'relu' }))).toBe(r.rnn);
    expect(String(new nn.LSTMCell(5, 4, false))).toBe(r.lstm_cell);
    expect(String(new nn.RNNCell(5, 4, { nonlinearity: 'relu' }))).toBe(r.rnn_cell);
  });
  it('matches PyTorch for MultiheadAttention and TransformerEncoderLayer', () => {
    expect(String(new nn.MultiheadAttention(16, 4))).toBe(r.mha);
    expect(String(new nn.TransformerEncoderLayer(16, 4, { dim_feedforward: 32 }))).toBe(r.encoder_layer);
  });
});

describe('errors carry PyTorch\'s messages', () => {
  const e = fixture.errors;
  const lstm = new nn.LSTM(10, 8, 2);
  const mha = new nn.MultiheadAttention(8, 2);
  const x = torch.randn(5, 3, 8);
  const cases: [string, () => unknown][] = [
    ['lstm_input_size', () => lstm.forward(torch.randn(5, 3, 7))],
    ['lstm_hidden_size', () => lstm.forward(torch.randn(5, 3, 10), [torch.zeros(1, 3, 8), torch.zeros(2, 3, 8)])],
    ['lstm_cell_size', () => lstm.forward(torch.randn(5, 3, 10), [torch.zeros(2, 3, 8), torch.zeros(2, 3, 9)])],
    ['lstm_hx_dims', () => lstm.forward(torch.randn(5, 3, 10), [torch.zeros(3, 8), torch.zeros(3, 8)])],
    ['gru_hidden_size', () => new nn.GRU(4, 3).forward(torch.randn(2, 5, 4), torch.zeros(1, 2, 3))],
    ['rnn_nonlinearity', () => new nn.RNN(4, 3, { nonlinearity: 'sigmoid' as 'tanh' })],
    ['gru_proj_size', () => new nn.GRU(4, 3, { proj_size: 2 } as object)],
    ['lstm_proj_too_big', () => new nn.LSTM(4, 3, { proj_size: 3 })],
    ['mha_divisible', () => new nn.MultiheadAttention(10, 3)],
    ['mha_attn_mask_shape', () => mha.forward(x, x, x, { attn_mask: torch.zeros(4, 4) })],
    ['mha_kpm_dtype', () => mha.forward(x, x, x, { key_padding_mask: torch.zeros([3, 5], { dtype: torch.int64 }) })],
    ['mha_embed_dim', () => mha.forward(torch.randn(5, 3, 6), torch.randn(5, 3, 6), torch.randn(5, 3, 6))],
    ['encoder_activation', () => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })],
  ];
  for (const [name, fn] of cases) {
    it(name, () => {
      expect(fn).toThrow(e[name]);
    });
  }
  it('rejects input of the wrong rank with the layer name', () => {
    expect(() => lstm.forward(torch.randn(2, 5, 3, 10))).toThrow('LSTM: Expected input to be 2D or 3D, got 4D instead');
    expect(() => new nn.GRUCell(3, 2).forward(torch.randn(2, 2, 3))).toThrow('GRUCell: Expected input to be 1-D or 2-D but received 3-D tensor');
  });
});

describe('module behaviour', () => {
  it('TransformerEncoder layers are independent deep copies of the template', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16 });
    const enc = new nn.TransformerEncoder(layer, 2);
    const [a, b] = [...enc.layers] as torch.nn.TransformerEncoderLayer[];
    expect(a.linear1.weight).not.toBe(b.linear1.weight);
    expect(a.linear1.weight.equal(layer.linear1.weight)).toBe(true);
    expect(b.self_attn.in_proj_weight!.equal(layer.self_attn.in_proj_weight!)).toBe(true);
    torch.no_grad(() => a.linear1.weight.add_(1));
    expect(b.linear1.weight.equal(layer.linear1.weight)).toBe(true);
    expect(enc.parameters().length).toBe(2 * layer.parameters().length);
    enc.eval();
    expect(b.training).toBe(false);
    expect(layer.training).toBe(true);
  });

  it('LSTM state flows step by step like a whole sequence, and double() keeps working', () => {
    torch.manual_seed(3);
    const lstm = new nn.LSTM(4, 3, 2, { batch_first: true }).double();
    const x = torch.randn([2, 5, 4], { dtype: torch.float64 });
    const [whole, [hn, cn]] = lstm.forward(x);
    let state: [Tensor, Tensor] | undefined;
    const steps: Tensor[] = [];
    for (let t = 0; t < 5; t++) {
      const [out, s] = lstm.forward(x.narrow(1, t, 1), state);
      steps.push(out);
      state = s;
    }
    expect(torch.cat(steps, 1).allclose(whole, 1e-12, 1e-12)).toBe(true);
    expect(state![0].allclose(hn, 1e-12, 1e-12)).toBe(true);
    expect(state![1].allclose(cn, 1e-12, 1e-12)).toBe(true);
  });

  it('forward inside torch.tidy frees every intermediate; modules built inside a scope keep their weights', () => {
    const gru = torch.tidy(() => new nn.GRU(4, 3, 2));
    const x = torch.randn(5, 2, 4);
    const before = liveTensors();
    torch.tidy(() => {
      gru.forward(x);
    });
    expect(liveTensors()).toBe(before);
    const [out] = torch.tidy(() => gru.forward(x));
    expect(out.shape).toEqual([5, 2, 3]);
  });

  it('generate_square_subsequent_mask is -inf above the diagonal, of the dtype asked for', () => {
    const float = [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]];
    const m = nn.Transformer.generate_square_subsequent_mask(3);
    expect([m.tolist(), m.dtype, m.device.type]).toEqual([float, torch.float32, 'cpu']);
    const d = nn.Transformer.generate_square_subsequent_mask(3, { dtype: torch.float64 });
    expect([d.tolist(), d.dtype]).toEqual([float, torch.float64]);
    expect(nn.Transformer.generate_square_subsequent_mask(3, 'cpu', torch.bool).tolist()).toEqual([
      [false, true, true], [false, false, true], [false, false, false],
    ]);
    expect(() => nn.Transformer.generate_square_subsequent_mask(3, { layout: 'strided' } as never)).toThrow(/unexpected keyword argument 'layout'/);
  });
});

// Live against the PyTorch of this LibTorch, bit for bit: on 2.x PyTorch attends through
// aten::scaled_dot_product_attention when need_weights is false, which rounds differently from
// the explicit bmm/softmax path, and scales q by sqrt(1 / E) where 1.13 divides by sqrt(E).
const ATTENTION_ORACLE = `
import json, torch
import torch.nn.functional as F
def bits(t):
    return t.detach().contiguous().reshape(-1).view(torch.int32).tolist()
out = {}
for name, heads, train, masks, nw in CASES:
    torch.manual_seed(0)
    m = torch.nn.MultiheadAttention(16, heads, dropout=0.1, batch_first=True).train(train)
    torch.manual_seed(1)
    x = torch.randn(3, 5, 16, requires_grad=True)
    kpm = am = None
    if masks:
        kpm = torch.zeros(3, 5, dtype=torch.bool)
        kpm[0, 3:] = True
        am = torch.randn(5, 5) if masks == 'float' else torch.ones(5, 5, dtype=torch.bool).triu(1)
    torch.manual_seed(2)
    y, _ = m(x, x, x, key_padding_mask=kpm, attn_mask=am, need_weights=nw)
    torch.manual_seed(3)
    (y * torch.randn_like(y)).sum().backward()
    out[name] = [bits(y), bits(x.grad), bits(m.in_proj_weight.grad)]
if hasattr(F, 'scaled_dot_product_attention'):
    for name in ('causal', 'float', 'bool'):
        torch.manual_seed(5)
        q, k, v = (torch.randn(2, 3, 6, 8, requires_grad=True) for _ in range(3))
        mask = None if name == 'causal' else torch.randn(6, 6) if name == 'float' else torch.rand(6, 6) > 0.3
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.2, is_causal=name == 'causal')
        torch.manual_seed(7)
        (y * torch.randn_like(y)).sum().backward()
        out['sdpa_' + name] = [bits(y), bits(q.grad), bits(v.grad)]
print(json.dumps(out))
`;

const MHA_CASES: [string, number, boolean, '' | 'float' | 'bool', boolean][] = [
  ['train_dropout', 4, true, '', false],
  ['train_dropout_masks', 4, true, 'bool', false],
  ['eval_masks', 4, false, 'float', false],
  ['eval_head_dim_8_weights', 2, false, 'float', true],
];

/** The float32 tensor's bit patterns equal PyTorch's; on failure, how many differ and by how much. */
function expectBits(actual: Tensor, want: number[], what: string): void {
  const f = actual.detach().contiguous().reshape([-1]).toTypedArray() as Float32Array;
  const got = new Int32Array(f.buffer, f.byteOffset, f.length);
  const wantF = new Float32Array(Int32Array.from(want).buffer);
  let differ = 0;
  let maxAbs = 0;
  got.forEach((g, i) => {
    if (g !== want[i]) {
      differ++;
      maxAbs = Math.max(maxAbs, Math.abs(f[i] - wantF[i]));
    }
  });
  expect(got.length, `${what}: size`).toBe(want.length);
  expect(differ, `${what}: ${differ} of ${want.length} elements differ from PyTorch's, by up to ${maxAbs}`).toBe(0);
}

describe('attention is PyTorch\'s bit for bit (live oracle)', () => {
  checkOracle();
  const cases = `CASES = ${JSON.stringify(MHA_CASES).replace(/true/g, 'True').replace(/false/g, 'False')}`;
  const py: Record<string, number[][]> = JSON.parse(execFileSync(oraclePython, ['-c', cases + ATTENTION_ORACLE], { encoding: 'utf8', env: oracleEnv() }));

  for (const [name, heads, train, masks, needWeights] of MHA_CASES) {
    it(`MultiheadAttention ${name}: output and gradients`, () => {
      torch.manual_seed(0);
      const m = new nn.MultiheadAttention(16, heads, { dropout: 0.1, batch_first: true }).train(train);
      torch.manual_seed(1);
      const x = torch.randn(3, 5, 16).requires_grad_(true);
      let kpm: Tensor | null = null;
      let am: Tensor | null = null;
      if (masks) {
        kpm = torch.tensor([...Array(15)].map((_, i) => i === 3 || i === 4)).reshape([3, 5]);
        am = masks === 'float' ? torch.randn(5, 5) : torch.ones([5, 5], { dtype: torch.bool }).triu(1);
      }
      torch.manual_seed(2);
      const [y] = m.forward(x, x, x, { key_padding_mask: kpm, attn_mask: am, need_weights: needWeights });
      torch.manual_seed(3);
      y.mul(torch.randn_like(y)).sum().backward();
      const [wy, wx, ww] = py[name];
      expectBits(y, wy, 'output');
      expectBits(x.grad!, wx, 'grad of x');
      expectBits(m.in_proj_weight!.grad!, ww, 'grad of in_proj_weight');
    });
  }

  for (const name of ['causal', 'float', 'bool']) {
    it.runIf(torch.version.libtorch.startsWith('2.'))(`F.scaled_dot_product_attention with dropout, ${name} mask`, () => {
      torch.manual_seed(5);
      const [q, k, v] = [0, 1, 2].map(() => torch.randn(2, 3, 6, 8).requires_grad_(true));
      const mask = name === 'causal' ? null : name === 'float' ? torch.randn(6, 6) : torch.rand(6, 6).gt(0.3);
      const y = F.scaled_dot_product_attention(q, k, v, { attn_mask: mask, dropout_p: 0.2, is_causal: name === 'causal' });
      torch.manual_seed(7);
      y.mul(torch.randn_like(y)).sum().backward();
      const [wy, wq, wv] = py[`sdpa_${name}`];
      expectBits(y, wy, 'output');
      expectBits(q.grad!, wq, 'grad of q');
      expectBits(v.grad!, wv, 'grad of v');
    });
  }
});

// The is_causal hints of PyTorch 2.x's attention modules, live against the PyTorch of this
// LibTorch. On 2.x a hint reaches aten::scaled_dot_product_attention where PyTorch lets it (no
// need_weights, no padding mask), and then decides alone: a deliberately wrong hint (a random mask
// said to be causal) shows that it was passed, since a true causal mask gives the same bits either
// way. PyTorch 1.13 has no hints: there the oracle runs with the mask alone, and so must we.
const CAUSAL_ORACLE = `
import inspect, json, torch
import torch.nn as nn
import torch.nn.functional as F
def bits(t):
    return [] if t is None else t.detach().contiguous().reshape(-1).view(torch.int32).tolist()
HINTS = 'is_causal' in inspect.signature(nn.MultiheadAttention.forward).parameters
def hints(**kw):
    return kw if HINTS else {}
def causal(n):
    return torch.triu(torch.full((n, n), float('-inf')), 1)
def padding(n, s):
    kpm = torch.zeros(n, s, dtype=torch.bool)
    kpm[0, s - 2:] = True
    return kpm
def mask(kind, n, s=None):
    s = s or n
    return causal(n) if kind == 'causal' else torch.ones(n, s, dtype=torch.bool).triu(1) if kind == 'bool' else torch.randn(n, s)
out = {}
for name, kpm_on, nw, kind in MHA:
    torch.manual_seed(0)
    m = nn.MultiheadAttention(16, 4, dropout=0.1, batch_first=True)
    torch.manual_seed(1)
    x = torch.randn(3, 5, 16, requires_grad=True)
    am = mask(kind, 5)
    torch.manual_seed(2)
    y, w = m(x, x, x, key_padding_mask=padding(3, 5) if kpm_on else None, attn_mask=am, need_weights=nw, **hints(is_causal=True))
    torch.manual_seed(3)
    (y * torch.randn_like(y)).sum().backward()
    out[name] = [bits(y), bits(w), bits(x.grad), bits(m.in_proj_weight.grad)]
if HINTS:
    try:
        m(x, x, x, is_causal=True)
    except RuntimeError as e:
        out['need_mask'] = str(e)
def run(name, make, call, *inputs):
    torch.manual_seed(0)
    m = make()
    torch.manual_seed(1)
    xs = [torch.randn(*shape, requires_grad=True) for shape in inputs]
    y = call(m, *xs)
    torch.manual_seed(3)
    (y * torch.randn_like(y)).sum().backward()
    out[name] = [bits(y), bits(xs[0].grad), bits(next(m.parameters()).grad)]
enc_layer = lambda: nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
encoder = lambda: nn.TransformerEncoder(enc_layer(), 2)
decoder = lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, dim_feedforward=32), 2, norm=nn.LayerNorm(16))
transformer = lambda: nn.Transformer(16, 4, 2, 2, 32)
run('enc_layer_hint', enc_layer, lambda m, s: m(s, src_mask=causal(5), **hints(is_causal=True)), (3, 5, 16))
run('enc_layer_wrong_hint', enc_layer, lambda m, s: m(s, src_mask=torch.randn(5, 5), **hints(is_causal=True)), (3, 5, 16))
run('encoder_detect', encoder, lambda m, s: m(s, mask=causal(5)), (3, 5, 16))
run('encoder_detect_bool_padding', encoder, lambda m, s: m(s, mask=mask('bool', 5), src_key_padding_mask=padding(3, 5)), (3, 5, 16))
run('encoder_wrong_hint', encoder, lambda m, s: m(s, mask=torch.randn(5, 5), **hints(is_causal=True)), (3, 5, 16))
run('decoder_detect', decoder, lambda m, t, mem: m(t, mem, tgt_mask=causal(5)), (5, 3, 16), (6, 3, 16))
run('decoder_wrong_hints', decoder, lambda m, t, mem: m(t, mem, tgt_mask=torch.randn(5, 5), memory_mask=torch.randn(5, 6),
    **hints(tgt_is_causal=True, memory_is_causal=True)), (5, 3, 16), (6, 3, 16))
run('transformer_detect', transformer, lambda m, s, t: m(s, t, src_mask=causal(6), tgt_mask=causal(5)), (6, 3, 16), (5, 3, 16))
run('transformer_wrong_hints', transformer, lambda m, s, t: m(s, t, src_mask=torch.randn(6, 6), tgt_mask=causal(5), memory_mask=torch.randn(5, 6),
    **hints(src_is_causal=True, tgt_is_causal=True, memory_is_causal=True)), (6, 3, 16), (5, 3, 16))
if HINTS:
    # What each layer is told, detection included (a mask by its dtype: the encoder makes it float).
    def told_value(v):
        return str(v.dtype) if isinstance(v, torch.Tensor) else v
    def seen(make, call, src_shape, hint_names):
        torch.manual_seed(0)
        m = make()
        told = []
        for layer in m.layers:
            layer.register_forward_pre_hook(lambda mod, args, kwargs: told.append([told_value(kwargs.get(k)) for k in hint_names]), with_kwargs=True)
        call(m, torch.randn(*src_shape))
        return told
    enc = lambda call, shape=(3, 5, 16): seen(encoder, call, shape, ['is_causal', 'src_mask'])
    dec = lambda call: seen(decoder, lambda m, t: call(m, t, torch.randn(6, 3, 16)), (5, 3, 16), ['tgt_is_causal', 'memory_is_causal', 'tgt_mask'])
    out['seen'] = {
        'enc_float': enc(lambda m, s: m(s, mask=causal(5))),
        'enc_bool': enc(lambda m, s: m(s, mask=mask('bool', 5))),
        'enc_random': enc(lambda m, s: m(s, mask=torch.randn(5, 5))),
        'enc_3d': enc(lambda m, s: m(s, mask=causal(5).expand(12, 5, 5))),
        'enc_false': enc(lambda m, s: m(s, mask=causal(5), is_causal=False)),
        'enc_none': enc(lambda m, s: m(s)),
        'enc_unbatched': enc(lambda m, s: m(s, mask=causal(5)), (5, 16)),
        'dec_float': dec(lambda m, t, mem: m(t, mem, tgt_mask=causal(5))),
        'dec_bool': dec(lambda m, t, mem: m(t, mem, tgt_mask=mask('bool', 5))),
        'dec_none': dec(lambda m, t, mem: m(t, mem)),
        'dec_memory': dec(lambda m, t, mem: m(t, mem, tgt_mask=causal(5), tgt_is_causal=False, memory_mask=torch.zeros(5, 6), memory_is_causal=True)),
    }
    torch.manual_seed(5)
    q = torch.randn(2, 4, 6, 8, requires_grad=True)
    k, v = (torch.randn(2, 2, 6, 8, requires_grad=True) for _ in range(2))
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    torch.manual_seed(7)
    (y * torch.randn_like(y)).sum().backward()
    out['gqa'] = [bits(y), bits(q.grad), bits(k.grad), bits(v.grad)]
print(json.dumps(out))
`;

// [name, key_padding_mask, need_weights, attn_mask kind]; every case says is_causal: true.
const MHA_CAUSAL_CASES: [string, boolean, boolean, 'causal' | 'bool' | 'random'][] = [
  ['mha_causal', false, false, 'causal'],
  ['mha_causal_weights', false, true, 'causal'],
  ['mha_causal_padding', true, false, 'causal'],
  ['mha_causal_padding_weights', true, true, 'causal'],
  ['mha_bool_causal', false, false, 'bool'],
  ['mha_wrong_hint', false, false, 'random'],
  ['mha_wrong_hint_padding', true, false, 'random'],
];

const NEED_MASK = 'Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.';

describe('the is_causal hints of the attention modules (live oracle)', () => {
  checkOracle();
  const pyCases = `MHA = ${JSON.stringify(MHA_CAUSAL_CASES).replace(/true/g, 'True').replace(/false/g, 'False')}`;
  const py = JSON.parse(execFileSync(oraclePython, ['-c', pyCases + CAUSAL_ORACLE], { encoding: 'utf8', env: oracleEnv(), maxBuffer: 1 << 26 }));
  const is2 = torch.version.libtorch.startsWith('2.');
  const causal = (n: number) => nn.Transformer.generate_square_subsequent_mask(n);
  const padding = (n: number, s: number) => torch.arange(n * s).reshape([n, s]).ge(s - 2).logical_and(torch.arange(n * s).reshape([n, s]).lt(s));
  const mask = (kind: string, n: number, s = n): Tensor =>
    kind === 'causal' ? causal(n) : kind === 'bool' ? torch.ones([n, s], { dtype: torch.bool }).triu(1) : torch.randn(n, s);

  for (const [name, withPadding, needWeights, kind] of MHA_CAUSAL_CASES) {
    it(`MultiheadAttention ${name}: output, weights and gradients`, () => {
      torch.manual_seed(0);
      const m = new nn.MultiheadAttention(16, 4, { dropout: 0.1, batch_first: true });
      torch.manual_seed(1);
      const x = torch.randn(3, 5, 16).requires_grad_(true);
      const am = mask(kind, 5);
      torch.manual_seed(2);
      const [y, w] = m.forward(x, x, x, { key_padding_mask: withPadding ? padding(3, 5) : null, attn_mask: am, need_weights: needWeights, is_causal: true });
      torch.manual_seed(3);
      y.mul(torch.randn_like(y)).sum().backward();
      const [wy, ww, wx, wp] = py[name];
      expectBits(y, wy, 'output');
      if (needWeights) expectBits(w!, ww, 'attention weights');
      else expect(w).toBeNull();
      expectBits(x.grad!, wx, 'grad of x');
      expectBits(m.in_proj_weight!.grad!, wp, 'grad of in_proj_weight');
    });
  }

  it('is_causal without attn_mask is an error, on 1.13 as on 2.x', () => {
    if (is2) expect(py.need_mask).toBe(NEED_MASK);
    const m = new nn.MultiheadAttention(16, 4);
    const x = torch.randn(5, 3, 16);
    expect(() => m.forward(x, x, x, { is_causal: true })).toThrow(NEED_MASK);
    expect(() => F.multi_head_attention_forward(x, x, x, 16, 4, m.in_proj_weight, m.in_proj_bias, null, null, false, 0, m.out_proj.weight,
      m.out_proj.bias, { is_causal: true, need_weights: false })).toThrow(NEED_MASK);
    expect(() => new nn.TransformerEncoderLayer(16, 4, { dim_feedforward: 32 }).forward(x, { is_causal: true })).toThrow(NEED_MASK);
    const t = new nn.Transformer({ d_model: 16, nhead: 4, num_encoder_layers: 1, num_decoder_layers: 1, dim_feedforward: 32 });
    expect(() => t.forward(x, x, { tgt_is_causal: true })).toThrow(NEED_MASK);
    expect(() => t.forward(x, x, { memory_is_causal: true })).toThrow(NEED_MASK);
  });

  const encLayer = () => new nn.TransformerEncoderLayer(16, 4, { dim_feedforward: 32, batch_first: true });
  const encoder = () => new nn.TransformerEncoder(encLayer(), 2);
  const decoder = () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(16, 4, { dim_feedforward: 32 }), 2, { norm: new nn.LayerNorm(16) });
  const transformer = () => new nn.Transformer({ d_model: 16, nhead: 4, num_encoder_layers: 2, num_decoder_layers: 2, dim_feedforward: 32 });
  // The same calls as the oracle's run(...): seeded module, seeded inputs, the call, a seeded loss.
  const MODULE_CASES: [string, () => torch.nn.Module, (m: any, ...xs: Tensor[]) => Tensor, number[][]][] = [
    ['enc_layer_hint', encLayer, (m, s) => m.forward(s, { src_mask: causal(5), is_causal: true }), [[3, 5, 16]]],
    ['enc_layer_wrong_hint', encLayer, (m, s) => m.forward(s, { src_mask: torch.randn(5, 5), is_causal: true }), [[3, 5, 16]]],
    ['encoder_detect', encoder, (m, s) => m.forward(s, { mask: causal(5) }), [[3, 5, 16]]],
    ['encoder_detect_bool_padding', encoder, (m, s) => m.forward(s, { mask: mask('bool', 5), src_key_padding_mask: padding(3, 5) }), [[3, 5, 16]]],
    ['encoder_wrong_hint', encoder, (m, s) => m.forward(s, { mask: torch.randn(5, 5), is_causal: true }), [[3, 5, 16]]],
    ['decoder_detect', decoder, (m, t, mem) => m.forward(t, mem, { tgt_mask: causal(5) }), [[5, 3, 16], [6, 3, 16]]],
    ['decoder_wrong_hints', decoder, (m, t, mem) => m.forward(t, mem, {
      tgt_mask: torch.randn(5, 5), memory_mask: torch.randn(5, 6), tgt_is_causal: true, memory_is_causal: true,
    }), [[5, 3, 16], [6, 3, 16]]],
    ['transformer_detect', transformer, (m, s, t) => m.forward(s, t, { src_mask: causal(6), tgt_mask: causal(5) }), [[6, 3, 16], [5, 3, 16]]],
    ['transformer_wrong_hints', transformer, (m, s, t) => m.forward(s, t, {
      src_mask: torch.randn(6, 6), tgt_mask: causal(5), memory_mask: torch.randn(5, 6), src_is_causal: true, tgt_is_causal: true, memory_is_causal: true,
    }), [[6, 3, 16], [5, 3, 16]]],
  ];
  for (const [name, make, call, shapes] of MODULE_CASES) {
    it(`${name}: output and gradients`, () => {
      torch.manual_seed(0);
      const m = make();
      torch.manual_seed(1);
      const xs = shapes.map((s) => torch.randn(s).requires_grad_(true));
      const y = call(m, ...xs);
      torch.manual_seed(3);
      y.mul(torch.randn_like(y)).sum().backward();
      const [wy, wx, wp] = py[name];
      expectBits(y, wy, 'output');
      expectBits(xs[0].grad!, wx, 'grad of the first input');
      expectBits(m.parameters()[0].grad!, wp, 'grad of the first parameter');
    });
  }

  it.runIf(is2)('each layer is told the hint PyTorch tells it, detection included', () => {
    // Records the hints (and the mask's dtype) in the options object each layer's forward receives.
    const seen = (make: () => torch.nn.Module, call: (m: any, x: Tensor) => unknown, shape: number[], names: string[]) => {
      torch.manual_seed(0);
      const m = make() as torch.nn.TransformerEncoder | torch.nn.TransformerDecoder;
      const told: unknown[][] = [];
      for (const layer of m.layers) {
        const forward = layer.forward.bind(layer);
        layer.forward = (...args: any[]) => {
          const options = args[args.length - 1];
          told.push(names.map((k) => (options[k] instanceof torch.Tensor ? String(options[k].dtype) : options[k] ?? null)));
          return forward(...args);
        };
      }
      call(m, torch.randn(shape));
      return told;
    };
    const enc = (call: (m: any, s: Tensor) => unknown, shape = [3, 5, 16]) => seen(encoder, call, shape, ['is_causal', 'src_mask']);
    const dec = (call: (m: any, t: Tensor, mem: Tensor) => unknown) =>
      seen(decoder, (m, t) => call(m, t, torch.randn(6, 3, 16)), [5, 3, 16], ['tgt_is_causal', 'memory_is_causal', 'tgt_mask']);
    const got = {
      enc_float: enc((m, s) => m.forward(s, { mask: causal(5) })),
      enc_bool: enc((m, s) => m.forward(s, { mask: mask('bool', 5) })),
      enc_random: enc((m, s) => m.forward(s, { mask: torch.randn(5, 5) })),
      enc_3d: enc((m, s) => m.forward(s, { mask: causal(5).expand(12, 5, 5) })),
      enc_false: enc((m, s) => m.forward(s, { mask: causal(5), is_causal: false })),
      enc_none: enc((m, s) => m.forward(s)),
      enc_unbatched: enc((m, s) => m.forward(s, { mask: causal(5) }), [5, 16]),
      dec_float: dec((m, t, mem) => m.forward(t, mem, { tgt_mask: causal(5) })),
      dec_bool: dec((m, t, mem) => m.forward(t, mem, { tgt_mask: mask('bool', 5) })),
      dec_none: dec((m, t, mem) => m.forward(t, mem)),
      dec_memory: dec((m, t, mem) => m.forward(t, mem, { tgt_mask: causal(5), tgt_is_causal: false, memory_mask: torch.zeros(5, 6), memory_is_causal: true })),
    };
    expect(got).toEqual(py.seen);
  });

  it.runIf(is2)('F.scaled_dot_product_attention with enable_gqa: output and gradients', () => {
    torch.manual_seed(5);
    const q = torch.randn(2, 4, 6, 8).requires_grad_(true);
    const [k, v] = [0, 1].map(() => torch.randn(2, 2, 6, 8).requires_grad_(true));
    const y = F.scaled_dot_product_attention(q, k, v, { is_causal: true, enable_gqa: true });
    torch.manual_seed(7);
    y.mul(torch.randn_like(y)).sum().backward();
    const [wy, wq, wk, wv] = py.gqa;
    expectBits(y, wy, 'output');
    expectBits(q.grad!, wq, 'grad of q');
    expectBits(k.grad!, wk, 'grad of k');
    expectBits(v.grad!, wv, 'grad of v');
  });

  it.runIf(!is2)('enable_gqa is an error where aten::scaled_dot_product_attention does not take it', () => {
    const q = torch.randn(2, 4, 6, 8);
    const kv = torch.randn(2, 2, 6, 8);
    expect(() => F.scaled_dot_product_attention(q, kv, kv, { enable_gqa: true })).toThrow(/enable_gqa needs a LibTorch whose aten::scaled_dot_product_attention takes it/);
    // Its default changes nothing, so it is accepted.
    expect(F.scaled_dot_product_attention(q, q, q, { enable_gqa: false }).shape).toEqual([2, 4, 6, 8]);
  });
});

// PyTorch 2.x warns that a padding mask of another dtype than the attention mask it goes with
// (a boolean padding mask beside generate_square_subsequent_mask's float mask) is deprecated;
// 1.13 does not. Live: the oracle records the warnings of each forward.
const MISMATCH_ORACLE = `
import json, warnings, torch
import torch.nn as nn
causal = torch.triu(torch.full((5, 5), float('-inf')), 1)
kpm = torch.zeros(3, 5, dtype=torch.bool)
kpm[0, 3:] = True
x = torch.randn(3, 5, 16)
mha = nn.MultiheadAttention(16, 4, batch_first=True)
layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True), 2)
calls = {
    'mha': lambda: mha(x, x, x, key_padding_mask=kpm, attn_mask=causal),
    'layer': lambda: layer(x, src_mask=causal, src_key_padding_mask=kpm),
    'encoder': lambda: encoder(x, mask=causal, src_key_padding_mask=kpm),
    'same_types': lambda: mha(x, x, x, key_padding_mask=kpm, attn_mask=causal.isinf()),
}
out = {}
for name, call in calls.items():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        call()
    out[name] = [str(m.message) for m in w if 'mismatched' in str(m.message)]
print(json.dumps(out))
`;

describe('mismatched mask dtypes (live oracle)', () => {
  it("warn as the PyTorch of this LibTorch does", async () => {
    checkOracle();
    const py = JSON.parse(execFileSync(oraclePython, ['-c', MISMATCH_ORACLE], { encoding: 'utf8', env: oracleEnv() })) as Record<string, string[]>;
    const causal = nn.Transformer.generate_square_subsequent_mask(5);
    const kpm = torch.zeros([3, 5], { dtype: torch.bool });
    kpm.index_put_([torch.tensor([0]), torch.tensor([3, 4])], torch.tensor(true));
    const x = torch.randn(3, 5, 16);
    const mha = new nn.MultiheadAttention(16, 4, { batch_first: true });
    const layer = new nn.TransformerEncoderLayer(16, 4, { dim_feedforward: 32, batch_first: true });
    const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, { dim_feedforward: 32, batch_first: true }), 2);
    const calls: Record<string, () => unknown> = {
      mha: () => mha.forward(x, x, x, { key_padding_mask: kpm, attn_mask: causal }),
      layer: () => layer.forward(x, { src_mask: causal, src_key_padding_mask: kpm }),
      encoder: () => encoder.forward(x, { mask: causal, src_key_padding_mask: kpm }),
      same_types: () => mha.forward(x, x, x, { key_padding_mask: kpm, attn_mask: causal.isinf() }),
    };
    const ours: Record<string, string[]> = {};
    torch.set_warn_always(true); // each call's own, not once per process
    try {
      for (const [name, call] of Object.entries(calls)) {
        ours[name] = (await warningsOf(call)).map((w) => w.message).filter((m) => m.includes('mismatched'));
      }
    } finally {
      torch.set_warn_always(false);
    }
    expect(ours).toEqual(py);
    if (torch.version.libtorch.startsWith('2.')) {
      expect(py.mha).toEqual(['Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both instead.']);
    }
  });
});

// PyTorch 2.x's `bias` keyword of the transformer modules, and its TransformerEncoder's warning at
// construction that the nested-tensor fast path is off, with the reason. Live: the oracle records
// each construction's warnings, use_nested_tensor and activation_relu_or_gelu (1.13 has neither
// the warning nor the attribute), and on 2.x the state_dict keys and the bits of a bias-free
// layer's and model's output and gradients.
const NESTED_ORACLE = `
import json, warnings, torch
import torch.nn as nn
import torch.nn.functional as F
def bits(t):
    return t.detach().contiguous().reshape(-1).view(torch.int32).tolist()
def layer(**kw):
    return nn.TransformerEncoderLayer(16, kw.pop('nhead', 4), dim_feedforward=32, **kw)
def eps_differ():
    l = layer(batch_first=True)
    l.norm2.eps = 1e-6
    return l
CASES = {
    'default': lambda: nn.TransformerEncoder(layer(), 2),
    'batch_first': lambda: nn.TransformerEncoder(layer(batch_first=True), 2),
    'disabled': lambda: nn.TransformerEncoder(layer(), 2, enable_nested_tensor=False),
    'norm_first': lambda: nn.TransformerEncoder(layer(batch_first=True, norm_first=True), 2),
    'gelu_fn': lambda: nn.TransformerEncoder(layer(batch_first=True, activation=F.gelu), 2),
    'relu_module': lambda: nn.TransformerEncoder(layer(batch_first=True, activation=nn.ReLU()), 2),
    'tanh': lambda: nn.TransformerEncoder(layer(batch_first=True, activation=torch.tanh), 2),
    'eps_differ': lambda: nn.TransformerEncoder(eps_differ(), 2),
    'odd_heads': lambda: nn.TransformerEncoder(layer(batch_first=True, nhead=1), 2),
    'not_a_layer': lambda: nn.TransformerEncoder(nn.Identity(), 2),
    'transformer': lambda: nn.Transformer(16, 4, 1, 1, 32).encoder,
}
if torch.__version__ >= '2':
    CASES['no_bias'] = lambda: nn.TransformerEncoder(layer(batch_first=True, bias=False), 2)
out = {'built': {}}
for name, make in CASES.items():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        enc = make()
    first = enc.layers[0]
    out['built'][name] = [[str(m.message) for m in w if 'nested' in str(m.message)],
                          getattr(enc, 'use_nested_tensor', None), getattr(first, 'activation_relu_or_gelu', None)]
if torch.__version__ >= '2':
    def run(make, *shapes):
        torch.manual_seed(0)
        m = make()
        torch.manual_seed(1)
        xs = [torch.randn(*s, requires_grad=True) for s in shapes]
        y = m(*xs)
        torch.manual_seed(3)
        (y * torch.randn_like(y)).sum().backward()
        return [list(m.state_dict().keys()), bits(y), bits(xs[0].grad), bits(next(m.parameters()).grad)]
    out['layer'] = run(lambda: layer(bias=False), (5, 3, 16))
    out['decoder_layer'] = run(lambda: nn.TransformerDecoderLayer(16, 4, 32, bias=False), (5, 3, 16), (6, 3, 16))
    out['model'] = run(lambda: nn.Transformer(16, 4, 1, 1, 32, bias=False), (6, 3, 16), (5, 3, 16))
print(json.dumps(out))
`;

describe('transformer bias and the nested-tensor warning (live oracle)', () => {
  checkOracle();
  const py = JSON.parse(execFileSync(oraclePython, ['-c', NESTED_ORACLE], { encoding: 'utf8', env: oracleEnv(), maxBuffer: 1 << 26 }));
  const is2 = torch.version.libtorch.startsWith('2.');
  const layer = (options: torch.nn.TransformerLayerOptions & { nhead?: number } = {}) => {
    const { nhead = 4, ...rest } = options;
    return new nn.TransformerEncoderLayer(16, nhead, { dim_feedforward: 32, ...rest });
  };

  it('constructions warn, and set use_nested_tensor and activation_relu_or_gelu, as PyTorch does', async () => {
    const epsDiffer = () => {
      const l = layer({ batch_first: true });
      l.norm2.eps = 1e-6;
      return l;
    };
    const cases: Record<string, () => torch.nn.TransformerEncoder> = {
      default: () => new nn.TransformerEncoder(layer(), 2),
      batch_first: () => new nn.TransformerEncoder(layer({ batch_first: true }), 2),
      disabled: () => new nn.TransformerEncoder(layer(), 2, { enable_nested_tensor: false }),
      norm_first: () => new nn.TransformerEncoder(layer({ batch_first: true, norm_first: true }), 2),
      gelu_fn: () => new nn.TransformerEncoder(layer({ batch_first: true, activation: F.gelu }), 2),
      relu_module: () => new nn.TransformerEncoder(layer({ batch_first: true, activation: new nn.ReLU() }), 2),
      tanh: () => new nn.TransformerEncoder(layer({ batch_first: true, activation: (x) => x.tanh() }), 2),
      eps_differ: () => new nn.TransformerEncoder(epsDiffer(), 2),
      odd_heads: () => new nn.TransformerEncoder(layer({ batch_first: true, nhead: 1 }), 2),
      not_a_layer: () => new nn.TransformerEncoder(new nn.Identity(), 2),
      transformer: () => new nn.Transformer({ d_model: 16, nhead: 4, num_encoder_layers: 1, num_decoder_layers: 1, dim_feedforward: 32 }).encoder as torch.nn.TransformerEncoder,
    };
    if (is2) cases.no_bias = () => new nn.TransformerEncoder(layer({ batch_first: true, bias: false }), 2);
    const built: Record<string, unknown[]> = {};
    torch.set_warn_always(true); // each construction's own, not once per process
    try {
      for (const [name, make] of Object.entries(cases)) {
        let enc!: torch.nn.TransformerEncoder;
        const heard = (await warningsOf(() => { enc = make(); })).map((w) => w.message).filter((m) => m.includes('nested'));
        const first = enc.layers.at(0) as unknown as { activation_relu_or_gelu?: number };
        built[name] = [heard, enc.use_nested_tensor ?? null, first.activation_relu_or_gelu ?? null];
      }
    } finally {
      torch.set_warn_always(false);
    }
    expect(built).toEqual(py.built);
    if (is2) {
      expect(py.built.default[0]).toEqual(['enable_nested_tensor is True, but self.use_nested_tensor is False because ' +
        'encoder_layer.self_attn.batch_first was not True(use batch_first for better inference performance)']);
    }
  });

  it('bias: false drops every bias (state_dict keys)', () => {
    const keys = (m: torch.nn.Module) => Object.keys(m.state_dict());
    const plain = keys(layer());
    const noBias = keys(layer({ bias: false }));
    expect(plain.filter((k) => !noBias.includes(k))).toEqual(['self_attn.in_proj_bias', 'self_attn.out_proj.bias', 'linear1.bias', 'linear2.bias', 'norm1.bias', 'norm2.bias']);
    expect(noBias.filter((k) => k.endsWith('bias'))).toEqual([]);
    // Positionally too, after norm_first as in PyTorch 2.x.
    expect(keys(new nn.TransformerEncoderLayer(16, 4, 32, 0.1, 'relu', 1e-5, false, false, false))).toEqual(noBias);
    const model = new nn.Transformer({ d_model: 16, nhead: 4, num_encoder_layers: 1, num_decoder_layers: 1, dim_feedforward: 32, bias: false });
    expect(keys(model).filter((k) => k.endsWith('bias'))).toEqual([]);
  });

  const RUNS: [string, () => torch.nn.Module, number[][]][] = [
    ['layer', () => layer({ bias: false }), [[5, 3, 16]]],
    ['decoder_layer', () => new nn.TransformerDecoderLayer(16, 4, 32, { bias: false }), [[5, 3, 16], [6, 3, 16]]],
    ['model', () => new nn.Transformer({ d_model: 16, nhead: 4, num_encoder_layers: 1, num_decoder_layers: 1, dim_feedforward: 32, bias: false }), [[6, 3, 16], [5, 3, 16]]],
  ];
  for (const [name, make, shapes] of RUNS) {
    it.runIf(is2)(`bias: false, ${name}: keys, output and gradients bit for bit`, () => {
      torch.manual_seed(0);
      const m = make();
      torch.manual_seed(1);
      const xs = shapes.map((s) => torch.randn(s).requires_grad_(true));
      const y = (m.forward as (...a: Tensor[]) => Tensor)(...xs);
      torch.manual_seed(3);
      y.mul(torch.randn_like(y)).sum().backward();
      const [wk, wy, wx, wp] = py[name];
      expect(Object.keys(m.state_dict())).toEqual(wk);
      expectBits(y, wy, 'output');
      expectBits(xs[0].grad!, wx, 'grad of the first input');
      expectBits(m.parameters()[0].grad!, wp, 'grad of the first parameter');
    });
  }
});
