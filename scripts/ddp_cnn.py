"""The PyTorch twin of examples/ddp.ts: the chapter's CNN on Fashion-MNIST with DistributedDataParallel.

    .venv/torch-2.13/bin/python -m torch.distributed.run --nproc_per_node 2 scripts/ddp_cnn.py --limit 2000 --epochs 1
    /usr/bin/python3 -m torch.distributed.run --nproc_per_node 2 --redirects 1 --tee 1 scripts/ddp_cnn.py --limit 2000 --epochs 1

(Debian's torchrun 1.13 under Python 3.11 fails on its own default `--redirects 0`: Std.from_str
maps '0' to None there, since 3.11's Flag iteration skips the zero member. `--redirects 1 --tee 1`
avoids it; rank 0's lines then come out prefixed `[default0]:`.)

Same flags, same data (the IDX files read as scripts/cnn_fashion_mnist.py reads them, scaled to
[0, 1] and normalised with the example's mean and std), the same model built right after
torch.manual_seed(seed), DistributedSampler(shuffle=True, seed=seed) with set_epoch, a batch of
--batch-size per process, SGD with momentum and a cosine schedule over all updates, the test
split evaluated in contiguous shares whose correct counts are summed, and the same output lines
from rank 0 (progress lines as examples/progress.ts prints them without a terminal). Rank 0
writes ddp.pt (module.state_dict(), no 'module.' prefix) and ddp.json into --out.
"""
import argparse
import json
import os
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chapter_models import CNN  # noqa: E402
from cnn_fashion_mnist import MEAN, STD, read_idx  # noqa: E402  (the CNN twin's data reading)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def load_split(root, train, limit):
    """A split as examples/train.ts's loadSplit gives it: the first `limit` images (all when 0),
    scaled to [0, 1] and normalised, [N, 1, 28, 28], and their int64 labels. Cut before the
    arithmetic, as there: normalising all 60,000 images first costs seconds for nothing."""
    prefix = 'train' if train else 't10k'
    cut = slice(0, limit or None)
    images = torch.from_numpy(read_idx(os.path.join(root, f'{prefix}-images-idx3-ubyte.gz'))[cut].copy())
    labels = torch.from_numpy(read_idx(os.path.join(root, f'{prefix}-labels-idx1-ubyte.gz'))[cut].copy()).long()
    return images.unsqueeze(1).float().div(255).sub(MEAN).div(STD), labels


def positive_int(v):
    n = int(v)
    if n <= 0:
        raise argparse.ArgumentTypeError('expected a positive integer')
    return n


def non_negative_int(v):
    n = int(v)
    if n < 0:
        raise argparse.ArgumentTypeError('expected an integer of 0 or more')
    return n


def positive_float(v):
    n = float(v)
    if not n > 0:
        raise argparse.ArgumentTypeError('expected a positive number')
    return n


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=positive_int, default=3)
    p.add_argument('--batch-size', type=positive_int, default=64, help='per process')
    p.add_argument('--lr', type=positive_float, default=0.05)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--data', default=os.environ.get('TORCHNODE_DATA') or '/usr/share/datasets/fashion-mnist')
    p.add_argument('--limit', type=positive_int, default=0, help='first n training and n test images only')
    p.add_argument('--steps', type=positive_int, default=0, help='stop each epoch after n steps')
    p.add_argument('--warmup-steps', type=non_negative_int, default=0)
    p.add_argument('--accumulate', type=positive_int, default=1, help='steps per update (no_sync between)')
    p.add_argument('--threads', type=positive_int, default=1, help='intra-op threads per process')
    p.add_argument('--timeout', type=positive_float, default=1800, help='process-group timeout, seconds')
    p.add_argument('--out', default=os.path.join(ROOT, 'examples', 'out'))
    return p.parse_args()


def progress_seconds():
    v = os.environ.get('TORCHNODE_PROGRESS_SECONDS', '')
    try:
        n = float(v)
        return n if n >= 0 else 5.0
    except ValueError:
        return 5.0


class LineProgress:
    """examples/progress.ts's plain lines: one per further 10% of the epoch, at most one per
    TORCHNODE_PROGRESS_SECONDS (5 s), and the epoch's last line always."""

    def __init__(self, epoch, epochs, images):
        self.epoch, self.epochs, self.images = epoch, epochs, images
        self.min_s = progress_seconds()
        self.last_at = time.perf_counter()
        self.last_tenth = 0
        self.last = None
        self.printed_seen = -1

    def _print(self, seen, loss, rate):
        percent = (100 * seen) // self.images if self.images > 0 else 100
        print(f'epoch {self.epoch}/{self.epochs}  {percent}% {seen}/{self.images}  loss {loss:.4f}  {round(rate):,} img/s', flush=True)
        self.printed_seen = seen

    def update(self, seen, loss, rate):
        self.last = (seen, loss, rate)
        tenth = (10 * seen) // self.images
        if tenth <= self.last_tenth or tenth >= 10:
            return
        t = time.perf_counter()
        if t - self.last_at < self.min_s:
            return
        self.last_at = t
        self.last_tenth = tenth
        self._print(seen, loss, rate)

    def stop(self):
        if self.last and self.printed_seen != self.last[0]:
            self._print(*self.last)


def main():
    a = parse_args()
    if 'WORLD_SIZE' not in os.environ:
        sys.exit('scripts/ddp_cnn.py runs under torchrun: python3 -m torch.distributed.run --nproc_per_node 2 scripts/ddp_cnn.py')
    torch.set_num_threads(a.threads)
    dist.init_process_group('gloo', timeout=timedelta(seconds=a.timeout))
    rank, world = dist.get_rank(), dist.get_world_size()
    lead = rank == 0

    def log(line):
        if lead:
            print(line, flush=True)

    torch.manual_seed(a.seed)
    train_x, train_y = load_split(a.data, True, a.limit)
    test_x, test_y = load_split(a.data, False, a.limit)
    model = CNN(1, 64 * 7 * 7)
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=a.lr, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    dataset = TensorDataset(train_x, train_y)
    sampler = DistributedSampler(dataset, shuffle=True, seed=a.seed)
    loader = DataLoader(dataset, batch_size=a.batch_size, sampler=sampler)
    steps_per_epoch = min(a.steps, len(loader)) if a.steps else len(loader)
    updates_per_epoch = -(-steps_per_epoch // a.accumulate)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, a.epochs * updates_per_epoch)

    log(f"ddp: the chapter's CNN on {world} processes (gloo), DistributedDataParallel")
    per_update = f', {a.accumulate} steps per update' if a.accumulate > 1 else ''
    log(f'{train_x.size(0)} training and {test_x.size(0)} test images; {a.epochs} epochs of {steps_per_epoch} steps, '
        f'batch {a.batch_size} per process ({a.batch_size * world} per step{per_update}), lr {a.lr:g}, seed {a.seed}, '
        f'{torch.get_num_threads()} thread(s) per process; PyTorch {torch.__version__}')

    def test_accuracy():
        n = test_x.size(0)
        per = -(-n // world)
        start = min(n, rank * per)
        count = min(n, start + per) - start
        correct = 0
        ddp.eval()
        with torch.no_grad():
            for i in range(0, count, 1000):
                x = test_x[start + i:start + min(count, i + 1000)]
                y = test_y[start + i:start + i + x.size(0)]
                correct += ddp.module(x).argmax(1).eq(y).sum().item()
        ddp.train()
        total = torch.tensor([correct], dtype=torch.float64)
        dist.all_reduce(total)
        return total.item() / n

    records = []
    # The throughput counts the steps after the first --warmup-steps of the run, and only the
    # time spent in them (not the evaluations between epochs).
    step = 0
    measured_steps = 0
    measured_seconds = 0.0
    images_per_epoch = min(steps_per_epoch * a.batch_size, len(sampler))
    for epoch in range(1, a.epochs + 1):
        sampler.set_epoch(epoch - 1)
        ddp.train()
        progress = LineProgress(epoch, a.epochs, images_per_epoch * world) if lead else None
        started = step_started = time.perf_counter()
        seen = correct = 0
        loss_sum = running = 0.0
        optimizer.zero_grad()
        for i, (x, y) in enumerate(loader):
            if i == steps_per_epoch:
                break
            update = (i + 1) % a.accumulate == 0 or i + 1 == steps_per_epoch

            def forward_backward():
                nonlocal running, loss_sum, correct
                logits = ddp(x)
                loss = criterion(logits, y)
                (loss / a.accumulate if a.accumulate > 1 else loss).backward()
                lv = loss.item()
                running = lv if seen == 0 else 0.98 * running + 0.02 * lv
                loss_sum += lv * y.size(0)
                correct += logits.argmax(1).eq(y).sum().item()

            if update:
                forward_backward()
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            else:
                with ddp.no_sync():
                    forward_backward()
            seen += y.size(0)
            step += 1
            now = time.perf_counter()
            if step > a.warmup_steps:
                measured_steps += 1
                measured_seconds += now - step_started
            step_started = now
            if progress:
                progress.update(seen * world, running, seen * world / (now - started))
        if progress:
            progress.stop()
        seconds = time.perf_counter() - started
        sums = torch.tensor([loss_sum, correct, seen], dtype=torch.float64)
        dist.all_reduce(sums)
        loss_all, correct_all, seen_all = sums.tolist()
        rec = {'epoch': epoch, 'train_loss': loss_all / seen_all, 'train_accuracy': correct_all / seen_all,
               'test_accuracy': test_accuracy(), 'seconds': seconds, 'images_per_second': seen_all / seconds}
        records.append(rec)
        log(f"epoch {epoch}/{a.epochs}  train loss {rec['train_loss']:.4f}  train acc {rec['train_accuracy'] * 100:.2f}%  "
            f"test acc {rec['test_accuracy'] * 100:.2f}%  {seconds:.1f} s ({round(rec['images_per_second']):,} img/s on {world} processes)")

    throughput = None
    if measured_steps > 0:
        images = measured_steps * a.batch_size * world
        throughput = {'steps': measured_steps, 'images': images, 'seconds': measured_seconds,
                      'images_per_second': images / measured_seconds}
        log(f"throughput {round(throughput['images_per_second']):,} img/s on {world} processes "
            f"({measured_steps} steps after {a.warmup_steps} warm-up steps, {measured_seconds:.2f} s)")

    if lead:
        os.makedirs(a.out, exist_ok=True)
        checkpoint = os.path.join(a.out, 'ddp.pt')
        partial = f'{checkpoint}.{os.getpid()}.partial'
        torch.save(ddp.module.state_dict(), partial)
        os.replace(partial, checkpoint)
        results = os.path.join(a.out, 'ddp.json')
        record = {'example': 'ddp', 'implementation': 'pytorch', 'torch': torch.__version__, 'world_size': world,
                  'threads': torch.get_num_threads(), 'options': vars(a), 'epochs': records, 'throughput': throughput}
        with open(results + '.partial', 'w') as f:
            json.dump(record, f, indent=2)
        os.replace(results + '.partial', results)
        log(f'saved {os.path.relpath(checkpoint)} and {os.path.relpath(results)}')
    dist.barrier()  # every rank ends together, after rank 0 has saved
    dist.destroy_process_group()
    if torch.__version__.startswith('1.'):
        # PyTorch 1.13 here hung at exit now and then (twice in about 15 two-rank runs) on a rank
        # other than 0, spinning a core: freeing the DDP Reducer drops the last reference to the
        # gloo group, whose destructor, holding the GIL, joins a worker thread that waits on the
        # group's mutex, held by the other worker, which is freeing a tensor that has a Python
        # object and so waits for the GIL (gdb: ~Reducer -> ~ProcessGroupGloo -> thread::join;
        # runLoop -> ~TensorImpl -> destroy_pyobj_if_needed -> PyEval_AcquireThread); meanwhile
        # its TCPStore thread spins on rank 0's closed socket. Everything is saved and every
        # rank is done: leave without running those destructors.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == '__main__':
    main()
