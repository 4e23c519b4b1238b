// The chapter's three models, ported line by line from scripts/chapter_models.py (PyTorch),
// with the listings' bugs fixed there and here alike.
import * as torch from '../lib/index';

const { nn } = torch;
const F = torch.nn.functional;
type Tensor = torch.Tensor;

/** conv 3→32→64 with 2×2 max-pooling, then fc 64·6·6→128→10, on 3×24×24 inputs. */
export class CNN extends torch.nn.Module {
  flat_size: number;
  conv1: torch.nn.Conv2d;
  conv2: torch.nn.Conv2d;
  pool: torch.nn.MaxPool2d;
  fc1: torch.nn.Linear;
  fc2: torch.nn.Linear;

  /** in_channels and flat_size adapt the input (Fashion-MNIST is 1×28×28: 1 and 64·7·7). */
  constructor(in_channels = 3, flat_size = 64 * 6 * 6) {
    super();
    this.flat_size = flat_size;
    this.conv1 = new nn.Conv2d(in_channels, 32, 3, { padding: 1 });
    this.conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
    this.pool = new nn.MaxPool2d(2, 2);
    this.fc1 = new nn.Linear(flat_size, 128);
    this.fc2 = new nn.Linear(128, 10);
  }

  forward(input: Tensor): Tensor {
    let x = this.pool.forward(F.relu(this.conv1.forward(input)));
    x = this.pool.forward(F.relu(this.conv2.forward(x)));
    x = x.view(-1, this.flat_size);
    x = F.relu(this.fc1.forward(x));
    return this.fc2.forward(x);
  }
}

/** The listing's "RNN": a batch-first LSTM classifying from the last time step. */
export class LSTMClassifier extends torch.nn.Module {
  hidden_size: number;
  num_layers: number;
  lstm: torch.nn.LSTM;
  fc: torch.nn.Linear;

  constructor(input_size = 10, hidden_size = 8, num_layers = 2, num_classes = 2) {
    super();
    this.hidden_size = hidden_size;
    this.num_layers = num_layers;
    this.lstm = new nn.LSTM(input_size, hidden_size, num_layers, { batch_first: true });
    this.fc = new nn.Linear(hidden_size, num_classes);
  }

  forward(x: Tensor): Tensor {
    const h0 = torch.zeros(this.num_layers, x.size(0), this.hidden_size).to(x.device);
    const c0 = torch.zeros(this.num_layers, x.size(0), this.hidden_size).to(x.device);
    const [output] = this.lstm.forward(x, [h0, c0]);
    return this.fc.forward(output.index(':', -1, ':'));
  }
}

/**
 * Self-attention classifier: tokens projected to embed_dim plus a learned positional
 * embedding, multi-head self-attention with a residual LayerNorm, then the listing's attention
 * pooling (a Linear scores each position; softmax, dropout, weighted sum) and a classifier.
 */
export class AttentionClassifier extends torch.nn.Module {
  attn_dropout: number;
  embed: torch.nn.Linear;
  pos: torch.nn.Parameter;
  attn: torch.nn.MultiheadAttention;
  norm: torch.nn.LayerNorm;
  attn_dense: torch.nn.Linear;
  fc: torch.nn.Linear;

  constructor(input_dim: number, embed_dim: number, num_heads: number, num_classes: number, seq_len: number, attn_dropout = 0.1) {
    super();
    this.attn_dropout = attn_dropout;
    this.embed = new nn.Linear(input_dim, embed_dim);
    this.pos = new nn.Parameter(torch.zeros(1, seq_len, embed_dim));
    nn.init.normal_(this.pos, 0, 0.02);
    this.attn = new nn.MultiheadAttention(embed_dim, num_heads, { batch_first: true });
    this.norm = new nn.LayerNorm(embed_dim);
    this.attn_dense = new nn.Linear(embed_dim, 1);
    this.fc = new nn.Linear(embed_dim, num_classes);
  }

  forward(x: Tensor): Tensor {
    let h = this.embed.forward(x).add(this.pos);
    const [a] = this.attn.forward(h, h, h, { need_weights: false });
    h = this.norm.forward(h.add(a));
    const scores = this.attn_dense.forward(h).squeeze(-1);
    let weights = F.softmax(scores, { dim: -1 });
    weights = F.dropout(weights, { p: this.attn_dropout, training: this.training });
    const pooled = weights.unsqueeze(-1).mul(h).sum(1);
    return this.fc.forward(pooled);
  }
}
