// nn.RNN, nn.LSTM, nn.GRU and their single-step cells, following torch/nn/modules/rnn.py.
// The sequence layers run on ATen's fused operators (aten::lstm.input, aten::gru.input,
// aten::rnn_tanh.input, aten::rnn_relu.input) with the flat weight list in PyTorch's order, so
// numerics, speed and autograd are LibTorch's own; the cells use aten::lstm_cell and friends.
import { Tensor, describe } from '../../tensor';
import { params } from '../../args';
import { warn } from '../../warnings';
import { zeros } from '../../creation';
import * as torch from '../../generated/torch_functions';
import { requireTensor } from '../functional/check';
import { Module } from '../module';
import { no_grad } from '../../autograd';
import { ops } from '../../raw_ops';
import { Parameter } from '../parameter';
import * as init from '../init';
import { FactoryOptions, newParameter, pyFloat, pyStr } from './utils';

/**
 * The keyword arguments of `nn.GRU` (and the shared ones of `nn.RNN`, `nn.LSTM`), as in PyTorch;
 * each may also be given positionally after `(input_size, hidden_size)`, in PyTorch's order.
 */
export interface RNNBaseOptions extends FactoryOptions {
  /** Number of stacked recurrent layers (PyTorch's `num_layers`, default 1). */
  num_layers?: number;
  /** Whether the layers have the biases `b_ih` and `b_hh` (default true). */
  bias?: boolean;
  /** Input and output as (batch, seq, feature) instead of (seq, batch, feature) (default false). */
  batch_first?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training (default 0). */
  dropout?: number;
  /** Run a second, reversed pass and concatenate the two directions (default false). */
  bidirectional?: boolean;
}

/** The keyword arguments of `nn.LSTM`: those of {@link RNNBaseOptions} and `proj_size`. */
export interface LSTMOptions extends RNNBaseOptions {
  /** Size of the projection of the hidden state (PyTorch's `proj_size`, default 0: none). */
  proj_size?: number;
}

/** The keyword arguments of `nn.RNN`: those of {@link RNNBaseOptions} and `nonlinearity`. */
export interface RNNOptions extends RNNBaseOptions {
  /** The activation, `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

type Mode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';
type PositionalArg = number | boolean | undefined;

// PyTorch's positional order after (input_size, hidden_size).
const BASE_ARG_NAMES = ['num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional', 'proj_size', 'device', 'dtype'] as const;

const GATES: Record<Mode, number> = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 };
/** cuDNN's cudnnRNNMode_t values, as torch.backends.cudnn.rnn.get_cudnn_mode gives them. */
const CUDNN_MODE: Record<Mode, number> = { RNN_RELU: 0, RNN_TANH: 1, LSTM: 2, GRU: 3 };

/** The fused single-state layers: aten::gru.input, aten::rnn_tanh.input, aten::rnn_relu.input. */
type FusedSingleState = (input: Tensor, hx: Tensor, params: Tensor[], has_biases: boolean, num_layers: number,
  dropout: number, train: boolean, bidirectional: boolean, batch_first: boolean) => [Tensor, Tensor];
/** The single-state cells: aten::gru_cell, aten::rnn_tanh_cell, aten::rnn_relu_cell. */
type SingleStateCell = (input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | null, b_hh: Tensor | null) => Tensor;

const aten = ops.aten as any;

function sizeString(s: readonly number[]): string {
  return `(${s.join(', ')})`;
}

function checkInteger(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${name} should be an integer >= ${min}, got ${typeof v === 'number' ? v : describe(v)}`);
  }
  return v;
}

/**
 * The base of `nn.RNN`, `nn.GRU` and `nn.LSTM`: holds the per-layer weights `weight_ih_l{k}`,
 * `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (and `_reverse`, `weight_hr_l{k}`) under
 * PyTorch's names, so state dicts load either way.
 *
 * @see [torch.nn.RNNBase](https://pytorch.org/docs/stable/generated/torch.nn.RNNBase.html)
 */
export class RNNBase extends Module {
  /** Which fused operator runs the layers: `'LSTM'`, `'GRU'`, `'RNN_TANH'` or `'RNN_RELU'`. */
  readonly mode: Mode;
  /** Number of features of the input. */
  readonly input_size: number;
  /** Number of features of the hidden state. */
  readonly hidden_size: number;
  /** Number of stacked layers. */
  readonly num_layers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Whether input and output are (batch, seq, feature). */
  readonly batch_first: boolean;
  /** Dropout probability between layers. */
  readonly dropout: number;
  /** Whether the layers run in both directions. */
  readonly bidirectional: boolean;
  /** Size of the LSTM hidden-state projection; 0 without one. */
  readonly proj_size: number;
  /**
   * Parameter names in the order aten::lstm & co. expect the flat weight list.
   * @internal
   */
  readonly _flat_weights_names: string[] = [];
  /** The parameter names of each layer and direction, as in PyTorch's `_all_weights`. */
  readonly _all_weights: string[][] = [];

  /**
   * Called by the subclasses with their mode; `args` are PyTorch's positional arguments after
   * `(input_size, hidden_size)`, optionally ending in an options object.
   */
  constructor(mode: Mode, input_size: number, hidden_size: number, ...args: (PositionalArg | LSTMOptions)[]) {
    super();
    const [num_layers, bias, batch_first, dropout, bidirectional, proj_size, device, dtype] = params(
      mode === 'LSTM' ? 'LSTM' : mode === 'GRU' ? 'GRU' : 'RNN', args, BASE_ARG_NAMES,
    );
    this.mode = mode;
    this.input_size = checkInteger('input_size', input_size, 1);
    this.hidden_size = checkInteger('hidden_size', hidden_size, 1);
    this.num_layers = checkInteger('num_layers', num_layers ?? 1, 1);
    this.bias = (bias ?? true) as boolean;
    this.batch_first = (batch_first ?? false) as boolean;
    const p = dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new RangeError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    this.dropout = p;
    if (p > 0 && this.num_layers === 1) {
      warn(
        'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects ' +
          `num_layers greater than 1, but got dropout=${p} and num_layers=${this.num_layers}`,
      );
    }
    this.bidirectional = (bidirectional ?? false) as boolean;
    const proj = (proj_size ?? 0) as number;
    if (proj !== 0 && mode !== 'LSTM') throw new RangeError('proj_size argument is only supported for LSTM, not RNN or GRU');
    if (!Number.isInteger(proj) || proj < 0) throw new RangeError('proj_size should be a positive integer or zero to disable projections');
    if (proj >= hidden_size) throw new RangeError('proj_size has to be smaller than hidden_size');
    this.proj_size = proj;

    const factory = { device, dtype } as FactoryOptions;
    const gateSize = GATES[mode] * hidden_size;
    const numDirections = this.bidirectional ? 2 : 1;
    const realHidden = proj > 0 ? proj : hidden_size;
    for (let layer = 0; layer < this.num_layers; layer++) {
      for (let direction = 0; direction < numDirections; direction++) {
        const layerInput = layer === 0 ? input_size : realHidden * numDirections;
        const suffix = `_l${layer}${direction === 1 ? '_reverse' : ''}`;
        const layerParams: [string, number[]][] = [
          [`weight_ih${suffix}`, [gateSize, layerInput]],
          [`weight_hh${suffix}`, [gateSize, realHidden]],
        ];
        if (this.bias) layerParams.push([`bias_ih${suffix}`, [gateSize]], [`bias_hh${suffix}`, [gateSize]]);
        if (proj > 0) layerParams.push([`weight_hr${suffix}`, [proj, hidden_size]]);
        for (const [name, shape] of layerParams) this.register_parameter(name, newParameter(shape, factory));
        const names = layerParams.map(([n]) => n);
        this._flat_weights_names.push(...names);
        this._all_weights.push(names);
      }
    }
    this.flatten_parameters();
    this.reset_parameters();
  }

  /** Re-draws every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch. */
  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1.0 / Math.sqrt(this.hidden_size) : 0;
    for (const weight of this.parameters()) init.uniform_(weight, -stdv, stdv);
  }

  /**
   * The weights as aten::lstm & co. take them, read afresh so reassigned parameters are seen.
   * @internal
   */
  get _flat_weights(): Tensor[] {
    return this._flat_weights_names.map((n) => (this as unknown as Record<string, Tensor>)[n]);
  }

  /** The parameters of each layer and direction, grouped as in PyTorch's `all_weights`. */
  get all_weights(): Tensor[][] {
    return this._all_weights.map((names) => names.map((n) => (this as unknown as Record<string, Tensor>)[n]));
  }

  /**
   * Puts the weights into one contiguous buffer, as cuDNN wants them, when they are all on a CUDA
   * device and cuDNN takes them; a no-op otherwise (the CPU kernels need no such buffer). Without
   * it cuDNN copies the weights into a buffer on every call and LibTorch warns each time.
   * @see [torch.nn.RNNBase.flatten_parameters](https://pytorch.org/docs/stable/generated/torch.nn.RNNBase.html#torch.nn.RNNBase.flatten_parameters)
   */
  flatten_parameters(): void {
    const ws = this._flat_weights;
    if (ws.length === 0 || !ws.every((w) => w instanceof Tensor)) return;
    const dtype = ws[0].dtype;
    if (!ws.every((w) => w.dtype === dtype && w.is_cuda && torch.cudnn_is_acceptable(w))) return;
    // Aliased weights would be untied by the copy into the buffer: PyTorch leaves them as they are.
    if (new Set(ws.map((w) => w.data_ptr())).size !== ws.length) return;
    const numWeights = (this.bias ? 4 : 2) + (this.proj_size > 0 ? 1 : 0);
    // The op copies the weights into a new buffer and points each weight at its part of it.
    no_grad(() => aten._cudnn_rnn_flatten_weight.default(ws, numWeights, this.input_size, CUDNN_MODE[this.mode],
      this.hidden_size, this.proj_size, this.num_layers, this.batch_first, this.bidirectional).dispose());
  }

  /** Moving or casting the weights leaves them in separate buffers again: flatten them, as PyTorch does. */
  protected override _apply(fn: (t: Tensor) => Tensor, done = new Set<Module>()): this {
    if (done.has(this)) return this; // converted and flattened already
    super._apply(fn, done);
    this.flatten_parameters();
    return this;
  }

  /** @internal */
  protected checkInput(input: Tensor): void {
    if (input.dim() !== 3) throw new RangeError(`input must have 3 dimensions, got ${input.dim()}`);
    if (this.input_size !== input.size(-1)) {
      throw new RangeError(`input.size(-1) must be equal to input_size. Expected ${this.input_size}, got ${input.size(-1)}`);
    }
    const wdtype = requireTensor(this._flat_weights[0], this._flat_weights_names[0]).dtype;
    if (input.dtype !== wdtype) throw new TypeError(`input must have the type ${wdtype}, got type ${input.dtype}`);
  }

  /** @internal */
  protected expectedHiddenSize(input: Tensor): number[] {
    const miniBatch = this.batch_first ? input.size(0) : input.size(1);
    const numDirections = this.bidirectional ? 2 : 1;
    return [this.num_layers * numDirections, miniBatch, this.proj_size > 0 ? this.proj_size : this.hidden_size];
  }

  /** @internal */
  protected checkHiddenSize(hx: Tensor, expected: number[], msg = 'Expected hidden size'): void {
    const got = hx.shape;
    if (got.length !== expected.length || got.some((s, i) => s !== expected[i])) {
      throw new RangeError(`${msg} ${sizeString(expected)}, got [${got.join(', ')}]`);
    }
  }

  /**
   * Validates the input's rank and adds the batch dimension to unbatched (2-D) input.
   * @internal
   */
  protected batchInput(input: Tensor): { input: Tensor; isBatched: boolean; batchDim: number } {
    requireTensor(input, 'input');
    const d = input.dim();
    const name = this.mode === 'LSTM' ? 'LSTM' : this.mode === 'GRU' ? 'GRU' : 'RNN';
    if (d !== 2 && d !== 3) throw new RangeError(`${name}: Expected input to be 2D or 3D, got ${d}D instead`);
    const batchDim = this.batch_first ? 0 : 1;
    const isBatched = d === 3;
    return { input: isBatched ? input : input.unsqueeze(batchDim), isBatched, batchDim };
  }

  /**
   * The flat weights, each checked to be a Tensor (a reassigned attribute may not be).
   * @internal
   */
  protected checkedFlatWeights(): Tensor[] {
    return this._flat_weights.map((w, i) => requireTensor(w, this._flat_weights_names[i]));
  }

  /**
   * The arguments after (input, hx) of aten::lstm.input & co.
   * @internal
   */
  protected fusedArgs(): [Tensor[], boolean, number, number, boolean, boolean, boolean] {
    return [this.checkedFlatWeights(), this.bias, this.num_layers, this.dropout, this.training, this.bidirectional, this.batch_first];
  }

  /** PyTorch's `extra_repr`: the non-default arguments, as `print(module)` shows them. */
  extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (this.proj_size !== 0) s += `, proj_size=${this.proj_size}`;
    if (this.num_layers !== 1) s += `, num_layers=${this.num_layers}`;
    if (this.bias !== true) s += `, bias=${pyStr(this.bias)}`;
    if (this.batch_first !== false) s += `, batch_first=${pyStr(this.batch_first)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional !== false) s += `, bidirectional=${pyStr(this.bidirectional)}`;
    return s;
  }
}

/** Single-hidden-state layers (RNN, GRU): forward(input, hx?) -> [output, h_n]. */
abstract class SingleStateRNN extends RNNBase {
  /** @internal */
  protected abstract fusedOp(): FusedSingleState;

  /**
   * Runs the layers over a (seq, batch, feature) input (batch first with `batch_first`, or an
   * unbatched (seq, feature) one) from `hx` (zeros when omitted); returns `[output, h_n]`, a tuple
   * in PyTorch.
   */
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const b = this.batchInput(input);
    let h: Tensor;
    if (hx == null) {
      const numDirections = this.bidirectional ? 2 : 1;
      const miniBatch = this.batch_first ? b.input.size(0) : b.input.size(1);
      h = zeros([this.num_layers * numDirections, miniBatch, this.hidden_size], { dtype: b.input.dtype, device: b.input.device });
    } else {
      requireTensor(hx, 'hx');
      if (!b.isBatched) {
        if (hx.dim() !== 2) throw new RangeError(`For unbatched 2-D input, hx should also be 2-D but got ${hx.dim()}-D tensor`);
        h = hx.unsqueeze(1);
      } else {
        if (hx.dim() !== 3) throw new RangeError(`For batched 3-D input, hx should also be 3-D but got ${hx.dim()}-D tensor`);
        h = hx;
      }
    }
    this.checkInput(b.input);
    this.checkHiddenSize(h, this.expectedHiddenSize(b.input));
    const [out, hn] = this.fusedOp()(b.input, h, ...this.fusedArgs());
    if (!b.isBatched) return [out.squeeze(b.batchDim), hn.squeeze(1)];
    return [out, hn];
  }
}

/**
 * A multi-layer Elman RNN with tanh or ReLU: `h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)`.
 *
 * `new nn.RNN(input_size, hidden_size, num_layers?, { nonlinearity, bias, batch_first, dropout,
 * bidirectional, device, dtype })`: PyTorch's keyword arguments go in the options object
 * ({@link RNNOptions}). `forward` returns `[output, h_n]`.
 *
 * @see [torch.nn.RNN](https://pytorch.org/docs/stable/generated/torch.nn.RNN.html)
 */
export class RNN extends SingleStateRNN {
  /** The activation, `'tanh'` or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';

  /** `input_size` and `hidden_size`, then PyTorch's positional arguments or an {@link RNNOptions}. */
  constructor(input_size: number, hidden_size: number, ...args: (PositionalArg | RNNOptions)[]) {
    const last = args[args.length - 1];
    let rest = args;
    let nonlinearity: unknown = 'tanh';
    if (typeof last === 'object' && last !== null) {
      const { nonlinearity: nl, ...others } = last as RNNOptions & { proj_size?: number };
      if ('proj_size' in others) throw new RangeError('proj_size argument is only supported for LSTM, not RNN or GRU');
      nonlinearity = nl ?? 'tanh';
      rest = [...args.slice(0, -1), others];
    }
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new RangeError(`Unknown nonlinearity '${String(nonlinearity)}'. Select from 'tanh' or 'relu'.`);
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', input_size, hidden_size, ...rest);
    this.nonlinearity = nonlinearity;
  }

  /** @internal */
  protected fusedOp(): FusedSingleState {
    return this.mode === 'RNN_TANH' ? torch.rnn_tanh : torch.rnn_relu;
  }
}

/**
 * A multi-layer gated recurrent unit (GRU) RNN.
 *
 * `new nn.GRU(input_size, hidden_size, num_layers?, { bias, batch_first, dropout, bidirectional,
 * device, dtype })`: PyTorch's keyword arguments go in the options object ({@link RNNBaseOptions}).
 * `forward` returns `[output, h_n]`.
 *
 * @see [torch.nn.GRU](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html)
 */
export class GRU extends SingleStateRNN {
  /** `input_size` and `hidden_size`, then PyTorch's positional arguments or an {@link RNNBaseOptions}. */
  constructor(input_size: number, hidden_size: number, ...args: (PositionalArg | RNNBaseOptions)[]) {
    const last = args[args.length - 1];
    if (typeof last === 'object' && last !== null && 'proj_size' in last) {
      throw new RangeError('proj_size argument is only supported for LSTM, not RNN or GRU');
    }
    super('GRU', input_size, hidden_size, ...args);
  }

  /** @internal */
  protected fusedOp(): FusedSingleState {
    return torch.gru;
  }
}

/**
 * A multi-layer long short-term memory (LSTM) RNN, optionally with projections (`proj_size`).
 *
 * `new nn.LSTM(input_size, hidden_size, num_layers?, { bias, batch_first, dropout, bidirectional,
 * proj_size, device, dtype })`: PyTorch's keyword arguments go in the options object
 * ({@link LSTMOptions}). `forward(input, [h_0, c_0]?)` returns `[output, [h_n, c_n]]`: arrays where
 * PyTorch has tuples.
 *
 * @see [torch.nn.LSTM](https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html)
 */
export class LSTM extends RNNBase {
  /** `input_size` and `hidden_size`, then PyTorch's positional arguments or an {@link LSTMOptions}. */
  constructor(input_size: number, hidden_size: number, ...args: (PositionalArg | LSTMOptions)[]) {
    super('LSTM', input_size, hidden_size, ...args);
  }

  /**
   * Runs the layers over a (seq, batch, feature) input (batch first with `batch_first`, or an
   * unbatched (seq, feature) one) from `[h_0, c_0]` (zeros when omitted); returns
   * `[output, [h_n, c_n]]`.
   */
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const b = this.batchInput(input);
    let h: Tensor;
    let c: Tensor;
    if (hx == null) {
      const numDirections = this.bidirectional ? 2 : 1;
      const miniBatch = this.batch_first ? b.input.size(0) : b.input.size(1);
      const opts = { dtype: b.input.dtype, device: b.input.device };
      const realHidden = this.proj_size > 0 ? this.proj_size : this.hidden_size;
      h = zeros([this.num_layers * numDirections, miniBatch, realHidden], opts);
      c = zeros([this.num_layers * numDirections, miniBatch, this.hidden_size], opts);
    } else {
      if (!Array.isArray(hx) || hx.length !== 2) throw new TypeError(`LSTM: hx must be an array [h_0, c_0], got ${describe(hx)}`);
      requireTensor(hx[0], 'hx[0]');
      requireTensor(hx[1], 'hx[1]');
      [h, c] = hx;
      if (b.isBatched) {
        if (h.dim() !== 3 || c.dim() !== 3) {
          throw new RangeError(`For batched 3-D input, hx and cx should also be 3-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
        }
      } else {
        if (h.dim() !== 2 || c.dim() !== 2) {
          throw new RangeError(`For unbatched 2-D input, hx and cx should also be 2-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
        }
        h = h.unsqueeze(1);
        c = c.unsqueeze(1);
      }
    }
    this.checkInput(b.input);
    const expectedH = this.expectedHiddenSize(b.input);
    this.checkHiddenSize(h, expectedH, 'Expected hidden[0] size');
    this.checkHiddenSize(c, [expectedH[0], expectedH[1], this.hidden_size], 'Expected hidden[1] size');
    const [out, hn, cn] = torch.lstm(b.input, [h, c], ...this.fusedArgs());
    if (!b.isBatched) return [out.squeeze(b.batchDim), [hn.squeeze(1), cn.squeeze(1)]];
    return [out, [hn, cn]];
  }
}

// ---- cells --------------------------------------------------------------------------------------

/** The keyword arguments of `nn.RNNCell`, `nn.LSTMCell` and `nn.GRUCell`, as in PyTorch. */
export interface RNNCellOptions extends FactoryOptions {
  /** Whether the cell has the biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
}

const CELL_ARG_NAMES = ['bias', 'device', 'dtype'] as const;

/**
 * The base of `nn.RNNCell`, `nn.LSTMCell` and `nn.GRUCell`: one time step, with the weights
 * `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` under PyTorch's names.
 */
export class RNNCellBase extends Module {
  /** Number of features of the input. */
  readonly input_size: number;
  /** Number of features of the hidden state. */
  readonly hidden_size: number;
  /** Whether the cell has biases. */
  readonly bias: boolean;
  // Declared in PyTorch's registration order: the walk of own properties follows it.
  /** Input-hidden weights, (gates * hidden_size, input_size). */
  weight_ih: Parameter;
  /** Hidden-hidden weights, (gates * hidden_size, hidden_size). */
  weight_hh: Parameter;
  /** Input-hidden bias, or null without biases. */
  bias_ih: Parameter | null;
  /** Hidden-hidden bias, or null without biases. */
  bias_hh: Parameter | null;

  /** Called by the subclasses with their name and gate count. */
  constructor(name: string, input_size: number, hidden_size: number, numChunks: number, args: unknown[]) {
    super();
    const [bias, device, dtype] = params(name, args, CELL_ARG_NAMES);
    this.input_size = checkInteger('input_size', input_size, 1);
    this.hidden_size = checkInteger('hidden_size', hidden_size, 1);
    this.bias = (bias ?? true) as boolean;
    const factory = { device, dtype } as FactoryOptions;
    this.weight_ih = newParameter([numChunks * hidden_size, input_size], factory);
    this.weight_hh = newParameter([numChunks * hidden_size, hidden_size], factory);
    this.bias_ih = this.bias ? newParameter([numChunks * hidden_size], factory) : null;
    this.bias_hh = this.bias ? newParameter([numChunks * hidden_size], factory) : null;
    this.reset_parameters();
  }

  /** Re-draws every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch. */
  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1.0 / Math.sqrt(this.hidden_size) : 0;
    for (const weight of this.parameters()) init.uniform_(weight, -stdv, stdv);
  }

  /**
   * Checks the rank (1-D or 2-D) and adds the batch dimension to unbatched input.
   * @internal
   */
  protected batchInput(name: string, input: Tensor): { input: Tensor; isBatched: boolean } {
    requireTensor(input, 'input');
    if (input.dim() !== 1 && input.dim() !== 2) {
      throw new RangeError(`${name}: Expected input to be 1-D or 2-D but received ${input.dim()}-D tensor`);
    }
    const isBatched = input.dim() === 2;
    return { input: isBatched ? input : input.unsqueeze(0), isBatched };
  }

  /** @internal */
  protected zerosState(input: Tensor): Tensor {
    return zeros([input.size(0), this.hidden_size], { dtype: input.dtype, device: input.device });
  }

  /**
   * The arguments after (input, hx) of aten::lstm_cell & co.
   * @internal
   */
  protected weightArgs(): [Tensor, Tensor, Tensor | null, Tensor | null] {
    return [this.weight_ih, this.weight_hh, this.bias_ih ?? null, this.bias_hh ?? null];
  }

  /** PyTorch's `extra_repr`: the non-default arguments, as `print(module)` shows them. */
  extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (this.bias !== true) s += `, bias=${pyStr(this.bias)}`;
    const nl = (this as { nonlinearity?: string }).nonlinearity;
    if (nl !== undefined && nl !== 'tanh') s += `, nonlinearity=${nl}`;
    return s;
  }
}

/**
 * An Elman RNN cell with tanh or ReLU: `h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`.
 *
 * `new nn.RNNCell(input_size, hidden_size, bias?, nonlinearity?)` or with `{ bias, nonlinearity,
 * device, dtype }` as PyTorch's keyword arguments. `forward(input, hx?)` returns `h'`.
 *
 * @see [torch.nn.RNNCell](https://pytorch.org/docs/stable/generated/torch.nn.RNNCell.html)
 */
export class RNNCell extends RNNCellBase {
  /** The activation, `'tanh'` or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';

  /** `input_size` and `hidden_size`, then `bias` and `nonlinearity` positionally or in an options object. */
  constructor(input_size: number, hidden_size: number, ...args: (boolean | 'tanh' | 'relu' | (RNNCellOptions & { nonlinearity?: 'tanh' | 'relu' }))[]) {
    const last = args[args.length - 1];
    let rest: unknown[] = args;
    let nonlinearity: unknown = 'tanh';
    if (typeof last === 'object' && last !== null) {
      const { nonlinearity: nl, ...others } = last;
      nonlinearity = nl ?? 'tanh';
      rest = [...args.slice(0, -1), others];
    } else if (typeof args[1] === 'string') {
      nonlinearity = args[1]; // RNNCell(10, 20, true, 'relu'), as PyTorch allows positionally
      rest = args.slice(0, 1);
    }
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new RangeError(`Unknown nonlinearity: ${String(nonlinearity)}`);
    super('RNNCell', input_size, hidden_size, 1, rest);
    this.nonlinearity = nonlinearity;
  }

  /** One step from `input` (batch, input_size) or (input_size) and `hx` (zeros when omitted): returns `h'`. */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const b = this.batchInput('RNNCell', input);
    const h = hx == null ? this.zerosState(b.input) : b.isBatched ? hx : hx.unsqueeze(0);
    const cell: SingleStateCell = this.nonlinearity === 'tanh' ? torch.rnn_tanh_cell : torch.rnn_relu_cell;
    const ret = cell(b.input, requireTensor(h, 'hx'), ...this.weightArgs());
    return b.isBatched ? ret : ret.squeeze(0);
  }
}

/**
 * A long short-term memory (LSTM) cell.
 *
 * `new nn.LSTMCell(input_size, hidden_size, bias?)` or with `{ bias, device, dtype }` as PyTorch's
 * keyword arguments ({@link RNNCellOptions}). `forward(input, [h, c]?)` returns `[h', c']`, an array
 * where PyTorch has a tuple.
 *
 * @see [torch.nn.LSTMCell](https://pytorch.org/docs/stable/generated/torch.nn.LSTMCell.html)
 */
export class LSTMCell extends RNNCellBase {
  /** `input_size` and `hidden_size`, then `bias` positionally or an {@link RNNCellOptions}. */
  constructor(input_size: number, hidden_size: number, ...args: (boolean | RNNCellOptions)[]) {
    super('LSTMCell', input_size, hidden_size, 4, args);
  }

  /** One step from `input` and `[h, c]` (zeros when omitted): returns `[h', c']`. */
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const b = this.batchInput('LSTMCell', input);
    let state: Tensor[];
    if (hx == null) {
      const z = this.zerosState(b.input);
      state = [z, z];
    } else {
      if (!Array.isArray(hx) || hx.length !== 2) throw new TypeError(`LSTMCell: hx must be an array [h, c], got ${describe(hx)}`);
      state = b.isBatched ? hx : [hx[0].unsqueeze(0), hx[1].unsqueeze(0)];
    }
    const hs = state.map((t, i) => requireTensor(t, `hx[${i}]`));
    const [h, c] = torch.lstm_cell(b.input, hs, ...this.weightArgs());
    return b.isBatched ? [h, c] : [h.squeeze(0), c.squeeze(0)];
  }
}

/**
 * A gated recurrent unit (GRU) cell.
 *
 * `new nn.GRUCell(input_size, hidden_size, bias?)` or with `{ bias, device, dtype }` as PyTorch's
 * keyword arguments ({@link RNNCellOptions}). `forward(input, hx?)` returns `h'`.
 *
 * @see [torch.nn.GRUCell](https://pytorch.org/docs/stable/generated/torch.nn.GRUCell.html)
 */
export class GRUCell extends RNNCellBase {
  /** `input_size` and `hidden_size`, then `bias` positionally or an {@link RNNCellOptions}. */
  constructor(input_size: number, hidden_size: number, ...args: (boolean | RNNCellOptions)[]) {
    super('GRUCell', input_size, hidden_size, 3, args);
  }

  /** One step from `input` and `hx` (zeros when omitted): returns `h'`. */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const b = this.batchInput('GRUCell', input);
    const h = hx == null ? this.zerosState(b.input) : b.isBatched ? hx : hx.unsqueeze(0);
    const ret = torch.gru_cell(b.input, requireTensor(h, 'hx'), ...this.weightArgs());
    return b.isBatched ? ret : ret.squeeze(0);
  }
}
