// nn.TransformerEncoderLayer, nn.TransformerEncoder, nn.TransformerDecoderLayer,
// nn.TransformerDecoder and nn.Transformer, after torch/nn/modules/transformer.py: the same
// submodules in the same order (so state_dict keys and seeded weights equal PyTorch's) and the
// reference ("slow path") computation, which is what PyTorch runs whenever autograd is on.
import { Tensor } from '../../tensor';
import { requireTensor } from '../functional/check';
import { params } from '../../args';
import { bool as BOOL } from '../../dtype';
import { triu } from '../../functions';
import { full } from '../../creation';
import { DeviceLike } from '../../device';
import { Module } from '../module';
import { ModuleList } from '../container';
import { deepcopy } from '../deepcopy';
import * as init from '../init';
import { relu, gelu } from '../functional/layers';
import { MultiheadAttention } from './attention';
import { Linear } from './linear';
import { LayerNorm } from './normalization';
import { Dropout } from './dropout';
import { FactoryOptions } from './utils';

export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

function activationFn(activation: TransformerActivation): (x: Tensor) => Tensor {
  if (activation === 'relu') return (x) => relu(x);
  if (activation === 'gelu') return (x) => gelu(x);
  if (typeof activation === 'function') return activation;
  if (activation instanceof Module) return (x) => activation.forward(x);
  throw new Error(`activation should be relu/gelu, not ${String(activation)}`);
}

function checkPaddingMaskDtype(mask: unknown, name: string): void {
  if (mask == null) return;
  requireTensor(mask, name);
  const m = mask as Tensor;
  if (m.dtype !== BOOL && !m.is_floating_point()) throw new Error('only bool and floating types of key_padding_mask are supported');
}

export interface TransformerLayerOptions extends FactoryOptions {
  dim_feedforward?: number;
  dropout?: number;
  activation?: TransformerActivation;
  layer_norm_eps?: number;
  batch_first?: boolean;
  norm_first?: boolean;
}

const LAYER_ARG_NAMES = ['dim_feedforward', 'dropout', 'activation', 'layer_norm_eps', 'batch_first', 'norm_first', 'device', 'dtype'] as const;
type LayerArg = number | boolean | string | ((x: Tensor) => Tensor) | TransformerLayerOptions;

interface LayerConfig {
  dim_feedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layer_norm_eps: number;
  batch_first: boolean;
  norm_first: boolean;
  factory: FactoryOptions;
}

function layerConfig(name: string, args: LayerArg[]): LayerConfig {
  const [dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, device, dtype] = params(name, args, LAYER_ARG_NAMES);
  return {
    dim_feedforward: (dim_feedforward ?? 2048) as number,
    dropout: (dropout ?? 0.1) as number,
    activation: (activation ?? 'relu') as TransformerActivation,
    layer_norm_eps: (layer_norm_eps ?? 1e-5) as number,
    batch_first: (batch_first ?? false) as boolean,
    norm_first: (norm_first ?? false) as boolean,
    factory: { device: device as DeviceLike | undefined, dtype } as FactoryOptions,
  };
}

// ---- encoder ------------------------------------------------------------------------------------

export interface EncoderLayerForwardOptions {
  src_mask?: Tensor | null;
  src_key_padding_mask?: Tensor | null;
}

/**
 * new nn.TransformerEncoderLayer(d_model, nhead, { dim_feedforward = 2048, dropout = 0.1,
 * activation = 'relu', layer_norm_eps = 1e-5, batch_first = false, norm_first = false }).
 */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm_first: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  /** A Module activation is a registered child, as in PyTorch; 'relu'/'gelu'/functions are not. */
  activation: TransformerActivation;

  constructor(d_model: number, nhead: number, ...args: LayerArg[]) {
    super();
    const c = layerConfig('TransformerEncoderLayer', args);
    this.self_attn = new MultiheadAttention(d_model, nhead, { dropout: c.dropout, batch_first: c.batch_first, ...c.factory });
    this.linear1 = new Linear(d_model, c.dim_feedforward, c.factory);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dim_feedforward, d_model, c.factory);
    this.norm_first = c.norm_first;
    this.norm1 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...c.factory });
    this.norm2 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...c.factory });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    activationFn(c.activation); // validates it now, as PyTorch's constructor does
    this.activation = c.activation;
  }

  /** forward(src, { src_mask, src_key_padding_mask }) or forward(src, src_mask?, src_key_padding_mask?) */
  forward(src: Tensor, ...args: (Tensor | null | undefined | EncoderLayerForwardOptions)[]): Tensor {
    const [src_mask, src_key_padding_mask] = params('forward', args, ['src_mask', 'src_key_padding_mask']) as (Tensor | null | undefined)[];
    requireTensor(src, 'src');
    checkPaddingMaskDtype(src_key_padding_mask, 'src_key_padding_mask');
    let x = src;
    if (this.norm_first) {
      x = x.add(this._sa_block(this.norm1.forward(x), src_mask, src_key_padding_mask));
      x = x.add(this._ff_block(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this._sa_block(x, src_mask, src_key_padding_mask)));
      x = this.norm2.forward(x.add(this._ff_block(x)));
    }
    return x;
  }

  _sa_block(x: Tensor, attn_mask?: Tensor | null, key_padding_mask?: Tensor | null): Tensor {
    const [out] = this.self_attn.forward(x, x, x, { attn_mask, key_padding_mask, need_weights: false });
    return this.dropout1.forward(out);
  }

  _ff_block(x: Tensor): Tensor {
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(activationFn(this.activation)(this.linear1.forward(x)))));
  }
}

export interface TransformerEncoderOptions {
  norm?: Module | null;
  enable_nested_tensor?: boolean;
  mask_check?: boolean;
}

export interface EncoderForwardOptions {
  mask?: Tensor | null;
  src_key_padding_mask?: Tensor | null;
}

/**
 * new nn.TransformerEncoder(encoder_layer, num_layers, { norm }): num_layers deep copies of
 * encoder_layer (all starting from its weights, as copy.deepcopy gives), then the optional norm.
 */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  num_layers: number;
  norm: Module | null;
  enable_nested_tensor: boolean;
  mask_check: boolean;

  constructor(encoder_layer: Module, num_layers: number, ...args: (Module | boolean | null | TransformerEncoderOptions)[]) {
    super();
    const [norm, enable_nested_tensor, mask_check] = moduleArgs('TransformerEncoder', args, ['norm', 'enable_nested_tensor', 'mask_check']);
    this.layers = _get_clones(encoder_layer, num_layers);
    this.num_layers = num_layers;
    this.norm = (norm ?? null) as Module | null;
    // Kept for parity of attributes; the nested-tensor fast path is an inference optimisation
    // PyTorch skips whenever autograd is recording, and torchnode always takes the reference path.
    this.enable_nested_tensor = (enable_nested_tensor ?? true) as boolean;
    this.mask_check = (mask_check ?? true) as boolean;
  }

  /** forward(src, { mask, src_key_padding_mask }) or forward(src, mask?, src_key_padding_mask?) */
  forward(src: Tensor, ...args: (Tensor | null | undefined | EncoderForwardOptions)[]): Tensor {
    const [mask, src_key_padding_mask] = params('forward', args, ['mask', 'src_key_padding_mask']) as (Tensor | null | undefined)[];
    checkPaddingMaskDtype(src_key_padding_mask, 'src_key_padding_mask');
    let output = src;
    for (const mod of this.layers) output = mod.forward(output, { src_mask: mask, src_key_padding_mask });
    if (this.norm !== null) output = this.norm.forward(output);
    return output;
  }
}

// ---- decoder ------------------------------------------------------------------------------------

export interface DecoderForwardOptions {
  tgt_mask?: Tensor | null;
  memory_mask?: Tensor | null;
  tgt_key_padding_mask?: Tensor | null;
  memory_key_padding_mask?: Tensor | null;
}

const DECODER_FORWARD_NAMES = ['tgt_mask', 'memory_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask'] as const;
type DecoderForwardArg = Tensor | null | undefined | DecoderForwardOptions;

/**
 * new nn.TransformerDecoderLayer(d_model, nhead, { dim_feedforward = 2048, dropout = 0.1,
 * activation = 'relu', layer_norm_eps = 1e-5, batch_first = false, norm_first = false }).
 */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm_first: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: TransformerActivation;

  constructor(d_model: number, nhead: number, ...args: LayerArg[]) {
    super();
    const c = layerConfig('TransformerDecoderLayer', args);
    const mha = { dropout: c.dropout, batch_first: c.batch_first, ...c.factory };
    this.self_attn = new MultiheadAttention(d_model, nhead, mha);
    this.multihead_attn = new MultiheadAttention(d_model, nhead, mha);
    this.linear1 = new Linear(d_model, c.dim_feedforward, c.factory);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dim_feedforward, d_model, c.factory);
    this.norm_first = c.norm_first;
    this.norm1 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...c.factory });
    this.norm2 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...c.factory });
    this.norm3 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...c.factory });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.dropout3 = new Dropout(c.dropout);
    activationFn(c.activation); // validates it now, as PyTorch's constructor does
    this.activation = c.activation;
  }

  /** forward(tgt, memory, { tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask }) */
  forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArg[]): Tensor {
    const [tgt_mask, memory_mask, tgt_kpm, memory_kpm] = params('forward', args, DECODER_FORWARD_NAMES) as (Tensor | null | undefined)[];
    requireTensor(tgt, 'tgt');
    requireTensor(memory, 'memory');
    let x = tgt;
    if (this.norm_first) {
      x = x.add(this._sa_block(this.norm1.forward(x), tgt_mask, tgt_kpm));
      x = x.add(this._mha_block(this.norm2.forward(x), memory, memory_mask, memory_kpm));
      x = x.add(this._ff_block(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this._sa_block(x, tgt_mask, tgt_kpm)));
      x = this.norm2.forward(x.add(this._mha_block(x, memory, memory_mask, memory_kpm)));
      x = this.norm3.forward(x.add(this._ff_block(x)));
    }
    return x;
  }

  _sa_block(x: Tensor, attn_mask?: Tensor | null, key_padding_mask?: Tensor | null): Tensor {
    const [out] = this.self_attn.forward(x, x, x, { attn_mask, key_padding_mask, need_weights: false });
    return this.dropout1.forward(out);
  }

  _mha_block(x: Tensor, mem: Tensor, attn_mask?: Tensor | null, key_padding_mask?: Tensor | null): Tensor {
    const [out] = this.multihead_attn.forward(x, mem, mem, { attn_mask, key_padding_mask, need_weights: false });
    return this.dropout2.forward(out);
  }

  _ff_block(x: Tensor): Tensor {
    return this.dropout3.forward(this.linear2.forward(this.dropout.forward(activationFn(this.activation)(this.linear1.forward(x)))));
  }
}

/** new nn.TransformerDecoder(decoder_layer, num_layers, { norm }): deep copies, as TransformerEncoder. */
export class TransformerDecoder extends Module {
  layers: ModuleList;
  num_layers: number;
  norm: Module | null;

  constructor(decoder_layer: Module, num_layers: number, ...args: (Module | null | { norm?: Module | null })[]) {
    super();
    const [norm] = moduleArgs('TransformerDecoder', args, ['norm']);
    this.layers = _get_clones(decoder_layer, num_layers);
    this.num_layers = num_layers;
    this.norm = (norm ?? null) as Module | null;
  }

  forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArg[]): Tensor {
    const [tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask] = params('forward', args, DECODER_FORWARD_NAMES);
    const opts = { tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask } as DecoderForwardOptions;
    let output = tgt;
    for (const mod of this.layers) output = mod.forward(output, memory, opts);
    if (this.norm !== null) output = this.norm.forward(output);
    return output;
  }
}

// ---- full model ---------------------------------------------------------------------------------

export interface TransformerOptions extends TransformerLayerOptions {
  d_model?: number;
  nhead?: number;
  num_encoder_layers?: number;
  num_decoder_layers?: number;
  custom_encoder?: Module | null;
  custom_decoder?: Module | null;
}

export interface TransformerForwardOptions {
  src_mask?: Tensor | null;
  tgt_mask?: Tensor | null;
  memory_mask?: Tensor | null;
  src_key_padding_mask?: Tensor | null;
  tgt_key_padding_mask?: Tensor | null;
  memory_key_padding_mask?: Tensor | null;
}

/** new nn.Transformer({ d_model = 512, nhead = 8, num_encoder_layers = 6, num_decoder_layers = 6, ... }) */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  d_model: number;
  nhead: number;
  batch_first: boolean;

  constructor(options: TransformerOptions = {}) {
    super();
    const { d_model = 512, nhead = 8, num_encoder_layers = 6, num_decoder_layers = 6, custom_encoder, custom_decoder, ...layerOptions } = options;
    const eps = layerOptions.layer_norm_eps ?? 1e-5;
    const factory = { device: layerOptions.device, dtype: layerOptions.dtype } as FactoryOptions;
    if (custom_encoder) this.encoder = custom_encoder;
    else {
      const layer = new TransformerEncoderLayer(d_model, nhead, layerOptions);
      this.encoder = new TransformerEncoder(layer, num_encoder_layers, { norm: new LayerNorm(d_model, { eps, ...factory }) });
    }
    if (custom_decoder) this.decoder = custom_decoder;
    else {
      const layer = new TransformerDecoderLayer(d_model, nhead, layerOptions);
      this.decoder = new TransformerDecoder(layer, num_decoder_layers, { norm: new LayerNorm(d_model, { eps, ...factory }) });
    }
    this.d_model = d_model;
    this.nhead = nhead;
    this.batch_first = layerOptions.batch_first ?? false;
    this._reset_parameters();
  }

  /** forward(src, tgt, { src_mask, tgt_mask, memory_mask, *_key_padding_mask }), or those positionally. */
  forward(src: Tensor, tgt: Tensor, ...args: (Tensor | null | undefined | TransformerForwardOptions)[]): Tensor {
    const [src_mask, tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask] = params('forward', args, [
      'src_mask', 'tgt_mask', 'memory_mask', 'src_key_padding_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask',
    ]) as (Tensor | null | undefined)[];
    const options = { src_mask, tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask };
    requireTensor(src, 'src');
    requireTensor(tgt, 'tgt');
    const isBatched = src.dim() === 3;
    const batchDim = this.batch_first ? 0 : 1;
    if (isBatched && src.size(batchDim) !== tgt.size(batchDim)) throw new Error('the batch number of src and tgt must be equal');
    if (src.size(-1) !== this.d_model || tgt.size(-1) !== this.d_model) {
      throw new Error('the feature number of src and tgt must be equal to d_model');
    }
    const memory = this.encoder.forward(src, { mask: options.src_mask, src_key_padding_mask: options.src_key_padding_mask });
    return this.decoder.forward(tgt, memory, {
      tgt_mask: options.tgt_mask,
      memory_mask: options.memory_mask,
      tgt_key_padding_mask: options.tgt_key_padding_mask,
      memory_key_padding_mask: options.memory_key_padding_mask,
    });
  }

  /** An (sz, sz) float mask with -inf above the diagonal: position i may attend to j <= i. */
  static generate_square_subsequent_mask(sz: number, device: DeviceLike = 'cpu'): Tensor {
    return triu(full([sz, sz], -Infinity, { device }), 1);
  }

  _reset_parameters(): void {
    for (const p of this.parameters()) if (p.dim() > 1) init.xavier_uniform_(p);
  }
}

// ---- cloning ------------------------------------------------------------------------------------

/** Positional or keyword (trailing { ... }) arguments where a positional one may itself be a Module. */
function moduleArgs(name: string, args: unknown[], names: string[]): unknown[] {
  const last = args[args.length - 1];
  if (last instanceof Module) return params(name, [...args, {}], names);
  return params(name, args, names);
}

function _get_clones(module: Module, n: number): ModuleList {
  if (!(module instanceof Module)) throw new TypeError(`expected a Module to clone, got ${module === null ? 'null' : typeof module}`);
  return new ModuleList(Array.from({ length: n }, () => deepcopy(module)));
}
