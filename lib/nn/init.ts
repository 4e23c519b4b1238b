// torch.nn.init, following torch/nn/init.py: same formulas and the same random draws in the
// same order, so seeded initial weights equal PyTorch's.
import { Tensor } from '../tensor';
import { no_grad } from '../autograd';
import { tidy } from '../memory';
import { empty } from '../creation';
import { diag } from '../generated/torch_functions';
import { qr } from '../generated/linalg';

/** The activations `calculate_gain` knows, by their PyTorch names. */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/**
 * The recommended gain for an activation: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
 * sqrt(2 / (1 + slope^2)) for leaky_relu (`param` is the slope, default 0.01), 3/4 for selu.
 *
 * @see [torch.nn.init.calculate_gain](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.calculate_gain)
 */
export function calculate_gain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu':
      return 3.0 / 4;
    default:
      throw new Error(`Unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/**
 * `[fan_in, fan_out]` of a weight of 2 or more dimensions: its input and output feature counts
 * times the receptive field, as PyTorch computes them.
 */
export function _calculate_fan_in_and_fan_out(tensor: Tensor): [number, number] {
  const shape = tensor.shape;
  if (shape.length < 2) throw new Error('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

function fan(tensor: Tensor, mode: 'fan_in' | 'fan_out'): number {
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`Mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  return mode === 'fan_in' ? fanIn : fanOut;
}

/**
 * Fills `tensor` in place from U(a, b) (default U(0, 1)) and returns it. Draws in the same order as PyTorch,
 * so a seed gives the same weights. Runs without recording autograd.
 *
 * @see [torch.nn.init.uniform_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.uniform_)
 */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return no_grad(() => tensor.uniform_(a, b));
}

/**
 * Fills `tensor` in place from N(mean, std^2) (default N(0, 1)) and returns it. Draws in the same order as
 * PyTorch, so a seed gives the same weights. Runs without recording autograd.
 *
 * @see [torch.nn.init.normal_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.normal_)
 */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return no_grad(() => tensor.normal_(mean, std));
}

/**
 * Fills `tensor` in place with `val` and returns it.
 *
 * @see [torch.nn.init.constant_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.constant_)
 */
export function constant_(tensor: Tensor, val: number): Tensor {
  return no_grad(() => tensor.fill_(val));
}

/**
 * Fills `tensor` in place with zeros and returns it.
 *
 * @see [torch.nn.init.zeros_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.zeros_)
 */
export function zeros_(tensor: Tensor): Tensor {
  return no_grad(() => tensor.zero_());
}

/**
 * Fills `tensor` in place with ones and returns it.
 *
 * @see [torch.nn.init.ones_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.ones_)
 */
export function ones_(tensor: Tensor): Tensor {
  return no_grad(() => tensor.fill_(1));
}

/**
 * Xavier/Glorot uniform initialisation: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), in
 * place. Draws in the same order as PyTorch, so a seed gives the same weights. Runs without recording
 * autograd.
 *
 * @see [torch.nn.init.xavier_uniform_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.xavier_uniform_)
 */
export function xavier_uniform_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

/**
 * Xavier/Glorot normal initialisation: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)),
 * in place. Draws in the same order as PyTorch, so a seed gives the same weights. Runs without recording
 * autograd.
 *
 * @see [torch.nn.init.xavier_normal_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.xavier_normal_)
 */
export function xavier_normal_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(tensor, 0, std);
}

/** The keyword arguments of `kaiming_uniform_` and `kaiming_normal_`, as in PyTorch. */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** `'fan_in'` (default) keeps the forward pass's variance, `'fan_out'` the backward pass's. */
  mode?: 'fan_in' | 'fan_out';
  /** The activation that follows (default `'leaky_relu'`). */
  nonlinearity?: Nonlinearity;
}

/**
 * He/Kaiming uniform initialisation: U(-b, b) with b = gain * sqrt(3 / fan), in place; PyTorch's
 * keyword arguments `a`, `mode`, `nonlinearity` go in the options object. Draws in the same order as PyTorch,
 * so a seed gives the same weights. Runs without recording autograd.
 *
 * @see [torch.nn.init.kaiming_uniform_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.kaiming_uniform_)
 */
export function kaiming_uniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) return tensor;
  const f = fan(tensor, options.mode ?? 'fan_in');
  const gain = calculate_gain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  const bound = Math.sqrt(3.0) * (gain / Math.sqrt(f));
  return uniform_(tensor, -bound, bound);
}

/**
 * He/Kaiming normal initialisation: N(0, (gain / sqrt(fan))^2), in place; PyTorch's keyword
 * arguments `a`, `mode`, `nonlinearity` go in the options object. Draws in the same order as PyTorch, so a
 * seed gives the same weights. Runs without recording autograd.
 *
 * @see [torch.nn.init.kaiming_normal_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.kaiming_normal_)
 */
export function kaiming_normal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) return tensor;
  const f = fan(tensor, options.mode ?? 'fan_in');
  const gain = calculate_gain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return normal_(tensor, 0, gain / Math.sqrt(f));
}

/**
 * Fills `tensor` (2 or more dimensions) in place with a (semi-)orthogonal matrix, from the QR
 * decomposition of a normal draw, times `gain`. Draws in the same order as PyTorch, so a seed gives the same
 * weights. Runs without recording autograd.
 *
 * @see [torch.nn.init.orthogonal_](https://pytorch.org/docs/stable/nn.init.html#torch.nn.init.orthogonal_)
 */
export function orthogonal_(tensor: Tensor, gain = 1): Tensor {
  if (tensor.dim() < 2) throw new Error('Only tensors with 2 or more dimensions are supported');
  if (tensor.numel() === 0) return tensor;
  const rows = tensor.size(0);
  const cols = tensor.numel() / rows;
  no_grad(() =>
    tidy(() => {
      let flattened = empty([rows, cols], { dtype: tensor.dtype, device: tensor.device }).normal_(0, 1);
      if (rows < cols) flattened = flattened.t();
      const [q0, r] = qr(flattened, 'reduced');
      let q = q0;
      const d = diag(r, 0);
      q = q.mul(d.sign());
      if (rows < cols) q = q.t();
      tensor.view_as(q).copy_(q);
      tensor.mul_(gain);
    }),
  );
  return tensor;
}
