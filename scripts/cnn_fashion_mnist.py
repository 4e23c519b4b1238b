"""The PyTorch twin of examples/cnn.ts, for the parity run (examples/parity.ts).

Same data preparation (IDX files, scaled to [0, 1], normalised with the same mean and std),
same model built right after torch.manual_seed(seed), same SGD with momentum and cosine
learning-rate schedule over the example's epochs, batches taken in order (no shuffling). Prints one JSON object: the loss of every step and the training
throughput in images per second.

    /usr/bin/python3 scripts/cnn_fashion_mnist.py --steps 200 --batch-size 64 --seed 0

With --full-epoch it instead does what one epoch of examples/cnn.ts does, for the benchmark
(bench/cases/as_written.ts): load both splits, train over every shuffled batch with a
DataLoader, count training accuracy, evaluate on the test split, save the state_dict.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chapter_models import CNN  # noqa: E402

MEAN, STD = 0.286, 0.353  # examples/train.ts


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=200)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--epochs', type=int, default=3, help='the epochs the cosine schedule spans')
    p.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    p.add_argument('--full-epoch', action='store_true', help='one whole epoch as examples/cnn.ts runs it')
    a = p.parse_args()
    if a.full_epoch:
        return full_epoch(a)

    torch.manual_seed(a.seed)
    images = torch.from_numpy(read_idx(os.path.join(a.data, 'train-images-idx3-ubyte.gz')).copy())
    labels = torch.from_numpy(read_idx(os.path.join(a.data, 'train-labels-idx1-ubyte.gz')).copy()).long()
    images = images.unsqueeze(1).float().div(255).sub(MEAN).div(STD)

    model = CNN(1, 64 * 7 * 7)
    optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    steps_per_epoch = -(-images.size(0) // a.batch_size)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, a.epochs * steps_per_epoch)
    criterion = nn.CrossEntropyLoss()
    model.train()
    losses = []
    started = time.perf_counter()
    if a.steps * a.batch_size > images.size(0):
        p.error('--steps x --batch-size must fit in one epoch (60000 images)')
    for step in range(a.steps):
        x = images[step * a.batch_size:(step + 1) * a.batch_size]
        y = labels[step * a.batch_size:(step + 1) * a.batch_size]
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - started
    json.dump({'losses': losses, 'images_per_second': a.steps * a.batch_size / seconds,
               'torch': torch.__version__, 'threads': torch.get_num_threads()}, sys.stdout)


def load_split(root, train):
    prefix = 'train' if train else 't10k'
    images = torch.from_numpy(read_idx(os.path.join(root, f'{prefix}-images-idx3-ubyte.gz')).copy())
    labels = torch.from_numpy(read_idx(os.path.join(root, f'{prefix}-labels-idx1-ubyte.gz')).copy()).long()
    return images.unsqueeze(1).float().div(255).sub(MEAN).div(STD), labels


def full_epoch(a):
    torch.manual_seed(a.seed)
    train_x, train_y = load_split(a.data, True)
    test_x, test_y = load_split(a.data, False)
    model = CNN(1, 64 * 7 * 7)
    optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x, train_y),
                                         batch_size=a.batch_size, shuffle=True)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, a.epochs * len(loader))
    criterion = nn.CrossEntropyLoss()
    started = time.perf_counter()
    model.train()
    seen = correct = 0
    loss_sum = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        loss_sum += loss.item() * y.size(0)
        correct += logits.argmax(1).eq(y).sum().item()
        seen += y.size(0)
    seconds = time.perf_counter() - started
    model.eval()
    test_correct = 0
    with torch.no_grad():
        for i in range(0, test_x.size(0), 1000):
            test_correct += model(test_x[i:i + 1000]).argmax(1).eq(test_y[i:i + 1000]).sum().item()
    torch.save(model.state_dict(), os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'examples', 'out', 'cnn_pytorch.pt'))
    json.dump({'train_loss': loss_sum / seen, 'train_accuracy': correct / seen,
               'test_accuracy': test_correct / test_x.size(0), 'seconds': seconds,
               'images_per_second': seen / seconds}, sys.stdout)


if __name__ == '__main__':
    main()
