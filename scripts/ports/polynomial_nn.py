# The oracle for examples/ports/polynomial_nn.ts: pytorch/tutorials
# beginner_source/examples_nn/polynomial_nn.py, run as is apart from the changes listed below.
# scripts/ports/gen_ports_fixtures.py runs it under each PyTorch and writes what it printed and
# PORT_RESULTS to tests/fixtures/torch-<ver>/ports/polynomial_nn.json.
#
# Source:  https://github.com/pytorch/tutorials/blob/90fb0068a1941e996b100fd9b4e05dbaa497076e/beginner_source/examples_nn/polynomial_nn.py
# Commit:  90fb0068a1941e996b100fd9b4e05dbaa497076e (pytorch/tutorials)
# License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
#
# Changes (each marked "# torchnode:" below):
#  1. torch.manual_seed(0) before the model is made: the original's nn.Linear starts unseeded.
#  2. the loss of every step is kept in `losses`, to compare the whole run.
#  3. PORT_RESULTS at the end: the values the port is compared on.
# -*- coding: utf-8 -*-
"""
PyTorch: nn
-----------

A third order polynomial, trained to predict :math:`y=\sin(x)` from :math:`-\pi`
to :math:`pi` by minimizing squared Euclidean distance.

This implementation uses the nn package from PyTorch to build the network.
PyTorch autograd makes it easy to define computational graphs and take gradients,
but raw autograd can be a bit too low-level for defining complex neural networks;
this is where the nn package can help. The nn package defines a set of Modules,
which you can think of as a neural network layer that has produces output from
input and may have some trainable weights.
"""
import torch
import math

torch.manual_seed(0)  # torchnode: 1. seeded


# Create Tensors to hold input and outputs.
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# For this example, the output y is a linear function of (x, x^2, x^3), so
# we can consider it as a linear layer neural network. Let's prepare the
# tensor (x, x^2, x^3).
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

# In the above code, x.unsqueeze(-1) has shape (2000, 1), and p has shape
# (3,), for this case, broadcasting semantics will apply to obtain a tensor
# of shape (2000, 3) 

# Use the nn package to define our model as a sequence of layers. nn.Sequential
# is a Module which contains other Modules, and applies them in sequence to
# produce its output. The Linear Module computes output from input using a
# linear function, and holds internal Tensors for its weight and bias.
# The Flatten layer flatens the output of the linear layer to a 1D tensor,
# to match the shape of `y`.
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)

# The nn package also contains definitions of popular loss functions; in this
# case we will use Mean Squared Error (MSE) as our loss function.
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
losses = []  # torchnode: 2. every step's loss
for t in range(2000):

    # Forward pass: compute predicted y by passing x to the model. Module objects
    # override the __call__ operator so you can call them like functions. When
    # doing so you pass a Tensor of input data to the Module and it produces
    # a Tensor of output data.
    y_pred = model(xx)

    # Compute and print loss. We pass Tensors containing the predicted and true
    # values of y, and the loss function returns a Tensor containing the
    # loss.
    loss = loss_fn(y_pred, y)
    losses.append(loss.item())  # torchnode: 2.
    if t % 100 == 99:
        print(t, loss.item())

    # Zero the gradients before running the backward pass.
    model.zero_grad()

    # Backward pass: compute gradient of the loss with respect to all the learnable
    # parameters of the model. Internally, the parameters of each Module are stored
    # in Tensors with requires_grad=True, so this call will compute gradients for
    # all learnable parameters in the model.
    loss.backward()

    # Update the weights using gradient descent. Each parameter is a Tensor, so
    # we can access its gradients like we did before.
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

# You can access the first layer of `model` like accessing the first item of a list
linear_layer = model[0]

# For linear layer, its parameters are stored as `weight` and `bias`.
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')

# torchnode: 3. the values the port is compared on
PORT_RESULTS = {
    'losses': losses,
    'weight': linear_layer.weight.tolist(),
    'bias': linear_layer.bias.tolist(),
}
