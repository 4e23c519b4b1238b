// pytorch/tutorials beginner_source/examples_nn/polynomial_nn.py ("PyTorch: nn"), ported line by
// line: a third order polynomial fitted to sin(x) on [-π, π] by an nn.Sequential(Linear, Flatten)
// with an MSE loss and gradient descent written out under no_grad. tests/ports.test.ts checks
// every step's loss, the final weights and the printed lines against the PyTorch run of
// scripts/ports/polynomial_nn.py, bit for bit.
//
// Source:  https://github.com/pytorch/tutorials/blob/90fb0068a1941e996b100fd9b4e05dbaa497076e/beginner_source/examples_nn/polynomial_nn.py
// License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/polynomial_nn.py), marked "torchnode: <n>.":
//  1. torch.manual_seed(0): the original's nn.Linear starts unseeded. 2. every step's loss kept
//  in `losses`. 3. the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: `a * b` → a.mul(b), module(x) →
// module.forward(x), keyword arguments → a trailing options object, x[:, 0] → x.index(':', 0)):
//  - The module-level program is the body of main().
//  - `with torch.no_grad(): ...` → torch.no_grad(() => { ... }).
//  - `param -= learning_rate * param.grad` → param.sub_(param.grad.mul(learning_rate)): no
//    operator overloading; `-=` on a tensor is Python's in-place __isub__, i.e. sub_.
//  - `model[0]` → model.at(0): no index operator on a Sequential.
//  - print() → the printer of examples/ports/python.ts; the f-string's floats (item()) go through
//    floatRepr(), which is Python's repr of a float.
import * as torch from '../../lib/index';
import { floatRepr, printer, type PortRun } from './python';

export interface PolynomialNnResults {
  losses: number[];
  weight: number[][];
  bias: number[];
}

export function main(echo = false): PortRun<PolynomialNnResults> {
  const { print, stdout } = printer(echo);

  torch.manual_seed(0); // torchnode: 1. seeded

  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000);
  const y = torch.sin(x);

  // For this example, the output y is a linear function of (x, x^2, x^3), so
  // we can consider it as a linear layer neural network. Let's prepare the
  // tensor (x, x^2, x^3).
  const p = torch.tensor([1, 2, 3]);
  const xx = x.unsqueeze(-1).pow(p);

  // In the above code, x.unsqueeze(-1) has shape (2000, 1), and p has shape
  // (3,), for this case, broadcasting semantics will apply to obtain a tensor
  // of shape (2000, 3)

  // Use the nn package to define our model as a sequence of layers. nn.Sequential
  // is a Module which contains other Modules, and applies them in sequence to
  // produce its output. The Linear Module computes output from input using a
  // linear function, and holds internal Tensors for its weight and bias.
  // The Flatten layer flatens the output of the linear layer to a 1D tensor,
  // to match the shape of `y`.
  const model = new torch.nn.Sequential(
    new torch.nn.Linear(3, 1),
    new torch.nn.Flatten(0, 1),
  );

  // The nn package also contains definitions of popular loss functions; in this
  // case we will use Mean Squared Error (MSE) as our loss function.
  const loss_fn = new torch.nn.MSELoss({ reduction: 'sum' });

  const learning_rate = 1e-6;
  const losses: number[] = []; // torchnode: 2. every step's loss
  for (let t = 0; t < 2000; t++) {
    // Forward pass: compute predicted y by passing x to the model. Module objects
    // override the __call__ operator so you can call them like functions. When
    // doing so you pass a Tensor of input data to the Module and it produces
    // a Tensor of output data.
    const y_pred = model.forward(xx);

    // Compute and print loss. We pass Tensors containing the predicted and true
    // values of y, and the loss function returns a Tensor containing the
    // loss.
    const loss = loss_fn.forward(y_pred, y);
    losses.push(loss.item() as number); // torchnode: 2.
    if (t % 100 === 99) {
      print(t, floatRepr(loss.item() as number));
    }

    // Zero the gradients before running the backward pass.
    model.zero_grad();

    // Backward pass: compute gradient of the loss with respect to all the learnable
    // parameters of the model. Internally, the parameters of each Module are stored
    // in Tensors with requires_grad=True, so this call will compute gradients for
    // all learnable parameters in the model.
    loss.backward();

    // Update the weights using gradient descent. Each parameter is a Tensor, so
    // we can access its gradients like we did before.
    torch.no_grad(() => {
      for (const param of model.parameters()) {
        param.sub_(param.grad!.mul(learning_rate));
      }
    });
  }

  // You can access the first layer of `model` like accessing the first item of a list
  const linear_layer = model.at(0) as torch.nn.Linear;

  // For linear layer, its parameters are stored as `weight` and `bias`.
  const item = (t: torch.Tensor): string => floatRepr(t.item() as number);
  print(`Result: y = ${item(linear_layer.bias!)} + ${item(linear_layer.weight.index(':', 0))} x + ${item(linear_layer.weight.index(':', 1))} x^2 + ${item(linear_layer.weight.index(':', 2))} x^3`);

  // torchnode: 3. the values the port is compared on
  const results: PolynomialNnResults = {
    losses,
    weight: linear_layer.weight.tolist() as number[][],
    bias: linear_layer.bias!.tolist() as number[],
  };
  return { stdout, results };
}

if (require.main === module) main(true);
