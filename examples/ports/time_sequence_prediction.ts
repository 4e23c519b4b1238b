// pytorch/examples time_sequence_prediction (generate_sine_wave.py and train.py), ported line by
// line: sine waves at random phases, a Sequence of two LSTMCells and a Linear in float64 stepped
// over each wave, trained with optim.LBFGS (lr 0.8) and a closure on the MSE of the next value,
// then predicting the test waves' future under no_grad. tests/ports.test.ts checks the waves,
// every closure's loss, every step's test loss, the prediction, LBFGS's counters, the final
// state_dict and the printed lines against the PyTorch run of
// scripts/ports/time_sequence_prediction.py, bit for bit.
//
// Source:  https://github.com/pytorch/examples/blob/00ef8a78e47ddbaf12d06e2cb1ae88ff1eba1bb4/time_sequence_prediction/generate_sine_wave.py
//          https://github.com/pytorch/examples/blob/00ef8a78e47ddbaf12d06e2cb1ae88ff1eba1bb4/time_sequence_prediction/train.py
// License: BSD-3-Clause, Copyright (c) 2017, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/time_sequence_prediction.py), marked
// "torchnode: <n>.":
//  1. generate_sine_wave.py runs in-process as generate_sine_wave(); train.py takes its return
//  value where it read traindata.pt, and its torch.from_numpy(data[...]) are the slices data[...].
//  2. the waves drawn with torch, not numpy (torch.manual_seed(2), torch.randint, torch.arange,
//  torch.empty, torch.sin(x.double() / 1.0 / T): an int64 tensor / 1.0 is float32, numpy's is
//  float64); train.py's np.random.seed(0) dropped. 3. smaller, for a test of about a second:
//  N = 100 → 5 sequences, L = 1000 → 31 points, --steps 15 → 2, future = 1000 → 20.
//  4. argparse → the default --steps as a fixed opt.steps. 5. no matplotlib: the plot of each
//  step left out, y = pred.detach().numpy() → pred.detach(). 6. every closure's loss, every
//  step's test loss and the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: module(x) → module.forward(x), keyword
// arguments → a trailing options object, tuples → arrays, x[a:b] → x.index('a:b')):
//  - The `if __name__ == '__main__':` body is the body of main(); the class stays at module level.
//  - `x[:] = v` → x.index_put_([':'], v), what Python's __setitem__ runs; `a + b` of tensors →
//    a.add(b); `x / 1.0 / T` → x.div(1.0).div(T).
//  - input.split(1, dim=1) and torch.cat(outputs, dim=1) → dim positionally, as torchnode takes it.
//  - `outputs += [output]` → outputs.push(output).
//  - `with torch.no_grad(): ...` → torch.no_grad(() => { ... }).
//  - `def closure()` → a closure function inside the loop, as in Python.
//  - print() → the printer of examples/ports/python.ts; `print('loss:', loss.item())` passes the
//    item through floatRepr(), Python's repr of a float (a float64 item may be whole).
//  - optimizer.state[p] → optimizer.state.get(p) (a Map keyed by the parameter).
import * as torch from '../../lib/index';
import { floatRepr, printer, type PortRun } from './python';

const nn = torch.nn;
const optim = torch.optim;
type Tensor = torch.Tensor;

export interface TimeSequencePredictionResults {
  data: number[][];
  losses: number[];
  test_losses: number[];
  y: number[][];
  func_evals: number;
  n_iter: number;
  state_dict: Record<string, unknown>;
}

function generate_sine_wave(): Tensor { // torchnode: 1. generate_sine_wave.py, in-process
  torch.manual_seed(2); // torchnode: 2. np.random.seed(2)

  const T = 20;
  const L = 31; // torchnode: 3. 1000
  const N = 5; // torchnode: 3. 100

  const x = torch.empty([N, L], { dtype: torch.int64 }); // torchnode: 2.
  x.index_put_([':'], torch.arange(L).add(torch.randint(-4 * T, 4 * T, [N]).reshape(N, 1))); // torchnode: 2.
  const data = torch.sin(x.double().div(1.0).div(T)); // torchnode: 2.
  return data; // torchnode: 1. torch.save(data, open('traindata.pt', 'wb'))
}

export class Sequence extends nn.Module {
  lstm1: torch.nn.LSTMCell;
  lstm2: torch.nn.LSTMCell;
  linear: torch.nn.Linear;

  constructor() {
    super();
    this.lstm1 = new nn.LSTMCell(1, 51);
    this.lstm2 = new nn.LSTMCell(51, 51);
    this.linear = new nn.Linear(51, 1);
  }

  forward(input: Tensor, future = 0): Tensor {
    const outputs: Tensor[] = [];
    let h_t = torch.zeros(input.size(0), 51, { dtype: torch.double });
    let c_t = torch.zeros(input.size(0), 51, { dtype: torch.double });
    let h_t2 = torch.zeros(input.size(0), 51, { dtype: torch.double });
    let c_t2 = torch.zeros(input.size(0), 51, { dtype: torch.double });

    let output!: Tensor;
    for (const input_t of input.split(1, 1)) {
      [h_t, c_t] = this.lstm1.forward(input_t, [h_t, c_t]);
      [h_t2, c_t2] = this.lstm2.forward(h_t, [h_t2, c_t2]);
      output = this.linear.forward(h_t2);
      outputs.push(output);
    }
    for (let i = 0; i < future; i++) { // if we should predict the future
      [h_t, c_t] = this.lstm1.forward(output, [h_t, c_t]);
      [h_t2, c_t2] = this.lstm2.forward(h_t, [h_t2, c_t2]);
      output = this.linear.forward(h_t2);
      outputs.push(output);
    }
    return torch.cat(outputs, 1);
  }
}

export function main(echo = false): PortRun<TimeSequencePredictionResults> {
  const { print, stdout } = printer(echo);

  const opt = { steps: 2 }; // torchnode: 4. argparse's default; 3. 15
  // set random seed to 0
  torch.manual_seed(0); // torchnode: 2. np.random.seed(0) dropped
  // load data and make training set
  const data = generate_sine_wave(); // torchnode: 1. torch.load('traindata.pt')
  const input = data.index('3:', ':-1'); // torchnode: 1. torch.from_numpy(...)
  const target = data.index('3:', '1:'); // torchnode: 1.
  const test_input = data.index(':3', ':-1'); // torchnode: 1.
  const test_target = data.index(':3', '1:'); // torchnode: 1.
  // build the model
  const seq = new Sequence();
  seq.double();
  const criterion = new nn.MSELoss();
  // use LBFGS as optimizer since we can load the whole data to train
  const optimizer = new optim.LBFGS(seq.parameters(), { lr: 0.8 });
  const losses: number[] = []; // torchnode: 6. every closure's loss
  const test_losses: number[] = []; // torchnode: 6. every step's test loss
  let y!: Tensor;
  //begin to train
  for (let i = 0; i < opt.steps; i++) {
    print('STEP: ', i);
    const closure = (): Tensor => {
      optimizer.zero_grad();
      const out = seq.forward(input);
      const loss = criterion.forward(out, target);
      print('loss:', floatRepr(loss.item() as number));
      losses.push(loss.item() as number); // torchnode: 6.
      loss.backward();
      return loss;
    };
    optimizer.step(closure);
    // begin to predict, no need to track gradient here
    torch.no_grad(() => {
      const future = 20; // torchnode: 3. 1000
      const pred = seq.forward(test_input, future);
      const loss = criterion.forward(pred.index(':', `:${-future}`), test_target);
      print('test loss:', floatRepr(loss.item() as number));
      test_losses.push(loss.item() as number); // torchnode: 6.
      y = pred.detach(); // torchnode: 5. .numpy() for the plot
    });
    // torchnode: 5. the plot (figure, draw(y[0..2]), savefig('predict%d.pdf'%i)) left out
  }

  // torchnode: 6. the values the port is compared on
  const state = optimizer.state.get(seq.lstm1.weight_ih)!;
  const results: TimeSequencePredictionResults = {
    data: data.tolist() as number[][],
    losses,
    test_losses,
    y: y.tolist() as number[][],
    func_evals: state.func_evals as number,
    n_iter: state.n_iter as number,
    state_dict: Object.fromEntries(Object.entries(seq.state_dict()).map(([k, v]) => [k, v.tolist()])),
  };
  return { stdout, results };
}

if (require.main === module) main(true);
