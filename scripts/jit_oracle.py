"""PyTorch's side of the TorchScript tests (tests/jit.test.ts), run live by the oracle Python.

  jit_oracle.py export <dir>        writes the chapter's three models, scripted and traced
                                    (<name>_scripted.pt, <name>_traced.pt), a module with
                                    exported methods, rich argument types and a warning
                                    (kitchen.pt), and
                                    expected.json: each model's input and outputs
  jit_oracle.py run <file> <json>   loads a TorchScript file and prints forward's output for the
                                    input in <json> ({"shape": [...], "data": [...]}), as JSON
"""
import json
import os
import sys
import warnings
from typing import Dict, List, Optional, Tuple

import torch

sys.path.insert(0, os.path.dirname(__file__))
from chapter_models import CNN, LSTMClassifier, AttentionClassifier  # noqa: E402


def tensor_json(t):
    return {"shape": list(t.shape), "data": t.detach().double().flatten().tolist()}


class Kitchen(torch.nn.Module):
    """Every kind of value across the boundary, and methods besides forward."""

    def __init__(self):
        super().__init__()
        self.scale = 2.5
        self.label = "kitchen"
        self.count = 3
        self.lin = torch.nn.Linear(3, 2)
        self.register_buffer("offset", torch.arange(2.0))

    def forward(self, x: torch.Tensor, k: int = 1) -> torch.Tensor:
        return self.lin(x) * k + self.offset

    @torch.jit.export
    def pair(self, x: torch.Tensor, y: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, int]:
        if y is None:
            return x * self.scale, 0
        return x + y, 1

    @torch.jit.export
    def stats(self, xs: List[torch.Tensor], names: Dict[str, float]) -> Dict[str, torch.Tensor]:
        out: Dict[str, torch.Tensor] = {}
        for i, x in enumerate(xs):
            out["sum" + str(i)] = x.sum()
        for k, v in names.items():
            out[k] = torch.tensor(v)
        return out

    @torch.jit.export
    def describe(self, words: List[str], flag: bool, ratio: float) -> Tuple[str, List[int], Optional[int]]:
        n: Optional[int] = None
        if flag:
            n = len(words)
        return self.label + ":" + ",".join(words), [len(w) for w in words], n

    @torch.jit.export
    def grad_enabled(self) -> bool:
        return torch.is_grad_enabled()

    @torch.jit.export
    def clamped(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.min() < 0):
            warnings.warn("clamped: the input has negative values")
        return x.clamp(min=0)

    @torch.jit.export
    def fail(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            raise RuntimeError("the sum is positive")
        return x


def models():
    torch.manual_seed(0)
    return {
        "cnn": (CNN(), torch.randn(4, 3, 24, 24)),
        "lstm": (LSTMClassifier(), torch.randn(4, 7, 10)),
        "attention": (AttentionClassifier(input_dim=6, embed_dim=8, num_heads=2, num_classes=3, seq_len=5), torch.randn(4, 5, 6)),
    }


def export(out_dir):
    expected = {}
    for name, (model, x) in models().items():
        model.eval()
        with torch.no_grad():
            y = model(x)
        torch.jit.save(torch.jit.script(model), os.path.join(out_dir, f"{name}_scripted.pt"))
        # The attention model's graphs differ between two traces on 1.13 (its fast path), which
        # fails PyTorch's own sanity check; the traced graph is still the model.
        torch.jit.save(torch.jit.trace(model, x, check_trace=(name != "attention")), os.path.join(out_dir, f"{name}_traced.pt"))
        expected[name] = {"input": tensor_json(x), "output": tensor_json(y),
                          "state_dict": sorted(model.state_dict().keys())}
    torch.manual_seed(1)
    kitchen = torch.jit.script(Kitchen())
    kitchen.save(os.path.join(out_dir, "kitchen.pt"))
    write_unknown_op(os.path.join(out_dir, "kitchen.pt"), os.path.join(out_dir, "unknown_op.pt"))
    expected["kitchen"] = {"weight": tensor_json(kitchen.lin.weight), "bias": tensor_json(kitchen.lin.bias)}
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f)


def write_unknown_op(src, dst):
    """kitchen.pt with one call renamed to an operator no LibTorch has: what a file from a newer
    PyTorch looks like to an older LibTorch."""
    import zipfile
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("code/__torch__.py"):
                data = data.replace(b"torch.gt(", b"torch.gt_from_the_future(")
            zout.writestr(item, data)


def run(path, input_json):
    with open(input_json) as f:
        spec = json.load(f)
    x = torch.tensor(spec["data"], dtype=torch.float32).reshape(spec["shape"])
    m = torch.jit.load(path)
    with torch.no_grad():
        y = m(x)
    print(json.dumps({"output": tensor_json(y), "state_dict": sorted(m.state_dict().keys()),
                      "training": m.training}))


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        run(sys.argv[2], sys.argv[3])
