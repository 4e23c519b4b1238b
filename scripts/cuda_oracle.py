"""PyTorch's side of tests/cuda.test.ts: the chapter's three models trained on the GPU.

Each model gets its seeded initial weights and synthetic data on the CPU (the training cases
of scripts/chapter_models.py, which scripts/gen_chapter_fixtures.py runs on the CPU), moves to
cuda:0 and trains for STEPS steps with cuDNN restricted to deterministic algorithms and TF32
off, so that two runs of the same kernels give the same bits. Prints JSON: per model, the loss of each step and the float64 sum of each trained
parameter. Run live by the test with the Python whose torch matches the LibTorch under test
(TORCHNODE_ORACLE_PYTHON); there is no committed fixture, because only a GPU machine can run it.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from chapter_models import training_cases  # noqa: E402

STEPS = 20


def run(make_model, make_data, make_opt):
    torch.manual_seed(0)
    model = make_model().to("cuda")
    x, y = (t.to("cuda") for t in make_data())
    opt = make_opt(model.parameters())
    criterion = nn.CrossEntropyLoss()
    model.train()
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    sums = {k: v.detach().double().sum().item() for k, v in model.state_dict().items()}
    return {"losses": losses, "sums": sums}


def main():
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    out = {"torch_version": torch.__version__, "models": {n: run(*c) for n, c in training_cases().items()}}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
