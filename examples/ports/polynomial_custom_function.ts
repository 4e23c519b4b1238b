// pytorch/tutorials beginner_source/examples_autograd/polynomial_custom_function.py ("PyTorch:
// Defining New autograd Functions"), ported line by line: y = a + b·P3(c + d·x) fitted to sin(x)
// on [-π, π], where P3, the Legendre polynomial of degree three, is a torch.autograd.Function
// with a hand-written backward. tests/ports.test.ts checks every step's loss, the final a, b, c,
// d, the Function's graph node name and the printed lines against the PyTorch run of
// scripts/ports/polynomial_custom_function.py, bit for bit.
//
// Source:  https://github.com/pytorch/tutorials/blob/c53e7d4efc0e39e455c531d21ec7db28ba220214/beginner_source/examples_autograd/polynomial_custom_function.py
// License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/polynomial_custom_function.py), marked
// "torchnode: <n>.": 1. every step's loss kept in `losses`. 2. the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: `a * b` → a.mul(b) in Python's evaluation
// order (`5 * t` is Python's t.__rmul__(5), i.e. t.mul(5)), keyword arguments → a trailing
// options object, `@staticmethod def` → `static`):
//  - The module-level program is the body of main(); the class stays at module level.
//  - `input, = ctx.saved_tensors` → const [input] = ctx.saved_tensors.
//  - `P3 = LegendrePolynomial3.apply` → LegendrePolynomial3.apply.bind(LegendrePolynomial3):
//    Python's apply is a classmethod, bound to its class; torchnode's Function.apply is a static
//    method that reads its class from `this`, which a detached reference loses.
//  - torch.full((), ...) → torch.full([], ...).
//  - `with torch.no_grad(): ...` → torch.no_grad(() => { ... }); `a -= learning_rate * a.grad` →
//    a.sub_(a.grad.mul(learning_rate)) (Python's in-place __isub__).
//  - print() → the printer of examples/ports/python.ts; the f-string's floats (item()) go through
//    floatRepr(), which is Python's repr of a float.
import * as torch from '../../lib/index';
import { floatRepr, printer, type PortRun } from './python';

type Tensor = torch.Tensor;
// torch.autograd is a value in torchnode, not a namespace, so its FunctionCtx class is no type.
type FunctionCtx = InstanceType<typeof torch.autograd.FunctionCtx>;

export interface PolynomialCustomFunctionResults {
  losses: number[];
  a: number;
  b: number;
  c: number;
  d: number;
  grad_fn: string;
}

/**
 * We can implement our own custom autograd Functions by subclassing
 * torch.autograd.Function and implementing the forward and backward passes
 * which operate on Tensors.
 */
export class LegendrePolynomial3 extends torch.autograd.Function {
  /**
   * In the forward pass we receive a Tensor containing the input and return
   * a Tensor containing the output. ctx is a context object that can be used
   * to stash information for backward computation. You can cache arbitrary
   * objects for use in the backward pass using the ctx.save_for_backward method.
   */
  static forward(ctx: FunctionCtx, input: Tensor): Tensor {
    ctx.save_for_backward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }

  /**
   * In the backward pass we receive a Tensor containing the gradient of the loss
   * with respect to the output, and we need to compute the gradient of the loss
   * with respect to the input.
   */
  static backward(ctx: FunctionCtx, grad_output: Tensor): Tensor {
    const [input] = ctx.saved_tensors as Tensor[];
    return grad_output.mul(1.5).mul(input.pow(2).mul(5).sub(1));
  }
}

export function main(echo = false): PortRun<PolynomialCustomFunctionResults> {
  const { print, stdout } = printer(echo);

  const dtype = torch.float;
  const device = torch.device('cpu');
  // device = torch.device("cuda:0")  # Uncomment this to run on GPU

  // Create Tensors to hold input and outputs.
  // By default, requires_grad=False, which indicates that we do not need to
  // compute gradients with respect to these Tensors during the backward pass.
  const x = torch.linspace(-Math.PI, Math.PI, 2000, { device, dtype });
  const y = torch.sin(x);

  // Create random Tensors for weights. For this example, we need
  // 4 weights: y = a + b * P3(c + d * x), these weights need to be initialized
  // not too far from the correct result to ensure convergence.
  // Setting requires_grad=True indicates that we want to compute gradients with
  // respect to these Tensors during the backward pass.
  const a = torch.full([], 0.0, { device, dtype, requires_grad: true });
  const b = torch.full([], -1.0, { device, dtype, requires_grad: true });
  const c = torch.full([], 0.0, { device, dtype, requires_grad: true });
  const d = torch.full([], 0.3, { device, dtype, requires_grad: true });

  const learning_rate = 5e-6;
  const losses: number[] = []; // torchnode: 1. every step's loss
  for (let t = 0; t < 2000; t++) {
    // To apply our Function, we use Function.apply method. We alias this as 'P3'.
    const P3 = LegendrePolynomial3.apply.bind(LegendrePolynomial3);

    // Forward pass: compute predicted y using operations; we compute
    // P3 using our custom autograd operation.
    const y_pred = a.add(b.mul(P3(c.add(d.mul(x)))));

    // Compute and print loss
    const loss = y_pred.sub(y).pow(2).sum();
    losses.push(loss.item() as number); // torchnode: 1.
    if (t % 100 === 99) {
      print(t, floatRepr(loss.item() as number));
    }

    // Use autograd to compute the backward pass.
    loss.backward();

    // Update weights using gradient descent
    torch.no_grad(() => {
      a.sub_(a.grad!.mul(learning_rate));
      b.sub_(b.grad!.mul(learning_rate));
      c.sub_(c.grad!.mul(learning_rate));
      d.sub_(d.grad!.mul(learning_rate));

      // Manually zero the gradients after updating weights
      a.grad = null;
      b.grad = null;
      c.grad = null;
      d.grad = null;
    });
  }

  const item = (v: Tensor): string => floatRepr(v.item() as number);
  print(`Result: y = ${item(a)} + ${item(b)} * P3(${item(c)} + ${item(d)} x)`);

  // torchnode: 2. the values the port is compared on
  const results: PolynomialCustomFunctionResults = {
    losses,
    a: a.item() as number, b: b.item() as number, c: c.item() as number, d: d.item() as number,
    grad_fn: LegendrePolynomial3.apply(c.add(d.mul(x))).grad_fn!.name(),
  };
  return { stdout, results };
}

if (require.main === module) main(true);
