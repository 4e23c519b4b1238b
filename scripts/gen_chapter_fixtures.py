"""Generates tests/fixtures/chapter_models.json: PyTorch's seeded initial state_dicts of the
chapter's three models and their 50-step training loss sequences on seeded synthetic data,
for tests/chapter_models.test.ts. Run with /usr/bin/python3 (PyTorch on the same LibTorch)."""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from chapter_models import CNN, LSTMClassifier, AttentionClassifier  # noqa: E402
from fixture_dir import fixture_path  # noqa: E402

torch.set_num_threads(1)
OUT = fixture_path("chapter_models.json")


def cases():
    # name -> (model factory, data factory, optimizer factory); the TS test mirrors each line.
    return {
        "cnn": (
            lambda: CNN(),
            lambda: (torch.randn(16, 3, 24, 24), torch.randint(0, 10, (16,))),
            lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
        ),
        "lstm": (
            lambda: LSTMClassifier(10, 8, 2, 2),
            lambda: (torch.randn(16, 7, 10), torch.randint(0, 2, (16,))),
            lambda p: torch.optim.Adam(p, lr=0.01),
        ),
        "attention": (
            lambda: AttentionClassifier(10, 16, 4, 3, 6),
            lambda: (torch.randn(16, 6, 10), torch.randint(0, 3, (16,))),
            lambda p: torch.optim.Adam(p, lr=0.005),
        ),
    }


def summary(t):
    """Shape, sums and 16 strided samples: enough to pin every tensor without storing it."""
    flat = t.detach().double().flatten()
    step = max(1, flat.numel() // 16)
    idx = list(range(0, flat.numel(), step))[:16]
    return {"shape": list(t.shape), "sum": flat.sum().item(), "abs_sum": flat.abs().sum().item(),
            "idx": idx, "samples": [flat[i].item() for i in idx]}


def run(name, make_model, make_data, make_opt):
    torch.manual_seed(0)
    model = make_model()
    init = {k: summary(v) for k, v in model.state_dict().items()}
    x, y = make_data()
    opt = make_opt(model.parameters())
    criterion = nn.CrossEntropyLoss()
    losses = []
    model.train()
    for _ in range(50):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {"init": init, "init_keys": list(init.keys()), "losses": losses}


def main():
    out = {"torch_version": torch.__version__, "models": {}}
    for name, (m, d, o) in cases().items():
        out["models"][name] = run(name, m, d, o)
    with open(OUT, "w") as f:
        json.dump(out, f)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
