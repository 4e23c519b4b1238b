"""Generates tests/fixtures/chapter_models.json: PyTorch's seeded initial state_dicts of the
chapter's three models and their 50-step training loss sequences on seeded synthetic data,
for tests/chapter_models.test.ts. Run with /usr/bin/python3 (PyTorch on the same LibTorch)."""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from chapter_models import training_cases  # noqa: E402
from fixture_dir import fixture_path  # noqa: E402

torch.set_num_threads(1)
OUT = fixture_path("chapter_models.json")


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
    for name, (m, d, o) in training_cases().items():
        out["models"][name] = run(name, m, d, o)
    with open(OUT, "w") as f:
        json.dump(out, f)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
