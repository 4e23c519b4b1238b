"""PyTorch side of the benchmark suite: the same cases as bench/cases.ts and bench/cases/*.ts,
timed in this persistent process. Reads "<case>[@device] <iterations>" lines on stdin and
answers ns per iteration; "export_cnn <dir>" writes the chapter CNN for onnxruntime.
`torch_side.py THREADS memory STEPS` instead runs the peak-RSS training loop and exits."""
import contextlib
import inspect
import json
import math
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from chapter_models import CNN, LSTMClassifier  # noqa: E402  (the twins of examples/models.ts)

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)

STATE = {}


def once(key, build):
    """Models and inputs are built on first use and kept, as on the torchnode side."""
    if key not in STATE:
        STATE[key] = build()
    return STATE[key]


def timed(n, device, body):
    # CUDA work is queued: synchronize before each clock reading so it is all counted.
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    sync()
    t = time.perf_counter_ns()
    for _ in range(n):
        body()
    sync()
    return time.perf_counter_ns() - t


# ---- per-op overhead ---------------------------------------------------------------------------

def case_add_1(n, device):
    a, b = torch.ones(1), torch.ones(1)
    t = time.perf_counter_ns()
    for _ in range(n):
        a + b
    return time.perf_counter_ns() - t


def case_mul_16(n, device):
    a, b = torch.rand(16), torch.rand(16)
    t = time.perf_counter_ns()
    for _ in range(n):
        a * b
    return time.perf_counter_ns() - t


def case_relu_16(n, device):
    a = torch.randn(16)
    t = time.perf_counter_ns()
    for _ in range(n):
        a.relu()
    return time.perf_counter_ns() - t


def case_index_3d(n, device):
    x = torch.randn(4, 8, 16)
    t = time.perf_counter_ns()
    for _ in range(n):
        x[:, -1]
    return time.perf_counter_ns() - t


def case_view_3d(n, device):
    x = torch.randn(4, 8, 16)
    t = time.perf_counter_ns()
    for _ in range(n):
        x.view(-1)
    return time.perf_counter_ns() - t


def case_matmul_64(n, device):
    torch.manual_seed(0)
    a, b = torch.randn(64, 64), torch.randn(64, 64)
    t = time.perf_counter_ns()
    for _ in range(n):
        a @ b
    return time.perf_counter_ns() - t


def case_chain_1m(n, device):
    x = torch.rand(1_000_000)
    t = time.perf_counter_ns()
    for _ in range(n):
        x.mul(1.5).add(0.5).relu().sqrt().add(1).log().exp().sub(1).abs().neg()
    return time.perf_counter_ns() - t


# ---- data movement -----------------------------------------------------------------------------

def copy_in(mb):
    def case(n, device):
        arr = once(("array", mb), lambda: torch.rand(mb * 2**18).numpy())
        return timed(n, "cpu", lambda: torch.from_numpy(arr).clone())
    return case


def copy_out(mb):
    def case(n, device):
        x = once(("tensor", mb), lambda: torch.rand(mb * 2**18))
        return timed(n, "cpu", lambda: x.numpy().copy())
    return case


def copy_out_into(mb):
    def case(n, device):
        x = once(("tensor", mb), lambda: torch.rand(mb * 2**18))
        out = once(("out", mb), lambda: np.empty(mb * 2**18, dtype=np.float32))
        return timed(n, "cpu", lambda: np.copyto(out, x.numpy()))
    return case


def share_out(mb):
    def case(n, device):
        x = once(("tensor", mb), lambda: torch.rand(mb * 2**18))
        return timed(n, "cpu", lambda: x.numpy())
    return case


case_share_out_1mb, case_share_out_64mb = share_out(1), share_out(64)
case_copy_in_1mb, case_copy_in_64mb = copy_in(1), copy_in(64)
case_copy_out_1mb, case_copy_out_64mb = copy_out(1), copy_out(64)
case_copy_out_into_1mb, case_copy_out_into_64mb = copy_out_into(1), copy_out_into(64)


# ---- models ------------------------------------------------------------------------------------

def train_step(model, opt, loss_fn, x, y):
    # torchnode's zero_grad() sets grads to None (PyTorch 2.x's default); 1.13 defaults to
    # zero-filling, so ask for None here to do the same work.
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def cnn_train(batch):
    def case(n, device):
        def build():
            torch.manual_seed(0)
            model = CNN().to(device)
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            x, y = torch.randn(batch, 3, 24, 24, device=device), torch.randint(0, 10, (batch,), device=device)
            return train_step(model, opt, nn.CrossEntropyLoss(), x, y)
        return timed(n, device, once(("cnn_train", batch, device), build))
    return case


def cnn_infer(batch):
    def case(n, device):
        def build():
            torch.manual_seed(0)  # the same weights export_cnn writes
            model = CNN().to(device).eval()
            x = torch.randn(batch, 3, 24, 24, device=device)
            return model, x
        model, x = once(("cnn_infer", batch, device), build)
        with torch.no_grad():
            return timed(n, device, lambda: model(x))
    return case


def cnn_infer_opt(batch):
    def case(n, device):
        def build():
            torch.manual_seed(0)
            model = CNN().to(device).eval()
            x = torch.randn(batch, 3, 24, 24, device=device)
            with torch.no_grad():
                return torch.jit.optimize_for_inference(torch.jit.trace(model, x)), x
        model, x = once(("cnn_infer_opt", batch, device), build)
        with torch.no_grad():
            return timed(n, device, lambda: model(x))
    return case


case_cnn_train_64 = cnn_train(64)
case_cnn_infer_1, case_cnn_infer_64 = cnn_infer(1), cnn_infer(64)
case_cnn_infer_opt_1, case_cnn_infer_opt_64 = cnn_infer_opt(1), cnn_infer_opt(64)


def case_lstm_train(n, device):
    def build():
        torch.manual_seed(0)
        model = LSTMClassifier().to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.randn(64, 50, 10, device=device), torch.randint(0, 2, (64,), device=device)
        return train_step(model, opt, nn.CrossEntropyLoss(), x, y)
    return timed(n, device, once(("lstm", device), build))


def square_mean(out, _target):
    return out.square().mean()


def case_mha_train(n, device):
    def build():
        torch.manual_seed(0)
        mha = nn.MultiheadAttention(64, 4, batch_first=True).to(device)
        opt = torch.optim.Adam(mha.parameters(), lr=1e-3)
        x = torch.randn(32, 32, 64, device=device)
        return train_step(lambda x: mha(x, x, x)[0], opt, square_mean, x, None)
    return timed(n, device, once(("mha", device), build))


def case_encoder_train(n, device):
    def build():
        torch.manual_seed(0)
        layer = nn.TransformerEncoderLayer(256, 8, batch_first=True).to(device)
        opt = torch.optim.Adam(layer.parameters(), lr=1e-3)
        x = torch.randn(32, 128, 256, device=device)
        return train_step(layer, opt, square_mean, x, None)
    return timed(n, device, once(("encoder", device), build))


# ---- "as written": public PyTorch programs' training loops (bench/cases/as_written.ts) -------

def as_written(key, build):
    def case(n, device):
        step = once(key, lambda: (torch.manual_seed(0), build())[1])
        t = time.perf_counter_ns()
        for _ in range(n):
            step()
        return time.perf_counter_ns() - t
    return case


def aw_mlp():
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 512), nn.ReLU(),
                          nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    X, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))

    def step():
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return step


def aw_poly():
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))
    learning_rate = 1e-6

    def step():
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    return step


def aw_lstmcell():
    lstm1, lstm2 = nn.LSTMCell(1, 51).double(), nn.LSTMCell(51, 51).double()
    linear = nn.Linear(51, 1).double()
    input = torch.randn(4, 1000, dtype=torch.double)
    target = torch.randn(4, 1000, dtype=torch.double)
    criterion = nn.MSELoss()

    def step():
        outputs = []
        h_t = torch.zeros(4, 51, dtype=torch.double)
        c_t = torch.zeros(4, 51, dtype=torch.double)
        h_t2 = torch.zeros(4, 51, dtype=torch.double)
        c_t2 = torch.zeros(4, 51, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = lstm2(h_t, (h_t2, c_t2))
            outputs.append(linear(h_t2))
        loss = criterion(torch.cat(outputs, dim=1), target)
        for m in (lstm1, lstm2, linear):
            m.zero_grad()
        loss.backward()
    return step


class RNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(1000, 200)
        self.rnn = nn.LSTM(200, 200, 2)
        self.decoder = nn.Linear(200, 1000)

    def forward(self, input, hidden):
        emb = self.encoder(input)
        output, hidden = self.rnn(emb, hidden)
        return self.decoder(output).view(-1, 1000), hidden


def aw_lm():
    model = RNNModel()
    criterion = nn.NLLLoss()
    data = torch.randint(0, 1000, (36, 20))
    lr = 20
    state = {"hidden": (torch.zeros(2, 20, 200), torch.zeros(2, 20, 200))}

    def step():
        input, targets = data[0:35], data[1:36].reshape(-1)
        hidden = tuple(h.detach() for h in state["hidden"])
        model.zero_grad()
        output, state["hidden"] = model(input, hidden)
        loss = criterion(torch.log_softmax(output, dim=1), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
    return step


case_aw_mlp = as_written("aw_mlp", aw_mlp)
case_aw_poly = as_written("aw_poly", aw_poly)
case_aw_lstmcell = as_written("aw_lstmcell", aw_lstmcell)
case_aw_lm = as_written("aw_lm", aw_lm)


def case_cnn_epoch(n, device):
    """scripts/cnn_fashion_mnist.py --full-epoch in a fresh process, as the user runs it."""
    script = os.path.join(os.path.dirname(__file__), "..", "scripts", "cnn_fashion_mnist.py")
    t = time.perf_counter_ns()
    for _ in range(n):
        subprocess.run([sys.executable, script, "--full-epoch"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter_ns() - t


case_cnn_epoch.warmup = 0


def export_cnn(directory):
    """The seed-0 chapter CNN as a state_dict (for torch.load on the torchnode side) and as ONNX
    with a dynamic batch axis (for onnxruntime-node)."""
    torch.manual_seed(0)
    model = CNN().eval()
    torch.save(model.state_dict(), os.path.join(directory, "cnn.pt"))
    # PyTorch 2.9+ defaults to the torch.export-based exporter, which needs onnxscript; the
    # TorchScript-based one (all that 1.13 has) writes the same graph with the onnx package alone.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():  # stdout carries the protocol
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(model, torch.randn(1, 3, 24, 24), os.path.join(directory, "cnn.onnx"),
                          input_names=["input"], output_names=["logits"], opset_version=13,
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **legacy)


def peak_kb():
    """Peak RSS in KiB. On Linux ru_maxrss keeps the parent's peak across fork + exec (the
    benchmark process is the parent), so read this address space's own VmHWM."""
    try:
        with open("/proc/self/status") as f:
            return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory(steps):
    """Peak RSS of a plain training loop, fresh batches each step, as a user would write it."""
    torch.manual_seed(0)
    model = CNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    before = peak_kb()
    t = time.perf_counter()
    for _ in range(steps):
        x, y = torch.randn(64, 3, 24, 24), torch.randint(0, 10, (64,))
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    print(json.dumps({"before_kb": before, "peak_kb": peak_kb(), "seconds": time.perf_counter() - t}))


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if len(sys.argv) > 3 and sys.argv[2] == "memory":
    memory(int(sys.argv[3]))
    sys.exit(0)

print("ready", torch.__version__, int(torch.cuda.is_available()), flush=True)
for line in sys.stdin:
    name, arg = line.split()
    if name == "export_cnn":
        export_cnn(arg)
        print("ok", flush=True)
        continue
    name, _, device = name.partition("@")
    fn, iters = CASES[name], int(arg)
    warmup = getattr(fn, "warmup", max(1, iters // 10))
    if warmup:
        fn(warmup, device or "cpu")
    print(fn(iters, device or "cpu") / iters, flush=True)
