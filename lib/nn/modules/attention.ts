// nn.MultiheadAttention, after torch/nn/modules/activation.py: the same parameters in the same
// registration order (in_proj_weight or q/k/v_proj_weight, in_proj_bias, out_proj, bias_k,
// bias_v) and the same _reset_parameters() draws, running PyTorch's reference computation
// (F.multi_head_attention_forward) on ops that exist in LibTorch 1.13 and 2.x alike.
import { Tensor } from '../../tensor';
import { requireTensor } from '../functional/check';
import { params } from '../../args';
import { bool as BOOL } from '../../dtype';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import { multi_head_attention_forward } from '../functional/attention';
import { Linear } from './linear';
import { FactoryOptions, newParameter } from './utils';

/** PyTorch's class of `MultiheadAttention.out_proj`: a plain `nn.Linear` under the name its repr shows. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/**
 * The keyword arguments of `nn.MultiheadAttention`, as in PyTorch; each may also be given
 * positionally after `(embed_dim, num_heads)`.
 */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout probability on the attention weights (default 0). */
  dropout?: number;
  /** Whether the input and output projections have biases (default true). */
  bias?: boolean;
  /** Append learned bias rows to the keys and values (default false). */
  add_bias_kv?: boolean;
  /** Append a row of zeros to the keys and values (default false). */
  add_zero_attn?: boolean;
  /** Feature size of the keys (default `embed_dim`). */
  kdim?: number | null;
  /** Feature size of the values (default `embed_dim`). */
  vdim?: number | null;
  /** Inputs and output as (batch, seq, feature) (default false: (seq, batch, feature)). */
  batch_first?: boolean;
}

/** The keyword arguments of `MultiheadAttention.forward`, as in PyTorch. */
export interface MultiheadAttentionForwardOptions {
  /** (N, S) or (S): True (or -inf when float) marks keys to ignore. */
  key_padding_mask?: Tensor | null;
  /** Also return the attention weights (default true); false returns null in their place. */
  need_weights?: boolean;
  /** (L, S) or (N * num_heads, L, S): True (or an additive float) masks a query-key pair. */
  attn_mask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  average_attn_weights?: boolean;
  /**
   * Hint that `attn_mask` is the causal mask, which must still be given (default false). On LibTorch
   * 2.x, without `need_weights` and `key_padding_mask`, attention is then causal whatever the mask
   * says, as in PyTorch 2.x; on 1.13 the mask alone decides.
   */
  is_causal?: boolean;
}

const ARG_NAMES = ['dropout', 'bias', 'add_bias_kv', 'add_zero_attn', 'kdim', 'vdim', 'batch_first', 'device', 'dtype'] as const;

/**
 * Multi-head attention: softmax(Q K^T / sqrt(head_dim)) V over `num_heads` heads, with input and
 * output projections.
 *
 * `new nn.MultiheadAttention(embed_dim, num_heads, { dropout, bias, add_bias_kv, add_zero_attn,
 * kdim, vdim, batch_first, device, dtype })`: PyTorch's keyword arguments in the options object
 * ({@link MultiheadAttentionOptions}). `forward(query, key, value, { key_padding_mask, need_weights,
 * attn_mask, average_attn_weights, is_causal })` returns `[attn_output, attn_weights or null]`, an array where
 * PyTorch has a tuple.
 *
 * @see [torch.nn.MultiheadAttention](https://pytorch.org/docs/stable/generated/torch.nn.MultiheadAttention.html)
 */
export class MultiheadAttention extends Module {
  /** Feature size of the queries and the output. */
  readonly embed_dim: number;
  /** Feature size of the keys. */
  readonly kdim: number;
  /** Feature size of the values. */
  readonly vdim: number;
  /** Whether queries, keys and values share `embed_dim` (then one packed `in_proj_weight`). */
  readonly _qkv_same_embed_dim: boolean;
  /** Number of heads. */
  readonly num_heads: number;
  /** Dropout probability on the attention weights. */
  dropout: number;
  /** Whether inputs and output are (batch, seq, feature). */
  readonly batch_first: boolean;
  /** `embed_dim / num_heads`. */
  readonly head_dim: number;
  // Declared in PyTorch's registration order: the module walk follows it.
  /** The packed Q/K/V projection (3 * embed_dim, embed_dim), or null when the sizes differ. */
  in_proj_weight: Parameter | null = null;
  /** The query projection when the sizes differ, else null. */
  q_proj_weight: Parameter | null = null;
  /** The key projection when the sizes differ, else null. */
  k_proj_weight: Parameter | null = null;
  /** The value projection when the sizes differ, else null. */
  v_proj_weight: Parameter | null = null;
  /** The packed input-projection bias, or null without `bias`. */
  in_proj_bias: Parameter | null = null;
  /** The output projection. */
  out_proj: NonDynamicallyQuantizableLinear;
  /** The learned key bias row with `add_bias_kv`, else null. */
  bias_k: Parameter | null = null;
  /** The learned value bias row with `add_bias_kv`, else null. */
  bias_v: Parameter | null = null;
  /** Whether a zero row is appended to keys and values. */
  add_zero_attn: boolean;

  /**
   * `embed_dim` and `num_heads` (a divisor of it), then PyTorch's positional arguments or a
   * {@link MultiheadAttentionOptions}.
   */
  constructor(embed_dim: number, num_heads: number, ...args: (number | boolean | null | MultiheadAttentionOptions)[]) {
    super();
    const [dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim, batch_first, device, dtype] = params('MultiheadAttention', args, ARG_NAMES);
    const factory = { device, dtype } as FactoryOptions;
    this.embed_dim = embed_dim;
    this.kdim = (kdim ?? embed_dim) as number;
    this.vdim = (vdim ?? embed_dim) as number;
    this._qkv_same_embed_dim = this.kdim === embed_dim && this.vdim === embed_dim;
    this.num_heads = num_heads;
    this.dropout = (dropout ?? 0) as number;
    this.batch_first = (batch_first ?? false) as boolean;
    this.head_dim = Math.floor(embed_dim / num_heads);
    if (this.head_dim * num_heads !== embed_dim) throw new Error('embed_dim must be divisible by num_heads');

    if (!this._qkv_same_embed_dim) {
      this.q_proj_weight = newParameter([embed_dim, embed_dim], factory);
      this.k_proj_weight = newParameter([embed_dim, this.kdim], factory);
      this.v_proj_weight = newParameter([embed_dim, this.vdim], factory);
    } else {
      this.in_proj_weight = newParameter([3 * embed_dim, embed_dim], factory);
    }
    const useBias = (bias ?? true) as boolean;
    if (useBias) this.in_proj_bias = newParameter([3 * embed_dim], factory);
    // Linear's own reset_parameters() draws here, before _reset_parameters(), as in PyTorch.
    this.out_proj = new NonDynamicallyQuantizableLinear(embed_dim, embed_dim, { bias: useBias, ...factory });
    if (add_bias_kv) {
      this.bias_k = newParameter([1, 1, embed_dim], factory);
      this.bias_v = newParameter([1, 1, embed_dim], factory);
    }
    this.add_zero_attn = (add_zero_attn ?? false) as boolean;
    this._reset_parameters();
  }

  /**
   * Re-initialises the projections (Xavier-uniform), the biases (zeros) and `bias_k`/`bias_v` as PyTorch
   * does.
   */
  _reset_parameters(): void {
    if (this._qkv_same_embed_dim) {
      init.xavier_uniform_(this.in_proj_weight as Parameter);
    } else {
      init.xavier_uniform_(this.q_proj_weight as Parameter);
      init.xavier_uniform_(this.k_proj_weight as Parameter);
      init.xavier_uniform_(this.v_proj_weight as Parameter);
    }
    if (this.in_proj_bias !== null) {
      init.constant_(this.in_proj_bias, 0);
      init.constant_(this.out_proj.bias as Parameter, 0);
    }
    if (this.bias_k !== null) init.xavier_normal_(this.bias_k);
    if (this.bias_v !== null) init.xavier_normal_(this.bias_v);
  }

  /**
   * Attends from `query` (L, N, E) to `key` (S, N, kdim) and `value` (S, N, vdim) (batch first with
   * `batch_first`, or unbatched); returns `[attn_output, attn_weights]`, the weights null without
   * `need_weights`.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    requireTensor(query, 'query');
    requireTensor(key, 'key');
    requireTensor(value, 'value');
    const kpm = options.key_padding_mask;
    if (kpm != null && kpm.dtype !== BOOL && !kpm.is_floating_point()) {
      throw new Error('only bool and floating types of key_padding_mask are supported');
    }
    const isBatched = query.dim() === 3;
    let [q, k, v] = [query, key, value];
    if (this.batch_first && isBatched) {
      // Keep `query is key is value` true after the transpose: the in-projection uses it.
      if (key === value) {
        if (query === key) {
          q = k = v = query.transpose(1, 0);
        } else {
          q = query.transpose(1, 0);
          k = v = key.transpose(1, 0);
        }
      } else {
        [q, k, v] = [query, key, value].map((x) => x.transpose(1, 0));
      }
    }
    const common = {
      training: this.training,
      key_padding_mask: kpm,
      need_weights: options.need_weights ?? true,
      attn_mask: options.attn_mask,
      average_attn_weights: options.average_attn_weights ?? true,
      is_causal: options.is_causal ?? false,
    };
    const [out, weights] = this._qkv_same_embed_dim
      ? multi_head_attention_forward(q, k, v, this.embed_dim, this.num_heads, this.in_proj_weight, this.in_proj_bias,
        this.bias_k, this.bias_v, this.add_zero_attn, this.dropout, this.out_proj.weight, this.out_proj.bias, common)
      : multi_head_attention_forward(q, k, v, this.embed_dim, this.num_heads, this.in_proj_weight, this.in_proj_bias,
        this.bias_k, this.bias_v, this.add_zero_attn, this.dropout, this.out_proj.weight, this.out_proj.bias, {
          ...common,
          use_separate_proj_weight: true,
          q_proj_weight: this.q_proj_weight,
          k_proj_weight: this.k_proj_weight,
          v_proj_weight: this.v_proj_weight,
        });
    return [this.batch_first && isBatched ? out.transpose(1, 0) : out, weights];
  }
}
