// The chapter's models (examples/models.ts; twins in scripts/chapter_models.py) and the attention
// layers, as training steps and inference. Each training step is one torch.tidy, the library's
// documented idiom: zero_grad, forward, loss, backward, step, and every temporary freed at the end.
import * as torch from '../../lib/index';
import { CNN, LSTMClassifier } from '../../examples/models';
import { Case, once, timed } from '../cases';
import { onnxPeer } from './onnx';

type Tensor = torch.Tensor;
type Loss = (out: Tensor, target: Tensor | null) => Tensor;

function trainStep(forward: (x: Tensor) => Tensor, opt: torch.optim.Optimizer, loss: Loss, x: Tensor, y: Tensor | null) {
  return () =>
    torch.tidy(() => {
      opt.zero_grad();
      loss(forward(x), y).backward();
      opt.step();
    });
}

const squareMean: Loss = (out) => out.square().mean();

/** A training-step case: state is built once, on the case's device. */
function trainCase(device: torch.DeviceString, name: string, python: string, iterations: number, build: () => () => void): Case {
  const step = once(() => {
    torch.manual_seed(0);
    return build();
  });
  return {
    name: `${name}${device === 'cpu' ? '' : ` (${device})`}`,
    python: device === 'cpu' ? python : `${python}@${device}`,
    description: name,
    iterations,
    run: (n) => timed(n, device, step()),
  };
}

function cnnInfer(device: torch.DeviceString, batch: number, iterations: number): Case {
  const state = once(() => {
    torch.manual_seed(0);
    const model = new CNN().to(device).eval();
    return { model, x: torch.randn(batch, 3, 24, 24, { device }) };
  });
  const c: Case = {
    name: `CNN inference, batch ${batch}${device === 'cpu' ? '' : ` (${device})`}`,
    python: device === 'cpu' ? `cnn_infer_${batch}` : `cnn_infer_${batch}@${device}`,
    description: 'eval mode under torch.no_grad',
    iterations,
    run(n) {
      const { model, x } = state();
      // Braces: the output is freed by the scope; a returned one would go on to the GC.
      return torch.no_grad(() => timed(n, device, () => torch.tidy(() => { model.forward(x); })));
    },
  };
  // onnxruntime-node runs on the CPU: the same weights, compared on the CPU cases only.
  return device === 'cpu' ? { ...c, ...onnxPeer(batch, state) } : c;
}

// The serving path: traced, frozen and optimize_for_inference'd (LibTorch's inference passes:
// conv-bn folding, oneDNN where this LibTorch has it), against PyTorch doing the same and
// onnxruntime-node on the same weights. Before timing, its logits must equal the eager model's.
function cnnInferOptimized(batch: number, iterations: number): Case {
  const state = once(() => {
    torch.manual_seed(0);
    return { model: new CNN().eval(), x: torch.randn(batch, 3, 24, 24) };
  });
  const optimized = once(() => {
    const { model, x } = state(); // onnxPeer's prepare has loaded the exported weights by now
    const m = torch.jit.optimize_for_inference(torch.jit.trace(model, x));
    const diff = torch.no_grad(() => torch.tidy(() => m.forward(x).sub(model.forward(x)).abs().max().item())) as number;
    if (!(diff < 1e-4)) throw new Error(`optimized CNN batch ${batch}: differs from the eager model by ${diff}`);
    return m;
  });
  const c: Case = {
    name: `CNN inference, batch ${batch}, traced + optimize_for_inference`,
    python: `cnn_infer_opt_${batch}`,
    description: 'torch.jit.trace, then torch.jit.optimize_for_inference, under no_grad',
    iterations,
    run(n) {
      const m = optimized();
      const { x } = state();
      return torch.no_grad(() => timed(n, 'cpu', () => torch.tidy(() => { m.forward(x); })));
    },
  };
  return { ...c, ...onnxPeer(batch, state) };
}

export function modelCases(device: torch.DeviceString): Case[] {
  const CE = new torch.nn.CrossEntropyLoss();
  const ce: Loss = (out, y) => CE.forward(out, y!);
  return [
    trainCase(device, 'CNN train step, batch 64 (SGD momentum)', 'cnn_train_64', 30, () => {
      const model = new CNN().to(device);
      const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      const x = torch.randn(64, 3, 24, 24, { device });
      return trainStep((x) => model.forward(x), opt, ce, x, torch.randint(0, 10, [64], { device }));
    }),
    cnnInfer(device, 1, 1000),
    cnnInfer(device, 64, 50),
    ...(device === 'cpu' ? [cnnInferOptimized(1, 1000), cnnInferOptimized(64, 50)] : []),
    trainCase(device, 'LSTM train step, batch 64 × 50 steps (Adam)', 'lstm_train', 30, () => {
      const model = new LSTMClassifier().to(device);
      const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
      const x = torch.randn(64, 50, 10, { device });
      return trainStep((x) => model.forward(x), opt, ce, x, torch.randint(0, 2, [64], { device }));
    }),
    trainCase(device, 'MultiheadAttention train step, 32 × 32 × 64, 4 heads (Adam)', 'mha_train', 100, () => {
      const mha = new torch.nn.MultiheadAttention(64, 4, { batch_first: true }).to(device);
      const opt = new torch.optim.Adam(mha.parameters(), { lr: 1e-3 });
      return trainStep((x) => mha.forward(x, x, x)[0], opt, squareMean, torch.randn(32, 32, 64, { device }), null);
    }),
    trainCase(device, 'TransformerEncoderLayer train step, 32 × 128 × 256, 8 heads (Adam)', 'encoder_train', 3, () => {
      const layer = new torch.nn.TransformerEncoderLayer(256, 8, { batch_first: true }).to(device);
      const opt = new torch.optim.Adam(layer.parameters(), { lr: 1e-3 });
      return trainStep((x) => layer.forward(x), opt, squareMean, torch.randn(32, 128, 256, { device }), null);
    }),
  ];
}
