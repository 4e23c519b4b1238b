# The oracle for examples/ports/time_sequence_prediction.ts: pytorch/examples
# time_sequence_prediction (generate_sine_wave.py, then train.py: a Sequence of two LSTMCells and
# a Linear in float64, trained with optim.LBFGS and a closure on sine waves, then predicting the
# waves' future), run as is apart from the changes listed below. scripts/ports/gen_ports_fixtures.py
# runs it under each PyTorch and writes what it printed and PORT_RESULTS to
# tests/fixtures/torch-<ver>/ports/time_sequence_prediction.json.
#
# Source:  https://github.com/pytorch/examples/blob/00ef8a78e47ddbaf12d06e2cb1ae88ff1eba1bb4/time_sequence_prediction/generate_sine_wave.py
#          https://github.com/pytorch/examples/blob/00ef8a78e47ddbaf12d06e2cb1ae88ff1eba1bb4/time_sequence_prediction/train.py
# Commit:  00ef8a78e47ddbaf12d06e2cb1ae88ff1eba1bb4 (pytorch/examples)
# License: BSD-3-Clause, Copyright (c) 2017, Pytorch contributors
#
# Changes (each marked "# torchnode:" below):
#  1. generate_sine_wave.py runs in-process, as generate_sine_wave(), and train.py takes its
#     return value where it read traindata.pt (torch.load of a pickled numpy array, which
#     torchnode cannot read); train.py's torch.from_numpy(data[...]) are then the slices
#     data[...] themselves (views of the same float64 values, as from_numpy's are).
#  2. the sine waves are drawn with torch instead of numpy, which torchnode does not have:
#     np.random.seed(2) -> torch.manual_seed(2); np.random.randint(-4 * T, 4 * T, N) ->
#     torch.randint(-4 * T, 4 * T, (N,)); np.array(range(L)) -> torch.arange(L);
#     np.empty((N, L), 'int64') -> torch.empty((N, L), dtype=torch.int64);
#     np.sin(x / 1.0 / T).astype('float64') -> torch.sin(x.double() / 1.0 / T): an int64 numpy
#     array divided by 1.0 is float64, an int64 tensor's is float32 (the default dtype), so x is
#     made float64 first. The waves are the same function at other random phases.
#     train.py's np.random.seed(0) is dropped: nothing in train.py draws from numpy.
#  3. smaller, so that the port's test runs in about a second: N = 100 sequences of L = 1000
#     points -> N = 5 (3 test, 2 training) of L = 31 points; --steps 15 -> 2 LBFGS steps (each
#     still up to max_iter=20 closure evaluations); future = 1000 -> future = 20.
#  4. argparse -> the default --steps as a fixed value (opt.steps), no command line.
#  5. no matplotlib: the plot of each step's prediction (figure, draw(), savefig to
#     predict%d.pdf) is left out; y = pred.detach().numpy() -> pred.detach(), kept for the results.
#     The imports of argparse, numpy and matplotlib go with 2, 4 and 5.
#  6. every closure's loss, every step's test loss and the prediction kept, and PORT_RESULTS at
#     the end: the values the port is compared on.
from __future__ import print_function
import torch
import torch.nn as nn
import torch.optim as optim
# torchnode: 2, 4, 5. no `import argparse`, `import numpy as np`, `import matplotlib`,
# `matplotlib.use('Agg')`, `import matplotlib.pyplot as plt`


def generate_sine_wave():  # torchnode: 1. generate_sine_wave.py, in-process
    torch.manual_seed(2)  # torchnode: 2. np.random.seed(2)

    T = 20
    L = 31  # torchnode: 3. 1000
    N = 5  # torchnode: 3. 100

    x = torch.empty((N, L), dtype=torch.int64)  # torchnode: 2.
    x[:] = torch.arange(L) + torch.randint(-4 * T, 4 * T, (N,)).reshape(N, 1)  # torchnode: 2.
    data = torch.sin(x.double() / 1.0 / T)  # torchnode: 2.
    return data  # torchnode: 1. torch.save(data, open('traindata.pt', 'wb'))


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input, future = 0):
        outputs = []
        h_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):# if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


if __name__ == '__main__':
    class opt:  # torchnode: 4. argparse's default
        steps = 2  # torchnode: 3. 15
    # set random seed to 0
    torch.manual_seed(0)  # torchnode: 2. np.random.seed(0) dropped
    # load data and make training set
    data = generate_sine_wave()  # torchnode: 1. torch.load('traindata.pt')
    input = data[3:, :-1]  # torchnode: 1. torch.from_numpy(...)
    target = data[3:, 1:]  # torchnode: 1.
    test_input = data[:3, :-1]  # torchnode: 1.
    test_target = data[:3, 1:]  # torchnode: 1.
    # build the model
    seq = Sequence()
    seq.double()
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    losses = []  # torchnode: 6. every closure's loss
    test_losses = []  # torchnode: 6. every step's test loss
    #begin to train
    for i in range(opt.steps):
        print('STEP: ', i)
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', loss.item())
            losses.append(loss.item())  # torchnode: 6.
            loss.backward()
            return loss
        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = 20  # torchnode: 3. 1000
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', loss.item())
            test_losses.append(loss.item())  # torchnode: 6.
            y = pred.detach()  # torchnode: 5. .numpy() for the plot
        # torchnode: 5. the plot (figure, draw(y[0..2]), savefig('predict%d.pdf'%i)) left out

    # torchnode: 6. the values the port is compared on
    PORT_RESULTS = {
        'data': data.tolist(),
        'losses': losses,
        'test_losses': test_losses,
        'y': y.tolist(),
        'func_evals': optimizer.state[seq.lstm1.weight_ih]['func_evals'],
        'n_iter': optimizer.state[seq.lstm1.weight_ih]['n_iter'],
        'state_dict': {k: v.tolist() for k, v in seq.state_dict().items()},
    }
