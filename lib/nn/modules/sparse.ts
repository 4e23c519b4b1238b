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

export interface EmbeddingOptions extends FactoryOptions {
  padding_idx?: number | null;
  max_norm?: number | null;
  norm_type?: number;
  scale_grad_by_freq?: boolean;
  sparse?: boolean;
  /** Use this tensor as the weight instead of drawing one. */
  _weight?: Tensor | null;
  _freeze?: boolean;
}

/** new nn.Embedding(num_embeddings, embedding_dim, { padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse }) */
export class Embedding extends Module {
  num_embeddings: number;
  embedding_dim: number;
  padding_idx: number | null;
  max_norm: number | null;
  norm_type: number;
  scale_grad_by_freq: boolean;
  weight: Parameter;
  sparse: boolean;

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

  /** Embedding.from_pretrained(embeddings, { freeze = true, padding_idx, ... }): wraps an existing 2-D weight. */
  static from_pretrained(embeddings: Tensor, options: Omit<EmbeddingOptions, '_weight' | '_freeze'> & { freeze?: boolean } = {}): Embedding {
    if (embeddings.dim() !== 2) throw new RangeError('Embeddings parameter is expected to be 2-dimensional');
    const { freeze, ...rest } = options;
    const [rows, cols] = embeddings.shape;
    return new Embedding(rows, cols, { ...rest, _weight: embeddings, _freeze: freeze ?? true });
  }

  reset_parameters(): void {
    init.normal_(this.weight);
    this._fill_padding_idx_with_zero();
  }

  _fill_padding_idx_with_zero(): void {
    const pad = this.padding_idx;
    if (pad !== null) no_grad(() => this.weight.select(0, pad).fill_(0));
  }

  forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, {
      padding_idx: this.padding_idx, max_norm: this.max_norm, norm_type: this.norm_type,
      scale_grad_by_freq: this.scale_grad_by_freq, sparse: this.sparse,
    });
  }

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
