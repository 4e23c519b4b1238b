# The oracle for examples/ports/regression.ts: pytorch/examples regression/main.py, run as is
# apart from the changes listed below. scripts/ports/gen_ports_fixtures.py runs it under each
# PyTorch and writes what it printed and PORT_RESULTS to tests/fixtures/torch-<ver>/ports/regression.json.
#
# Source:  https://github.com/pytorch/examples/blob/77f55b912142e11fcfdf5b530231fb9c52f181e8/regression/main.py
# Commit:  77f55b912142e11fcfdf5b530231fb9c52f181e8 (pytorch/examples)
# License: BSD-3-Clause, Copyright (c) 2017, Pytorch contributors
#
# Changes (each marked "# torchnode:" below):
#  1. torch.manual_seed(0) before the target is drawn: the original is unseeded.
#  2. the loss of every batch is kept in `losses`, to compare the whole run.
#  3. at most 5000 batches: a diverging run (NaN loss never drops under 1e-3) ends instead of
#     looping forever. The seeded run stops at batch 830, so this never triggers.
#  4. PORT_RESULTS at the end: the values the port is compared on.
from __future__ import print_function
from itertools import count

import torch
import torch.nn.functional as F

torch.manual_seed(0)  # torchnode: 1. seeded

POLY_DEGREE = 4
W_target = torch.randn(POLY_DEGREE, 1) * 5
b_target = torch.randn(1) * 5


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE+1)], 1)


def f(x):
    """Approximated function."""
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = 'y = '
    for i, w in enumerate(W):
        result += '{:+.2f} x^{} '.format(w, i + 1)
    result += '{:+.2f}'.format(b[0])
    return result


def get_batch(batch_size=32):
    """Builds a batch i.e. (x, f(x)) pair."""
    random = torch.randn(batch_size)
    x = make_features(random)
    y = f(x)
    return x, y


# Define model
fc = torch.nn.Linear(W_target.size(0), 1)
losses = []  # torchnode: 2. every batch's loss

for batch_idx in count(1):
    # Get data
    batch_x, batch_y = get_batch()

    # Reset gradients
    fc.zero_grad()

    # Forward pass
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    losses.append(loss)  # torchnode: 2.

    # Backward pass
    output.backward()

    # Apply gradients
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)

    # Stop criterion
    if loss < 1e-3:
        break
    if batch_idx == 5000:  # torchnode: 3. a diverging run ends
        break

print('Loss: {:.6f} after {} batches'.format(loss, batch_idx))
print('==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias))
print('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target))

# torchnode: 4. the values the port is compared on
PORT_RESULTS = {
    'W_target': W_target.tolist(),
    'b_target': b_target.tolist(),
    'batches': batch_idx,
    'losses': losses,
    'fc.weight': fc.weight.tolist(),
    'fc.bias': fc.bias.tolist(),
}
