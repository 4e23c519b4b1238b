// "As written" cases: the training loops of public PyTorch programs, ported line by line with no
// memory code at all (no torch.tidy, no dispose): every temporary is left to the garbage
// collector, as a notebook port leaves it. Twins in bench/torch_side.py (case_aw_*), written the
// way the PyTorch programs write them.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as torch from '../../lib/index';
import { Case, now, once } from '../cases';

const nn = torch.nn;
type Tensor = torch.Tensor;

function asWritten(name: string, python: string, description: string, iterations: number, build: () => () => void): Case {
  const step = once(() => {
    torch.manual_seed(0);
    return build();
  });
  return {
    name: `${name} (as written)`,
    python,
    description,
    iterations,
    run(n) {
      const body = step();
      const t = now();
      for (let i = 0; i < n; i++) body();
      return Number(now() - t);
    },
  };
}

// PyTorch's quickstart: Flatten, 784-512-512-10 with ReLU, CrossEntropyLoss, SGD(lr=1e-3).
function mlp(): () => void {
  const model = new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(28 * 28, 512), new nn.ReLU(),
    new nn.Linear(512, 512), new nn.ReLU(),
    new nn.Linear(512, 10),
  );
  const loss_fn = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 1e-3 });
  const X = torch.rand(64, 1, 28, 28);
  const y = torch.randint(0, 10, [64]);
  return () => {
    const pred = model.forward(X);
    const loss = loss_fn.forward(pred, y);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
  };
}

// The "learning PyTorch with examples" polynomial fit: four scalar parameters, manual updates.
function polynomial(): () => void {
  const x = torch.linspace(-Math.PI, Math.PI, 2000);
  const y = torch.sin(x);
  const [a, b, c, d] = [0, 1, 2, 3].map(() => torch.randn([], { requires_grad: true }));
  const learning_rate = 1e-6;
  return () => {
    const y_pred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
    const loss = y_pred.sub(y).pow(2).sum();
    loss.backward();
    torch.no_grad(() => {
      for (const p of [a, b, c, d]) {
        p.sub_(p.grad!.mul(learning_rate));
        p.grad = null;
      }
    });
  };
}

// The time-sequence-prediction example's cell loop: LSTMCell(1, 51) then LSTMCell(51, 51) and a
// Linear(51, 1), in float64, over 1,000 steps, then MSE and backward.
function lstmCellLoop(): () => void {
  const lstm1 = new nn.LSTMCell(1, 51).double();
  const lstm2 = new nn.LSTMCell(51, 51).double();
  const linear = new nn.Linear(51, 1).double();
  const input = torch.randn(4, 1000, { dtype: torch.float64 });
  const target = torch.randn(4, 1000, { dtype: torch.float64 });
  const criterion = new nn.MSELoss();
  return () => {
    const outputs: Tensor[] = [];
    let h_t = torch.zeros(4, 51, { dtype: torch.float64 });
    let c_t = torch.zeros(4, 51, { dtype: torch.float64 });
    let h_t2 = torch.zeros(4, 51, { dtype: torch.float64 });
    let c_t2 = torch.zeros(4, 51, { dtype: torch.float64 });
    for (const input_t of input.split(1, 1)) {
      [h_t, c_t] = lstm1.forward(input_t, [h_t, c_t]);
      [h_t2, c_t2] = lstm2.forward(h_t, [h_t2, c_t2]);
      outputs.push(linear.forward(h_t2));
    }
    const loss = criterion.forward(torch.cat(outputs, 1), target);
    for (const m of [lstm1, lstm2, linear]) m.zero_grad();
    loss.backward();
  };
}

// The word language model's training step: embedding 1000 → 200, 2-layer LSTM(200), decoder,
// truncated BPTT of 35 over batch 20 (hidden state detached between steps), clip_grad_norm_,
// and the manual `p.data.add_(p.grad, alpha=-lr)` update.
class RNNModel extends nn.Module {
  encoder: torch.nn.Embedding;
  rnn: torch.nn.LSTM;
  decoder: torch.nn.Linear;
  constructor() {
    super();
    this.encoder = new nn.Embedding(1000, 200);
    this.rnn = new nn.LSTM(200, 200, { num_layers: 2 });
    this.decoder = new nn.Linear(200, 1000);
  }
  forward(input: Tensor, hidden: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const emb = this.encoder.forward(input);
    const [output, h] = this.rnn.forward(emb, hidden);
    return [this.decoder.forward(output).view(-1, 1000), h as [Tensor, Tensor]];
  }
}

function languageModel(): () => void {
  const model = new RNNModel();
  const criterion = new nn.NLLLoss();
  const data = torch.randint(0, 1000, [36, 20]);
  const lr = 20;
  let hidden: [Tensor, Tensor] = [torch.zeros(2, 20, 200), torch.zeros(2, 20, 200)];
  return () => {
    const input = data.narrow(0, 0, 35);
    const targets = data.narrow(0, 1, 35).reshape(-1);
    hidden = [hidden[0].detach(), hidden[1].detach()];
    model.zero_grad();
    let output: Tensor;
    [output, hidden] = model.forward(input, hidden);
    const loss = criterion.forward(torch.log_softmax(output, 1), targets);
    loss.backward();
    nn.utils.clip_grad_norm_(model.parameters(), 0.25);
    for (const p of model.parameters()) p.data.add_(p.grad!, { alpha: -lr });
  };
}

// The CNN example's whole first epoch as a user runs it (data loading, training, evaluation,
// checkpoint), in a fresh process each, against scripts/cnn_fashion_mnist.py --full-epoch.
function cnnEpoch(): Case {
  const root = path.join(__dirname, '..', '..');
  return {
    name: 'CNN example, one full epoch with data loading and evaluation (fresh process)',
    python: 'cnn_epoch',
    description: 'examples/cnn.ts --epochs 1 against scripts/cnn_fashion_mnist.py --full-epoch',
    iterations: 1,
    warmup: 0,
    run(n) {
      const t = now();
      for (let i = 0; i < n; i++) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'examples', 'cnn.ts'), '--epochs', '1'], { cwd: root, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`examples/cnn.ts failed: ${r.stderr}`);
      }
      return Number(now() - t);
    },
  };
}

export function asWrittenCases(): Case[] {
  return [
    asWritten('MLP train step 784-512-512-10, batch 64 (SGD)', 'aw_mlp', 'the PyTorch quickstart loop', 200, mlp),
    asWritten('polynomial fit, 4 scalar parameters, manual sub_ and grad = null', 'aw_poly', 'learning PyTorch with examples', 2000, polynomial),
    asWritten('LSTMCell loop, 1,000 steps, float64, forward and backward', 'aw_lstmcell', 'time sequence prediction', 3, lstmCellLoop),
    asWritten('LSTM language-model step, BPTT 35, clip_grad_norm_', 'aw_lm', 'word language model', 30, languageModel),
    cnnEpoch(),
  ];
}
