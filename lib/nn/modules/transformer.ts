// nn.TransformerEncoderLayer, nn.TransformerEncoder, nn.TransformerDecoderLayer,
// nn.TransformerDecoder and nn.Transformer, after torch/nn/modules/transformer.py: the same
// submodules in the same order (so state_dict keys and seeded weights equal PyTorch's) and the
// reference ("slow path") computation, which is what PyTorch runs whenever autograd is on.
import { Tensor } from '../../tensor';
import { requireTensor } from '../functional/check';
import { params } from '../../args';
import { DType, bool as BOOL } from '../../dtype';
import { isPytorch2 } from '../../pytorch_version';
import { triu } from '../../functions';
import { full } from '../../creation';
import { DeviceLike } from '../../device';
import { Module } from '../module';
import { ModuleList } from '../container';
import { deepcopy } from '../deepcopy';
import * as init from '../init';
import { relu, gelu } from '../functional/layers';
import { _canonical_mask } from '../functional/attention';
import { MultiheadAttention } from './attention';
import { Linear } from './linear';
import { LayerNorm, type LayerNormOptions } from './normalization';
import { ReLU, GELU } from './activation';
import { warn } from '../../warnings';
import { Dropout } from './dropout';
import { FactoryOptions } from './utils';

/**
 * The feed-forward activation of the transformer layers: `'relu'`, `'gelu'`, a function of a
 * Tensor, or a Module (which is then registered as a child, as in PyTorch).
 */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

function activationFn(activation: TransformerActivation): (x: Tensor) => Tensor {
  if (activation === 'relu') return (x) => relu(x);
  if (activation === 'gelu') return (x) => gelu(x);
  if (typeof activation === 'function') return activation;
  if (activation instanceof Module) return (x) => activation.forward(x) as Tensor;
  throw new Error(`activation should be relu/gelu, not ${String(activation)}`);
}

/** PyTorch's `activation_relu_or_gelu` stash: 1 for F.relu or a ReLU, 2 for F.gelu or a GELU, else 0. */
function reluOrGelu(activation: TransformerActivation): 0 | 1 | 2 {
  if (activation === 'relu' || activation === relu || activation instanceof ReLU) return 1;
  if (activation === 'gelu' || activation === gelu || activation instanceof GELU) return 2;
  return 0;
}

function checkPaddingMaskDtype(mask: unknown, name: string): void {
  if (mask == null) return;
  requireTensor(mask, name);
  const m = mask as Tensor;
  if (m.dtype !== BOOL && !m.is_floating_point()) throw new Error('only bool and floating types of key_padding_mask are supported');
}

/**
 * The encoder's and encoder layer's masks as their PyTorch passes them on: on 2.x both are made
 * additive float masks of the input's dtype (which the causal-mask detection then sees); 1.13
 * passes them as given, only checking the padding mask's dtype.
 */
function encoderMasks(src: Tensor, mask: Tensor | null | undefined, maskName: string, kpm: Tensor | null | undefined): [Tensor | null, Tensor | null] {
  if (!isPytorch2) {
    checkPaddingMaskDtype(kpm, 'src_key_padding_mask');
    return [mask ?? null, kpm ?? null];
  }
  if (mask != null) requireTensor(mask, maskName);
  if (kpm != null) requireTensor(kpm, 'src_key_padding_mask');
  return [_canonical_mask(mask, maskName, src.dtype), _canonical_mask(kpm, 'src_key_padding_mask', src.dtype, mask?.dtype ?? null, maskName)];
}

/** PyTorch's _generate_square_subsequent_mask: -inf (True for bool) above the diagonal, 0 elsewhere. */
function _generate_square_subsequent_mask(sz: number, device: DeviceLike, dtype?: DType): Tensor {
  return triu(full([sz, sz], -Infinity, { device, dtype }), 1);
}

/** PyTorch's _get_seq_len: the sequence length of a (S, E), (S, N, E) or, batch first, (N, S, E) input. */
function _get_seq_len(src: Tensor, batch_first: boolean): number {
  return src.dim() === 2 ? src.size(0) : src.size(batch_first ? 1 : 0);
}

/**
 * PyTorch 2.x's _detect_is_causal_mask: an explicit hint as given; without one (null or
 * undefined), whether `mask` equals the (size, size) causal mask of its own dtype (so a boolean
 * one is recognised as well as the float one). A mask of another shape (a 3-D per-head mask) is
 * never taken for causal.
 */
function _detect_is_causal_mask(mask: Tensor | null | undefined, is_causal: boolean | null | undefined, size?: number): boolean {
  if (is_causal != null || mask == null) return is_causal === true;
  const sz = size ?? mask.size(-2);
  const causal = _generate_square_subsequent_mask(sz, mask.device, mask.dtype);
  const sameShape = mask.dim() === 2 && mask.size(0) === sz && mask.size(1) === sz;
  return sameShape && mask.eq(causal).all().item() === true;
}

/**
 * The sequence length of a stack's input `x`, by its first layer's self-attention layout; undefined
 * for a first layer without a MultiheadAttention self_attn, which leaves it to the mask's own size.
 */
function stackSeqLen(layers: ModuleList, x: Tensor): number | undefined {
  const [first] = layers;
  const attn = (first as { self_attn?: unknown } | undefined)?.self_attn;
  return attn instanceof MultiheadAttention ? _get_seq_len(x, attn.batch_first) : undefined;
}

/**
 * The keyword arguments of `nn.TransformerEncoderLayer` and `nn.TransformerDecoderLayer`, as in
 * PyTorch; each may also be given positionally after `(d_model, nhead)`, in PyTorch's order.
 */
export interface TransformerLayerOptions extends FactoryOptions {
  /** Width of the feed-forward network (default 2048). */
  dim_feedforward?: number;
  /** Dropout probability (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default `'relu'`). */
  activation?: TransformerActivation;
  /** The `eps` of the layer norms (default 1e-5). */
  layer_norm_eps?: number;
  /** Input and output as (batch, seq, feature) (default false: (seq, batch, feature)). */
  batch_first?: boolean;
  /** Apply the layer norms before attention and feed-forward, not after (default false). */
  norm_first?: boolean;
  /**
   * PyTorch 2.x's keyword: false drops the additive bias of every Linear, LayerNorm and attention
   * projection (default true).
   */
  bias?: boolean;
}

// PyTorch 2.x's positional order, where `bias` comes after `norm_first` (as LayerNorm's does).
const LAYER_ARG_NAMES = ['dim_feedforward', 'dropout', 'activation', 'layer_norm_eps', 'batch_first', 'norm_first', 'bias', 'device', 'dtype'] as const;
type LayerArg = number | boolean | string | ((x: Tensor) => Tensor) | TransformerLayerOptions;

interface LayerConfig {
  dim_feedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layer_norm_eps: number;
  batch_first: boolean;
  norm_first: boolean;
  bias: boolean;
  factory: FactoryOptions;
}

function layerConfig(name: string, args: LayerArg[]): LayerConfig {
  const [dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias, device, dtype] = params(name, args, LAYER_ARG_NAMES);
  return {
    dim_feedforward: (dim_feedforward ?? 2048) as number,
    dropout: (dropout ?? 0.1) as number,
    activation: (activation ?? 'relu') as TransformerActivation,
    layer_norm_eps: (layer_norm_eps ?? 1e-5) as number,
    batch_first: (batch_first ?? false) as boolean,
    norm_first: (norm_first ?? false) as boolean,
    bias: (bias ?? true) as boolean,
    factory: { device: device as DeviceLike | undefined, dtype } as FactoryOptions,
  };
}

// ---- encoder ------------------------------------------------------------------------------------

/** The keyword arguments of `TransformerEncoderLayer.forward`. */
export interface EncoderLayerForwardOptions {
  /** An attention mask over the source sequence (additive float or boolean). */
  src_mask?: Tensor | null;
  /** A (batch, seq) mask of keys to ignore: true or -inf marks padding. */
  src_key_padding_mask?: Tensor | null;
  /**
   * Hint that `src_mask` is the causal mask, which must still be given (default false); see
   * `MultiheadAttention.forward`'s `is_causal`.
   */
  is_causal?: boolean;
}

/**
 * One encoder layer: self-attention then a feed-forward network, each with a residual connection
 * and layer norm (post-norm, or pre-norm with `norm_first`).
 *
 * `new nn.TransformerEncoderLayer(d_model, nhead, { dim_feedforward, dropout, activation,
 * layer_norm_eps, batch_first, norm_first, bias, device, dtype })`: PyTorch's keyword arguments in the
 * options object ({@link TransformerLayerOptions}). Always takes PyTorch's reference path (the one
 * it runs with autograd on); there is no fused inference fast path.
 *
 * @see [torch.nn.TransformerEncoderLayer](https://pytorch.org/docs/stable/generated/torch.nn.TransformerEncoderLayer.html)
 */
export class TransformerEncoderLayer extends Module {
  /** The self-attention block. */
  self_attn: MultiheadAttention;
  /** First feed-forward projection, d_model to dim_feedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** Second feed-forward projection, dim_feedforward to d_model. */
  linear2: Linear;
  /** Whether the norms come before the blocks. */
  norm_first: boolean;
  /** Norm of the self-attention block. */
  norm1: LayerNorm;
  /** Norm of the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout after self-attention. */
  dropout1: Dropout;
  /** Dropout after the feed-forward block. */
  dropout2: Dropout;
  /**
   * The feed-forward activation; a Module one is a registered child, as in PyTorch; `'relu'`,
   * `'gelu'` and functions are not.
   */
  activation: TransformerActivation;
  /** As in PyTorch: 1 when the activation is ReLU, 2 when it is GELU, 0 otherwise. */
  activation_relu_or_gelu: 0 | 1 | 2;

  /**
   * `d_model` (feature size) and `nhead` (attention heads), then PyTorch's positional arguments or a
   * {@link TransformerLayerOptions}.
   */
  constructor(d_model: number, nhead: number, ...args: LayerArg[]) {
    super();
    const c = layerConfig('TransformerEncoderLayer', args);
    const withBias = { bias: c.bias, ...c.factory };
    this.self_attn = new MultiheadAttention(d_model, nhead, { dropout: c.dropout, batch_first: c.batch_first, ...withBias });
    this.linear1 = new Linear(d_model, c.dim_feedforward, withBias);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dim_feedforward, d_model, withBias);
    this.norm_first = c.norm_first;
    this.norm1 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...withBias });
    this.norm2 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...withBias });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    activationFn(c.activation); // validates it now, as PyTorch's constructor does
    this.activation = c.activation;
    this.activation_relu_or_gelu = reluOrGelu(c.activation);
  }

  /**
   * Encodes `src`; `src_mask`, `src_key_padding_mask` and `is_causal` are given as a
   * {@link EncoderLayerForwardOptions} or positionally in that order.
   */
  forward(src: Tensor, ...args: (Tensor | boolean | null | undefined | EncoderLayerForwardOptions)[]): Tensor {
    const [mask, kpm, is_causal] = params('forward', args, ['src_mask', 'src_key_padding_mask', 'is_causal']);
    requireTensor(src, 'src');
    const [src_mask, src_key_padding_mask] = encoderMasks(src, mask as Tensor | null | undefined, 'src_mask', kpm as Tensor | null | undefined);
    const causal = (is_causal ?? false) as boolean;
    let x = src;
    if (this.norm_first) {
      x = x.add(this._sa_block(this.norm1.forward(x), src_mask, src_key_padding_mask, causal));
      x = x.add(this._ff_block(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this._sa_block(x, src_mask, src_key_padding_mask, causal)));
      x = this.norm2.forward(x.add(this._ff_block(x)));
    }
    return x;
  }

  /** @internal */
  _sa_block(x: Tensor, attn_mask?: Tensor | null, key_padding_mask?: Tensor | null, is_causal = false): Tensor {
    const [out] = this.self_attn.forward(x, x, x, { attn_mask, key_padding_mask, need_weights: false, is_causal });
    return this.dropout1.forward(out);
  }

  /** @internal */
  _ff_block(x: Tensor): Tensor {
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(activationFn(this.activation)(this.linear1.forward(x)))));
  }
}

/** The keyword arguments of `nn.TransformerEncoder`. */
export interface TransformerEncoderOptions {
  /** A norm applied to the output of the last layer (default none). */
  norm?: Module | null;
  /** Kept for PyTorch parity (default true); torchnode has no nested-tensor fast path. */
  enable_nested_tensor?: boolean;
  /** Kept for PyTorch parity (default true). */
  mask_check?: boolean;
}

/** The keyword arguments of `TransformerEncoder.forward`. */
export interface EncoderForwardOptions {
  /** An attention mask over the source sequence, passed to every layer. */
  mask?: Tensor | null;
  /** A (batch, seq) mask of keys to ignore: true or -inf marks padding. */
  src_key_padding_mask?: Tensor | null;
  /**
   * Hint that `mask` is the causal mask, passed to every layer; when omitted (or null), it is
   * detected: true where `mask` equals `Transformer.generate_square_subsequent_mask(seq_len)`.
   */
  is_causal?: boolean | null;
}

/**
 * A stack of `num_layers` encoder layers, then an optional norm.
 *
 * `new nn.TransformerEncoder(encoder_layer, num_layers, { norm, enable_nested_tensor, mask_check })`
 * (or those positionally): the layers are deep copies of `encoder_layer`, all starting from its
 * weights, as `copy.deepcopy` gives in PyTorch.
 *
 * @see [torch.nn.TransformerEncoder](https://pytorch.org/docs/stable/generated/torch.nn.TransformerEncoder.html)
 */
export class TransformerEncoder extends Module {
  /** The cloned layers. */
  layers: ModuleList;
  /** Number of layers. */
  num_layers: number;
  /** The final norm, or null. */
  norm: Module | null;
  /** As given; has no effect here (no nested-tensor fast path). */
  enable_nested_tensor: boolean;
  /**
   * PyTorch 2.x's: `enable_nested_tensor`, turned off when the layer could not take the fast path
   * (with the warning 2.x gives). Undefined on 1.x, which has no such attribute.
   */
  use_nested_tensor?: boolean;
  /** As given; has no effect here. */
  mask_check: boolean;

  /**
   * The layer to clone, the number of clones, then `norm`, `enable_nested_tensor`, `mask_check`
   * positionally or in a {@link TransformerEncoderOptions}.
   */
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
    if (isPytorch2) {
      // PyTorch 2.x tells at construction why its nested-tensor fast path will not be taken (the
      // default post-norm, batch_first=false layer is one such), and records it in use_nested_tensor.
      this.use_nested_tensor = this.enable_nested_tensor;
      const why = whyNotSparsityFastPath(encoder_layer);
      if (this.enable_nested_tensor && why) {
        warn(`enable_nested_tensor is True, but self.use_nested_tensor is False because ${why}`);
        this.use_nested_tensor = false;
      }
    }
  }

  /**
   * Runs `src` through every layer and the norm; `mask`, `src_key_padding_mask` and `is_causal` as
   * a {@link EncoderForwardOptions} or positionally in that order.
   */
  forward(src: Tensor, ...args: (Tensor | boolean | null | undefined | EncoderForwardOptions)[]): Tensor {
    const [maskArg, kpmArg, is_causal] = params('forward', args, ['mask', 'src_key_padding_mask', 'is_causal']);
    requireTensor(src, 'src');
    const [mask, src_key_padding_mask] = encoderMasks(src, maskArg as Tensor | null | undefined, 'mask', kpmArg as Tensor | null | undefined);
    const causal = _detect_is_causal_mask(mask, is_causal as boolean | null | undefined, stackSeqLen(this.layers, src));
    let output = src;
    // The layers and norm are Modules of any type (a user's own may be given): their results are Tensors by contract.
    for (const mod of this.layers) output = mod.forward(output, { src_mask: mask, is_causal: causal, src_key_padding_mask }) as Tensor;
    if (this.norm !== null) output = this.norm.forward(output) as Tensor;
    return output;
  }
}

/** PyTorch 2.x's reason, checked in its order, that `layer` rules out the nested-tensor fast path; '' if none. */
function whyNotSparsityFastPath(layer: Module): string {
  if (!(layer instanceof TransformerEncoderLayer)) return 'encoder_layer was not TransformerEncoderLayer';
  if (layer.norm_first) return 'encoder_layer.norm_first was True';
  const attn = layer.self_attn;
  if (!attn.batch_first) return 'encoder_layer.self_attn.batch_first was not True(use batch_first for better inference performance)';
  if (!attn._qkv_same_embed_dim) return 'encoder_layer.self_attn._qkv_same_embed_dim was not True';
  if (attn.in_proj_bias === null) return 'encoder_layer.self_attn was passed bias=False';
  if (!layer.activation_relu_or_gelu) return 'encoder_layer.activation_relu_or_gelu was not True';
  if (layer.norm1.eps !== layer.norm2.eps) return 'encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps';
  if (attn.num_heads % 2 === 1) return 'encoder_layer.self_attn.num_heads is odd';
  return '';
}

// ---- decoder ------------------------------------------------------------------------------------

/** The keyword arguments of `TransformerDecoderLayer.forward` and `TransformerDecoder.forward`. */
export interface DecoderForwardOptions {
  /** An attention mask over the target sequence (e.g. `Transformer.generate_square_subsequent_mask`). */
  tgt_mask?: Tensor | null;
  /** An attention mask from the target over the memory (encoder output). */
  memory_mask?: Tensor | null;
  /** A (batch, tgt_seq) padding mask of the target. */
  tgt_key_padding_mask?: Tensor | null;
  /** A (batch, src_seq) padding mask of the memory. */
  memory_key_padding_mask?: Tensor | null;
  /**
   * Hint that `tgt_mask` is the causal mask, which must still be given. The layer's default is
   * false; `TransformerDecoder` detects it when omitted (or null): true where `tgt_mask` equals
   * `Transformer.generate_square_subsequent_mask(tgt_seq_len)`.
   */
  tgt_is_causal?: boolean | null;
  /** Hint that `memory_mask` is the causal mask, which must still be given (default false). */
  memory_is_causal?: boolean;
}

const DECODER_FORWARD_NAMES = ['tgt_mask', 'memory_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask', 'tgt_is_causal', 'memory_is_causal'] as const;
type DecoderForwardArg = Tensor | boolean | null | undefined | DecoderForwardOptions;

/**
 * One decoder layer: self-attention, attention over the encoder's memory, and a feed-forward
 * network, each with a residual connection and layer norm.
 *
 * `new nn.TransformerDecoderLayer(d_model, nhead, { dim_feedforward, dropout, activation,
 * layer_norm_eps, batch_first, norm_first, bias, device, dtype })`: PyTorch's keyword arguments in the
 * options object ({@link TransformerLayerOptions}).
 *
 * @see [torch.nn.TransformerDecoderLayer](https://pytorch.org/docs/stable/generated/torch.nn.TransformerDecoderLayer.html)
 */
export class TransformerDecoderLayer extends Module {
  /** The self-attention block. */
  self_attn: MultiheadAttention;
  /** The attention over the memory. */
  multihead_attn: MultiheadAttention;
  /** First feed-forward projection, d_model to dim_feedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** Second feed-forward projection, dim_feedforward to d_model. */
  linear2: Linear;
  /** Whether the norms come before the blocks. */
  norm_first: boolean;
  /** Norm of the self-attention block. */
  norm1: LayerNorm;
  /** Norm of the memory-attention block. */
  norm2: LayerNorm;
  /** Norm of the feed-forward block. */
  norm3: LayerNorm;
  /** Dropout after self-attention. */
  dropout1: Dropout;
  /** Dropout after memory attention. */
  dropout2: Dropout;
  /** Dropout after the feed-forward block. */
  dropout3: Dropout;
  /** The feed-forward activation. */
  activation: TransformerActivation;

  /**
   * `d_model` (feature size) and `nhead` (attention heads), then PyTorch's positional arguments or a
   * {@link TransformerLayerOptions}.
   */
  constructor(d_model: number, nhead: number, ...args: LayerArg[]) {
    super();
    const c = layerConfig('TransformerDecoderLayer', args);
    const withBias = { bias: c.bias, ...c.factory };
    const mha = { dropout: c.dropout, batch_first: c.batch_first, ...withBias };
    this.self_attn = new MultiheadAttention(d_model, nhead, mha);
    this.multihead_attn = new MultiheadAttention(d_model, nhead, mha);
    this.linear1 = new Linear(d_model, c.dim_feedforward, withBias);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dim_feedforward, d_model, withBias);
    this.norm_first = c.norm_first;
    this.norm1 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...withBias });
    this.norm2 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...withBias });
    this.norm3 = new LayerNorm(d_model, { eps: c.layer_norm_eps, ...withBias });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.dropout3 = new Dropout(c.dropout);
    activationFn(c.activation); // validates it now, as PyTorch's constructor does
    this.activation = c.activation;
  }

  /**
   * Decodes `tgt` against `memory`; the masks and causal hints as a {@link DecoderForwardOptions} or
   * positionally in that order.
   */
  forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArg[]): Tensor {
    const [tgt_mask, memory_mask, tgt_kpm, memory_kpm, tgt_is_causal, memory_is_causal] = params('forward', args, DECODER_FORWARD_NAMES);
    const [tm, mm, tk, mk] = [tgt_mask, memory_mask, tgt_kpm, memory_kpm] as (Tensor | null | undefined)[];
    const [tc, mc] = [(tgt_is_causal ?? false) as boolean, (memory_is_causal ?? false) as boolean];
    requireTensor(tgt, 'tgt');
    requireTensor(memory, 'memory');
    let x = tgt;
    if (this.norm_first) {
      x = x.add(this._sa_block(this.norm1.forward(x), tm, tk, tc));
      x = x.add(this._mha_block(this.norm2.forward(x), memory, mm, mk, mc));
      x = x.add(this._ff_block(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this._sa_block(x, tm, tk, tc)));
      x = this.norm2.forward(x.add(this._mha_block(x, memory, mm, mk, mc)));
      x = this.norm3.forward(x.add(this._ff_block(x)));
    }
    return x;
  }

  /** @internal */
  _sa_block(x: Tensor, attn_mask?: Tensor | null, key_padding_mask?: Tensor | null, is_causal = false): Tensor {
    const [out] = this.self_attn.forward(x, x, x, { attn_mask, key_padding_mask, is_causal, need_weights: false });
    return this.dropout1.forward(out);
  }

  /** @internal */
  _mha_block(x: Tensor, mem: Tensor, attn_mask?: Tensor | null, key_padding_mask?: Tensor | null, is_causal = false): Tensor {
    const [out] = this.multihead_attn.forward(x, mem, mem, { attn_mask, key_padding_mask, is_causal, need_weights: false });
    return this.dropout2.forward(out);
  }

  /** @internal */
  _ff_block(x: Tensor): Tensor {
    return this.dropout3.forward(this.linear2.forward(this.dropout.forward(activationFn(this.activation)(this.linear1.forward(x)))));
  }
}

/**
 * A stack of `num_layers` decoder layers, then an optional norm.
 *
 * `new nn.TransformerDecoder(decoder_layer, num_layers, { norm })` (or `norm` positionally): deep
 * copies of `decoder_layer`, as in `nn.TransformerEncoder`.
 *
 * @see [torch.nn.TransformerDecoder](https://pytorch.org/docs/stable/generated/torch.nn.TransformerDecoder.html)
 */
export class TransformerDecoder extends Module {
  /** The cloned layers. */
  layers: ModuleList;
  /** Number of layers. */
  num_layers: number;
  /** The final norm, or null. */
  norm: Module | null;

  /** The layer to clone, the number of clones, then `norm` positionally or as `{ norm }`. */
  constructor(decoder_layer: Module, num_layers: number, ...args: (Module | null | { norm?: Module | null })[]) {
    super();
    const [norm] = moduleArgs('TransformerDecoder', args, ['norm']);
    this.layers = _get_clones(decoder_layer, num_layers);
    this.num_layers = num_layers;
    this.norm = (norm ?? null) as Module | null;
  }

  /**
   * Runs `tgt` through every layer against `memory`, then the norm; masks and hints as in
   * `TransformerDecoderLayer.forward`, except that an omitted `tgt_is_causal` is detected from
   * `tgt_mask`.
   */
  forward(tgt: Tensor, memory: Tensor, ...args: DecoderForwardArg[]): Tensor {
    const [tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal, memory_is_causal] =
      params('forward', args, DECODER_FORWARD_NAMES);
    requireTensor(tgt, 'tgt');
    // Unlike the encoder, PyTorch compares tgt_mask as given (a boolean one against a boolean causal mask).
    const opts = {
      tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
      tgt_is_causal: _detect_is_causal_mask(tgt_mask as Tensor | null | undefined, tgt_is_causal as boolean | null | undefined, stackSeqLen(this.layers, tgt)),
      memory_is_causal: (memory_is_causal ?? false) as boolean,
    } as DecoderForwardOptions;
    let output = tgt;
    for (const mod of this.layers) output = mod.forward(output, memory, opts) as Tensor;
    if (this.norm !== null) output = this.norm.forward(output) as Tensor;
    return output;
  }
}

// ---- full model ---------------------------------------------------------------------------------

/**
 * The keyword arguments of `nn.Transformer`, with PyTorch's defaults; all of them go in the one
 * options object.
 */
export interface TransformerOptions extends TransformerLayerOptions {
  /** Feature size (default 512). */
  d_model?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  num_encoder_layers?: number;
  /** Decoder layers (default 6). */
  num_decoder_layers?: number;
  /** An encoder to use instead of the default stack. */
  custom_encoder?: Module | null;
  /** A decoder to use instead of the default stack. */
  custom_decoder?: Module | null;
}

/** The keyword arguments of `Transformer.forward`. */
export interface TransformerForwardOptions {
  /** An attention mask over the source sequence. */
  src_mask?: Tensor | null;
  /** An attention mask over the target sequence (e.g. `Transformer.generate_square_subsequent_mask`). */
  tgt_mask?: Tensor | null;
  /** An attention mask from the target over the memory. */
  memory_mask?: Tensor | null;
  /** A (batch, seq) mask of keys to ignore: true or -inf marks padding. */
  src_key_padding_mask?: Tensor | null;
  /** A (batch, tgt_seq) padding mask of the target. */
  tgt_key_padding_mask?: Tensor | null;
  /** A (batch, src_seq) padding mask of the memory. */
  memory_key_padding_mask?: Tensor | null;
  /** Hint that `src_mask` is the causal mask; detected from `src_mask` when omitted (or null). */
  src_is_causal?: boolean | null;
  /** Hint that `tgt_mask` is the causal mask; detected from `tgt_mask` when omitted (or null). */
  tgt_is_causal?: boolean | null;
  /** Hint that `memory_mask` is the causal mask, which must still be given (default false). */
  memory_is_causal?: boolean;
}

/**
 * The encoder-decoder transformer of "Attention Is All You Need".
 *
 * `new nn.Transformer({ d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward,
 * dropout, activation, custom_encoder, custom_decoder, layer_norm_eps, batch_first, norm_first,
 * bias, device, dtype })`: PyTorch's keyword arguments, all in one options object ({@link
 * TransformerOptions}). A subclass may override `forward` with its own signature.
 *
 * @see [torch.nn.Transformer](https://pytorch.org/docs/stable/generated/torch.nn.Transformer.html)
 */
export class Transformer extends Module {
  /** The encoder (a `TransformerEncoder` unless `custom_encoder` was given). */
  encoder: Module;
  /** The decoder (a `TransformerDecoder` unless `custom_decoder` was given). */
  decoder: Module;
  /** Feature size. */
  d_model: number;
  /** Attention heads. */
  nhead: number;
  /** Whether input and output are (batch, seq, feature). */
  batch_first: boolean;

  /** Builds the model from a {@link TransformerOptions}; every field is optional. */
  constructor(options: TransformerOptions = {}) {
    super();
    const { d_model = 512, nhead = 8, num_encoder_layers = 6, num_decoder_layers = 6, custom_encoder, custom_decoder, ...layerOptions } = options;
    const norm = { eps: layerOptions.layer_norm_eps ?? 1e-5, bias: layerOptions.bias ?? true, device: layerOptions.device, dtype: layerOptions.dtype } as LayerNormOptions;
    if (custom_encoder) this.encoder = custom_encoder;
    else {
      const layer = new TransformerEncoderLayer(d_model, nhead, layerOptions);
      this.encoder = new TransformerEncoder(layer, num_encoder_layers, { norm: new LayerNorm(d_model, norm) });
    }
    if (custom_decoder) this.decoder = custom_decoder;
    else {
      const layer = new TransformerDecoderLayer(d_model, nhead, layerOptions);
      this.decoder = new TransformerDecoder(layer, num_decoder_layers, { norm: new LayerNorm(d_model, norm) });
    }
    this.d_model = d_model;
    this.nhead = nhead;
    this.batch_first = layerOptions.batch_first ?? false;
    this._reset_parameters();
  }

  /**
   * Encodes `src` and decodes `tgt` against it; the six masks and three causal hints as a
   * {@link TransformerForwardOptions} or positionally in that order.
   */
  forward(src: Tensor, tgt: unknown, ...args: (Tensor | boolean | null | undefined | TransformerForwardOptions)[]): Tensor {
    const [src_mask, tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask, src_is_causal, tgt_is_causal, memory_is_causal] =
      params('forward', args, [
        'src_mask', 'tgt_mask', 'memory_mask', 'src_key_padding_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask',
        'src_is_causal', 'tgt_is_causal', 'memory_is_causal',
      ]);
    const options = {
      src_mask, tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask, src_is_causal, tgt_is_causal, memory_is_causal,
    } as TransformerForwardOptions;
    requireTensor(src, 'src');
    const target = requireTensor(tgt, 'tgt');
    const isBatched = src.dim() === 3;
    const batchDim = this.batch_first ? 0 : 1;
    if (isBatched && src.size(batchDim) !== target.size(batchDim)) throw new Error('the batch number of src and tgt must be equal');
    if (src.size(-1) !== this.d_model || target.size(-1) !== this.d_model) {
      throw new Error('the feature number of src and tgt must be equal to d_model');
    }
    const memory = this.encoder.forward(src, {
      mask: options.src_mask,
      src_key_padding_mask: options.src_key_padding_mask,
      is_causal: options.src_is_causal,
    }) as Tensor;
    return this.decoder.forward(target, memory, {
      tgt_mask: options.tgt_mask,
      memory_mask: options.memory_mask,
      tgt_key_padding_mask: options.tgt_key_padding_mask,
      memory_key_padding_mask: options.memory_key_padding_mask,
      tgt_is_causal: options.tgt_is_causal,
      memory_is_causal: options.memory_is_causal ?? false,
    }) as Tensor;
  }

  /**
   * An (sz, sz) mask with -inf above the diagonal and 0 elsewhere: position i may attend to j <= i.
   * `device` and `dtype` (PyTorch 2.x's) are given positionally or as `{ device, dtype }`; they
   * default to the CPU and the default dtype. Of dtype bool it is true above the diagonal.
   */
  static generate_square_subsequent_mask(sz: number, ...args: (DeviceLike | DType | null | undefined | { device?: DeviceLike | null; dtype?: DType | null })[]): Tensor {
    const [device, dtype] = params('generate_square_subsequent_mask', args, ['device', 'dtype']) as [DeviceLike | null | undefined, DType | null | undefined];
    return _generate_square_subsequent_mask(sz, device ?? 'cpu', dtype ?? undefined);
  }

  /** Re-draws every matrix parameter with Xavier-uniform initialisation, as PyTorch does at construction. */
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
