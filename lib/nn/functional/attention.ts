// F.scaled_dot_product_attention and F.multi_head_attention_forward, in the order the
// torch/nn/functional.py of the running LibTorch's PyTorch computes them, so that results are
// PyTorch's bit for bit. LibTorch 1.13 has no native SDPA, so there it is composed from basic
// ops; 2.x has aten::scaled_dot_product_attention, which PyTorch 2.x calls (its kernels round
// differently from the composition), and so do we. _native_multi_head_attention is not used:
// PyTorch takes it only on its inference fast path.
import { Tensor } from '../../tensor';
import { warn } from '../../warnings';
import { ops } from '../../raw_ops';
import { native } from '../../binding';
import { DType, bool as BOOL, uint8 as UINT8 } from '../../dtype';
import { zeros, ones, zeros_like } from '../../creation';
import { cat } from '../../functions';
import * as torch from '../../generated/torch_functions';
import * as _nn from '../../generated/nn_functions';
import { requireTensor, optionalTensor } from './check';

function linear(x: Tensor, w: Tensor, b: Tensor | null | undefined): Tensor {
  return _nn.linear(x, w, b ?? null);
}

function softmaxLastDim(x: Tensor): Tensor {
  return x.softmax(-1, null);
}

function dropout(x: Tensor, p: number, train: boolean): Tensor {
  return torch.dropout(x, p, train);
}

/** Pads the last dimension with one zero (False for boolean masks), as F.pad(mask, (0, 1)). */
function padLastByOne(x: Tensor): Tensor {
  return torch.constant_pad_nd(x, [0, 1], 0);
}

/** A boolean mask (True = masked out) as an additive float mask of `dtype`. */
function boolToAdditive(mask: Tensor, dtype: DType): Tensor {
  return zeros_like(mask, { dtype }).masked_fill_(mask, -Infinity);
}

function shapeEquals(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function pyShape(s: readonly number[]): string {
  return `torch.Size([${s.join(', ')}])`;
}

function pyTuple(s: readonly number[]): string {
  return s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`;
}

function assert(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

const optTensor = optionalTensor;

let nativeSdpa: boolean | undefined;
/** Whether this LibTorch has aten::scaled_dot_product_attention (2.x), which PyTorch then uses. */
function hasNativeSdpa(): boolean {
  return (nativeSdpa ??= (ops.aten as any).scaled_dot_product_attention.overloads().length > 0);
}

let sdpaGqa: boolean | undefined;
/**
 * Whether this LibTorch's aten::scaled_dot_product_attention takes `enable_gqa` (PyTorch 2.5 on):
 * read from the operator's schema, since that is what decides whether the argument can be passed.
 */
function sdpaTakesEnableGqa(): boolean {
  return (sdpaGqa ??= hasNativeSdpa() && /\bbool enable_gqa\b/.test((ops.aten as any).scaled_dot_product_attention.schema()));
}

// ---- scaled dot-product attention ---------------------------------------------------------------

/** The keyword arguments of `F.scaled_dot_product_attention`, as in PyTorch 2.x. */
export interface ScaledDotProductAttentionOptions {
  /** Boolean (True = takes part in attention) or additive float mask, broadcastable to (..., L, S). */
  attn_mask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0). */
  dropout_p?: number;
  /** Apply a causal mask (query i attends to keys j <= i); exclusive with `attn_mask` (default false). */
  is_causal?: boolean;
  /** Defaults to 1 / sqrt(E). */
  scale?: number | null;
  /**
   * Grouped-query attention: `key` and `value` may have fewer heads (dimension -3) than `query`, a
   * divisor of its count, each shared by a group of query heads (default false). Only where LibTorch's
   * aten::scaled_dot_product_attention takes it (PyTorch 2.5 and later).
   */
  enable_gqa?: boolean;
}

/**
 * softmax(query @ key^T * scale + mask) @ value, with dropout on the weights, as PyTorch 2.x's
 * F.scaled_dot_product_attention. Shapes (..., L, E), (..., S, E), (..., S, Ev) -> (..., L, Ev).
 *
 * PyTorch's keyword arguments go in the trailing options object.
 *
 * @see [torch.nn.functional.scaled_dot_product_attention](https://pytorch.org/docs/stable/generated/torch.nn.functional.scaled_dot_product_attention.html)
 */
export function scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  requireTensor(query, 'query');
  requireTensor(key, 'key');
  requireTensor(value, 'value');
  const attnMask = optTensor(options.attn_mask, 'attn_mask');
  const dropoutP = options.dropout_p ?? 0;
  const isCausal = options.is_causal ?? false;
  const enableGqa = options.enable_gqa ?? false;
  if (enableGqa && !sdpaTakesEnableGqa()) {
    throw new Error(`scaled_dot_product_attention: enable_gqa needs a LibTorch whose aten::scaled_dot_product_attention takes it (PyTorch 2.5 and later); LibTorch ${native.libtorch.version}'s does not`);
  }
  if (hasNativeSdpa()) {
    // The operator checks its own arguments. scale and enable_gqa are newer keyword-only
    // arguments, so they go only when given: an older schema would reject them.
    const kwargs: { scale?: number; enable_gqa?: boolean } = {};
    if (options.scale != null) kwargs.scale = options.scale;
    if (enableGqa) kwargs.enable_gqa = true;
    return _nn.scaled_dot_product_attention(query, key, value, attnMask, dropoutP, isCausal, kwargs);
  }
  if (isCausal && attnMask) throw new Error('scaled_dot_product_attention: attn_mask must be None when is_causal is True');
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${dropoutP}`);
  const L = query.size(-2);
  const S = key.size(-2);
  const scale = options.scale ?? 1 / Math.sqrt(query.size(-1));
  let weights = query.matmul(key.transpose(-2, -1)).mul(scale);
  if (isCausal) {
    const future = ones([L, S], { dtype: BOOL, device: query.device }).triu(1);
    weights = weights.masked_fill(future, -Infinity);
  }
  if (attnMask) {
    weights = attnMask.dtype === BOOL ? weights.masked_fill(attnMask.logical_not(), -Infinity) : weights.add(attnMask);
  }
  weights = softmaxLastDim(weights);
  if (dropoutP > 0) weights = dropout(weights, dropoutP, true);
  return weights.matmul(value);
}

// ---- multi-head attention -----------------------------------------------------------------------

/** The keyword arguments of `F.multi_head_attention_forward`, as in PyTorch. */
export interface MultiHeadAttentionForwardOptions {
  /** Apply dropout to the attention weights (default true). */
  training?: boolean;
  /** (N, S): true (or -inf) marks keys to ignore (default none). */
  key_padding_mask?: Tensor | null;
  /** Also return the attention weights (default true). */
  need_weights?: boolean;
  /** (L, S) or (N * num_heads, L, S): true (or an additive float) masks a query-key pair (default none). */
  attn_mask?: Tensor | null;
  /** Use `q_proj_weight`, `k_proj_weight`, `v_proj_weight` instead of `in_proj_weight` (default false). */
  use_separate_proj_weight?: boolean;
  /** The separate query projection (with `use_separate_proj_weight`). */
  q_proj_weight?: Tensor | null;
  /** The separate key projection (with `use_separate_proj_weight`). */
  k_proj_weight?: Tensor | null;
  /** The separate value projection (with `use_separate_proj_weight`). */
  v_proj_weight?: Tensor | null;
  /** Precomputed keys (N * num_heads, S, head_dim) to use instead of projecting `key`. */
  static_k?: Tensor | null;
  /** Precomputed values (N * num_heads, S, head_dim) to use instead of projecting `value`. */
  static_v?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  average_attn_weights?: boolean;
  /**
   * Hint that `attn_mask` is the causal mask; it must still be given (default false). Without
   * `need_weights` or `key_padding_mask`, LibTorch 2.x then applies causal masking itself, as PyTorch 2.x does.
   */
  is_causal?: boolean;
}

function checkShapes(query: Tensor, key: Tensor, value: Tensor, kpm: Tensor | null, attnMask: Tensor | null, numHeads: number): boolean {
  if (query.dim() === 3) {
    assert(key.dim() === 3 && value.dim() === 3,
      `For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`);
    if (kpm) assert(kpm.dim() === 2, `For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.dim()}-D tensor instead`);
    if (attnMask) {
      assert(attnMask.dim() === 2 || attnMask.dim() === 3,
        `For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.dim()}-D tensor instead`);
    }
    return true;
  }
  if (query.dim() === 2) {
    assert(key.dim() === 2 && value.dim() === 2,
      `For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`);
    if (kpm) assert(kpm.dim() === 1, `For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.dim()}-D tensor instead`);
    if (attnMask) {
      assert(attnMask.dim() === 2 || attnMask.dim() === 3,
        `For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.dim()}-D tensor instead`);
      if (attnMask.dim() === 3) {
        const expected = [numHeads, query.size(0), key.size(0)];
        assert(shapeEquals(attnMask.shape, expected), `Expected \`attn_mask\` shape to be ${pyTuple(expected)} but got ${pyShape(attnMask.shape)}`);
      }
    }
    return false;
  }
  throw new Error(`query should be unbatched 2D or batched 3D tensor but received ${query.dim()}-D query tensor`);
}

/**
 * PyTorch 2.x's F._canonical_mask: a boolean mask (True = masked out) as an additive float mask of
 * `target_type`; a float mask as it is. Given the dtype of the mask it goes with (`other_type`,
 * named `other_name`), a different one is PyTorch 2.x's deprecation warning. Also used by the
 * transformer modules, which canonicalize their masks on 2.x before passing them to their layers.
 * @internal
 */
export function _canonical_mask(mask: Tensor | null | undefined, mask_name: string, target_type: DType, other_type: DType | null = null, other_name = ''): Tensor | null {
  if (!mask) return null;
  if (mask.dtype !== BOOL && !mask.is_floating_point()) throw new Error(`only bool and floating types of ${mask_name} are supported`);
  if (other_type !== null && mask.dtype !== other_type) {
    warn(`Support for mismatched ${mask_name} and ${other_name} is deprecated. Use same type for both instead.`);
  }
  return mask.is_floating_point() ? mask : boolToAdditive(mask, target_type);
}

/** q, k, v projections from the packed in_proj weight; self- and encoder-decoder attention share matmuls like PyTorch. */
function inProjectionPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): Tensor[] {
  const E = q.size(-1);
  if (k === v) {
    if (q === k) return linear(q, w, b).chunk(3, -1);
    const [wq, wkv] = w.split([E, E * 2]);
    const [bq, bkv] = b ? b.split([E, E * 2]) : [null, null];
    return [linear(q, wq, bq), ...linear(k, wkv, bkv).chunk(2, -1)];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

function inProjection(q: Tensor, k: Tensor, v: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, b: Tensor | null): Tensor[] {
  const [Eq, Ek, Ev] = [q.size(-1), k.size(-1), v.size(-1)];
  const check = (w: Tensor, want: number[], what: string) =>
    assert(shapeEquals(w.shape, want), `expecting ${what} weights shape of ${pyTuple(want)}, but got ${pyShape(w.shape)}`);
  check(wq, [Eq, Eq], 'query');
  check(wk, [Eq, Ek], 'key');
  check(wv, [Eq, Ev], 'value');
  const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/**
 * PyTorch's F.multi_head_attention_forward (sequence-first layout: (L, N, E), or (L, E) unbatched). Returns
 * [attn_output, attn_weights or null].
 *
 * Takes the same arguments as in Python.
 *
 * @see [torch.nn.functional.multi_head_attention_forward](https://pytorch.org/docs/stable/generated/torch.nn.functional.multi_head_attention_forward.html)
 */
export function multi_head_attention_forward(
  query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: number, num_heads: number,
  in_proj_weight: Tensor | null, in_proj_bias: Tensor | null, bias_k: Tensor | null, bias_v: Tensor | null,
  add_zero_attn: boolean, dropout_p: number, out_proj_weight: Tensor, out_proj_bias: Tensor | null,
  options: MultiHeadAttentionForwardOptions = {},
): [Tensor, Tensor | null] {
  requireTensor(query, 'query');
  requireTensor(key, 'key');
  requireTensor(value, 'value');
  const training = options.training ?? true;
  const needWeights = options.need_weights ?? true;
  const average = options.average_attn_weights ?? true;
  let kpm = optTensor(options.key_padding_mask, 'key_padding_mask');
  let attnMask = optTensor(options.attn_mask, 'attn_mask');
  const staticK = optTensor(options.static_k, 'static_k');
  const staticV = optTensor(options.static_v, 'static_v');
  let isCausal = options.is_causal ?? false;
  // PyTorch 2.x makes both masks additive up front, merges them by adding, and without
  // need_weights attends through aten::scaled_dot_product_attention; 1.13 has none of that.
  const asPytorch2 = hasNativeSdpa();

  const isBatched = checkShapes(query, key, value, kpm, attnMask, num_heads);
  if (!isBatched) {
    // Pretend to be batched (batch dimension 1) and squeeze it off the results. As in PyTorch,
    // the three become distinct tensors, so the in-projection takes its general path.
    query = query.unsqueeze(1);
    key = key.unsqueeze(1);
    value = value.unsqueeze(1);
    if (kpm) kpm = kpm.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = query.shape;
  const srcLen0 = key.size(0);
  if (asPytorch2) {
    kpm = _canonical_mask(kpm, 'key_padding_mask', query.dtype, attnMask?.dtype ?? null, 'attn_mask');
  } else if (kpm && kpm.dtype !== BOOL && !kpm.is_floating_point()) {
    throw new Error('only bool and floating types of key_padding_mask are supported');
  }
  if (isCausal && !attnMask) {
    throw new Error('Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.');
  }
  if (asPytorch2) {
    // Only SDPA takes the hint, and only while the mask is not merged with a padding mask.
    if (isCausal && !kpm && !needWeights) attnMask = null;
    else {
      attnMask = _canonical_mask(attnMask, 'attn_mask', query.dtype);
      if (kpm) isCausal = false;
    }
  }
  assert(embedDim === embed_dim_to_check, `was expecting embedding dimension of ${embed_dim_to_check}, but got ${embedDim}`);
  const headDim = Math.floor(embedDim / num_heads);
  assert(headDim * num_heads === embedDim, `embed_dim ${embedDim} not divisible by num_heads ${num_heads}`);
  if (options.use_separate_proj_weight) {
    assert(shapeEquals(key.shape.slice(0, 2), value.shape.slice(0, 2)),
      `key's sequence and batch dims ${pyShape(key.shape.slice(0, 2))} do not match value's ${pyShape(value.shape.slice(0, 2))}`);
  } else {
    assert(shapeEquals(key.shape, value.shape), `key shape ${pyShape(key.shape)} does not match value shape ${pyShape(value.shape)}`);
  }

  // In-projection.
  let q: Tensor;
  let k: Tensor;
  let v: Tensor;
  if (!options.use_separate_proj_weight) {
    assert(in_proj_weight != null, 'use_separate_proj_weight is False but in_proj_weight is None');
    [q, k, v] = inProjectionPacked(query, key, value, in_proj_weight, in_proj_bias);
  } else {
    const { q_proj_weight: wq, k_proj_weight: wk, v_proj_weight: wv } = options;
    assert(wq != null, 'use_separate_proj_weight is True but q_proj_weight is None');
    assert(wk != null, 'use_separate_proj_weight is True but k_proj_weight is None');
    assert(wv != null, 'use_separate_proj_weight is True but v_proj_weight is None');
    [q, k, v] = inProjection(query, key, value, wq, wk, wv, in_proj_bias);
  }

  // Attention mask: bool or float, made 3-D.
  if (attnMask) {
    if (asPytorch2) {
      // Already additive (_canonical_mask above).
    } else if (attnMask.dtype === UINT8) {
      warn('Byte tensor for attn_mask in nn.MultiheadAttention is deprecated. Use bool tensor instead.');
      attnMask = attnMask.to(BOOL);
    } else {
      assert(attnMask.is_floating_point() || attnMask.dtype === BOOL, `Only float, byte, and bool types are supported for attn_mask, not ${attnMask.dtype}`);
    }
    if (attnMask.dim() === 2) {
      const want = [tgtLen, srcLen0];
      if (!shapeEquals(attnMask.shape, want)) throw new Error(`The shape of the 2D attn_mask is ${pyShape(attnMask.shape)}, but should be ${pyTuple(want)}.`);
      attnMask = attnMask.unsqueeze(0);
    } else if (attnMask.dim() === 3) {
      const want = [bsz * num_heads, tgtLen, srcLen0];
      if (!shapeEquals(attnMask.shape, want)) throw new Error(`The shape of the 3D attn_mask is ${pyShape(attnMask.shape)}, but should be ${pyTuple(want)}.`);
    } else {
      throw new Error(`attn_mask's dimension ${attnMask.dim()} is not supported`);
    }
  }

  // Learned key/value biases, appended along the sequence dimension.
  if (bias_k && bias_v) {
    assert(staticK === null, 'bias cannot be added to static key.');
    assert(staticV === null, 'bias cannot be added to static value.');
    k = cat([k, bias_k.repeat(1, bsz, 1)]);
    v = cat([v, bias_v.repeat(1, bsz, 1)]);
    if (attnMask) attnMask = padLastByOne(attnMask);
    if (kpm) kpm = padLastByOne(kpm);
  } else {
    assert(bias_k == null && bias_v == null, 'bias_k and bias_v must be given together');
  }

  // Heads into the batch dimension: (N * H, L, head_dim).
  q = q.contiguous().view(tgtLen, bsz * num_heads, headDim).transpose(0, 1);
  if (staticK === null) {
    k = k.contiguous().view(k.size(0), bsz * num_heads, headDim).transpose(0, 1);
  } else {
    assert(staticK.size(0) === bsz * num_heads, `expecting static_k.size(0) of ${bsz * num_heads}, but got ${staticK.size(0)}`);
    assert(staticK.size(2) === headDim, `expecting static_k.size(2) of ${headDim}, but got ${staticK.size(2)}`);
    k = staticK;
  }
  if (staticV === null) {
    v = v.contiguous().view(v.size(0), bsz * num_heads, headDim).transpose(0, 1);
  } else {
    assert(staticV.size(0) === bsz * num_heads, `expecting static_v.size(0) of ${bsz * num_heads}, but got ${staticV.size(0)}`);
    assert(staticV.size(2) === headDim, `expecting static_v.size(2) of ${headDim}, but got ${staticV.size(2)}`);
    v = staticV;
  }

  if (add_zero_attn) {
    const shape = [bsz * num_heads, 1, headDim];
    k = cat([k, zeros(shape, { dtype: k.dtype, device: k.device })], 1);
    v = cat([v, zeros(shape, { dtype: v.dtype, device: v.device })], 1);
    if (attnMask) attnMask = padLastByOne(attnMask);
    if (kpm) kpm = padLastByOne(kpm);
  }
  const srcLen = k.size(1);

  // Merge the key padding mask into the attention mask, then make it additive.
  if (kpm) {
    if (asPytorch2) {
      assert(kpm.size(0) === bsz, `Expected key_padded_mask.shape[0] to be ${bsz}, but got ${kpm.size(0)}`);
      assert(kpm.size(1) === srcLen, `Expected key_padded_mask.shape[1] to be ${srcLen}, but got ${kpm.size(1)}`);
    } else {
      const want = [bsz, srcLen];
      assert(shapeEquals(kpm.shape, want), `expecting key_padding_mask shape of ${pyTuple(want)}, but got ${pyShape(kpm.shape)}`);
    }
    kpm = kpm.view(bsz, 1, 1, srcLen).expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, srcLen);
    if (attnMask === null) attnMask = kpm;
    else if (asPytorch2) attnMask = attnMask.add(kpm);
    else if (attnMask.dtype === BOOL && kpm.dtype === BOOL) attnMask = attnMask.logical_or(kpm);
    else {
      // Mixed or float masks add, as PyTorch 2.x's _canonical_mask does.
      const a = attnMask.dtype === BOOL ? boolToAdditive(attnMask, q.dtype) : attnMask;
      attnMask = kpm.dtype === BOOL ? a.masked_fill(kpm, -Infinity) : a.add(kpm);
    }
  }
  if (attnMask && attnMask.dtype === BOOL) attnMask = boolToAdditive(attnMask, q.dtype);

  const p = training ? dropout_p : 0;
  if (asPytorch2 && !needWeights) {
    // (N * H, ...) to (N, H, ...); a mask shared by all batches and heads stays broadcast.
    if (attnMask) attnMask = attnMask.size(0) === 1 && attnMask.dim() === 3 ? attnMask.unsqueeze(0) : attnMask.view(bsz, num_heads, -1, srcLen);
    let out = _nn.scaled_dot_product_attention(q.view(bsz, num_heads, tgtLen, headDim), k.view(bsz, num_heads, srcLen, headDim),
      v.view(bsz, num_heads, srcLen, headDim), attnMask, p, isCausal);
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgtLen, embedDim);
    out = linear(out, out_proj_weight, out_proj_bias);
    out = out.view(tgtLen, bsz, out.size(1));
    return [isBatched ? out : out.squeeze(1), null];
  }
  // 2.x multiplies by sqrt(1 / E) where 1.13 divides by sqrt(E): they round differently.
  const qScaled = asPytorch2 ? q.mul(Math.sqrt(1 / q.size(2))) : q.div(Math.sqrt(q.size(2)));
  const kT = k.transpose(-2, -1);
  let weights = attnMask ? torch.baddbmm(attnMask, qScaled, kT) : qScaled.bmm(kT);
  weights = softmaxLastDim(weights);
  if (p > 0) weights = dropout(weights, p, true);

  let out = weights.bmm(v);
  out = out.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
  out = linear(out, out_proj_weight, out_proj_bias);
  out = out.view(tgtLen, bsz, out.size(1));
  if (!isBatched) out = out.squeeze(1);
  if (!needWeights) return [out, null];
  weights = weights.view(bsz, num_heads, tgtLen, srcLen);
  if (average) weights = asPytorch2 ? weights.mean(1) : weights.sum(1).div(num_heads);
  if (!isBatched) weights = weights.squeeze(0);
  return [out, weights];
}
