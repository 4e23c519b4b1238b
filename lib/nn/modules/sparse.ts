// nn.Embedding, after torch/nn/modules/sparse.py: weight drawn from N(0, 1), the padding_idx
// row zeroed, and the same extra_repr().
import { Tensor } from '../../tensor';
import { params } from '../../args';
import { no_grad } from '../../autograd';
import { Module } from '../module';
import { Parameter } from '../parameter';
import * as init from '../init';
import * as F from '../functional/layers';
import { FactoryOptions, newParameter, factoryOptions, pyFloat } from './utils';
import { keep } from '../../memory';

/**
 * The keyword arguments of `nn.Embedding`, as in PyTorch; each may also be given positionally
 * after `(num_embeddings, embedding_dim)`.
 */
export interface EmbeddingOptions extends FactoryOptions {
  /** A row that stays zero and gets no gradient (negative counts from the end; default none). */
  padding_idx?: number | null;
  /** Renormalise looked-up rows whose norm exceeds this, in place (default none). */
  max_norm?: number | null;
  /** The p of the norm for `max_norm` (default 2). */
  norm_type?: number;
  /** Scale gradients by the inverse frequency of the indices in the batch (default false). */
  scale_grad_by_freq?: boolean;
  /** Sparse gradients for the weight (default false). */
  sparse?: boolean;
  /** Use this tensor as the weight instead of drawing one (as PyTorch's `_weight`). */
  _weight?: Tensor | null;
  /** With `_weight`: whether the weight does not require grad (as PyTorch's `_freeze`). */
  _freeze?: boolean;
}

/**
 * A lookup table: row `i` of `weight` for each index `i` of the input.
 *
 * `new nn.Embedding(num_embeddings, embedding_dim, padding_idx?, max_norm?, norm_type?,
 * scale_grad_by_freq?, sparse?)` or with those, `device` and `dtype` in an options object
 * ({@link EmbeddingOptions}). The weight is drawn from N(0, 1), with the `padding_idx` row zeroed.
 *
 * @see [torch.nn.Embedding](https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html)
 */
export class Embedding extends Module {
  /** Number of rows. */
  num_embeddings: number;
  /** Size of each row. */
  embedding_dim: number;
  /** The padding row (non-negative), or null. */
  padding_idx: number | null;
  /** The renormalisation bound, or null. */
  max_norm: number | null;
  /** The p of the norm for `max_norm`. */
  norm_type: number;
  /** Whether gradients are scaled by index frequency. */
  scale_grad_by_freq: boolean;
  /** The table, (num_embeddings, embedding_dim). */
  weight: Parameter;
  /** Whether the weight gets sparse gradients. */
  sparse: boolean;

  /** The table's shape, then PyTorch's positional arguments or an {@link EmbeddingOptions}. */
  constructor(num_embeddings: number, embedding_dim: number, ...args: (number | boolean | null | EmbeddingOptions)[]) {
    super();
    const [padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight, _freeze, device, dtype] = params('Embedding', args,
      ['padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse', '_weight', '_freeze', 'device', 'dtype']);
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    let pad = (padding_idx ?? null) as number | null;
    if (pad !== null) {
      if (pad >= num_embeddings || pad < -num_embeddings) throw new RangeError('Padding_idx must be within num_embeddings');
      if (pad < 0) pad += num_embeddings;
    }
    this.padding_idx = pad;
    this.max_norm = (max_norm ?? null) as number | null;
    this.norm_type = (norm_type ?? 2.0) as number;
    this.scale_grad_by_freq = (scale_grad_by_freq ?? false) as boolean;
    if (_weight == null) {
      this.weight = newParameter([num_embeddings, embedding_dim], factoryOptions({ device, dtype } as FactoryOptions));
      this.reset_parameters();
    } else {
      const w = _weight as Tensor;
      const shape = w.shape;
      if (shape.length !== 2 || shape[0] !== num_embeddings || shape[1] !== embedding_dim) {
        throw new RangeError('Shape of weight does not match num_embeddings and embedding_dim');
      }
      this.weight = keep(new Parameter(w, !_freeze));
    }
    this.sparse = (sparse ?? false) as boolean;
  }

  /**
   * An Embedding over an existing 2-D weight: `Embedding.from_pretrained(embeddings, { freeze,
   * padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse })`, PyTorch's keyword arguments in
   * the options object; `freeze` (default true) keeps the weight from requiring grad.
   *
   * @see [torch.nn.Embedding.from_pretrained](https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html#torch.nn.Embedding.from_pretrained)
   */
  static from_pretrained(embeddings: Tensor, options: Omit<EmbeddingOptions, '_weight' | '_freeze'> & { freeze?: boolean } = {}): Embedding {
    if (embeddings.dim() !== 2) throw new RangeError('Embeddings parameter is expected to be 2-dimensional');
    const { freeze, ...rest } = options;
    const [rows, cols] = embeddings.shape;
    return new Embedding(rows, cols, { ...rest, _weight: embeddings, _freeze: freeze ?? true });
  }

  /** Re-draws the weight from N(0, 1) and zeroes the padding row. */
  reset_parameters(): void {
    init.normal_(this.weight);
    this._fill_padding_idx_with_zero();
  }

  /** Zeroes the `padding_idx` row, without recording autograd. */
  _fill_padding_idx_with_zero(): void {
    const pad = this.padding_idx;
    if (pad !== null) no_grad(() => this.weight.select(0, pad).fill_(0));
  }

  /** Looks up the rows of the integer tensor `input`: the result has shape (*input.shape, embedding_dim). */
  forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, {
      padding_idx: this.padding_idx, max_norm: this.max_norm, norm_type: this.norm_type,
      scale_grad_by_freq: this.scale_grad_by_freq, sparse: this.sparse,
    });
  }

  /** PyTorch's `extra_repr`: the constructor arguments, as `print(module)` shows them. */
  extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    if (this.max_norm !== null) s += `, max_norm=${pyFloat(this.max_norm)}`;
    if (this.norm_type !== 2) s += `, norm_type=${pyFloat(this.norm_type)}`;
    if (this.scale_grad_by_freq) s += ', scale_grad_by_freq=True';
    if (this.sparse) s += ', sparse=True';
    return s;
  }
}
