// torch.nn.init, following torch/nn/init.py: same formulas and the same random draws in the
// same order, so seeded initial weights equal PyTorch's.
import { Tensor } from '../tensor';
import { no_grad } from '../autograd';
import { tidy } from '../memory';
import { empty } from '../creation';
import { diag } from '../generated/torch_functions';
import { qr } from '../generated/linalg';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

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

export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return no_grad(() => tensor.uniform_(a, b));
}

export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return no_grad(() => tensor.normal_(mean, std));
}

export function constant_(tensor: Tensor, val: number): Tensor {
  return no_grad(() => tensor.fill_(val));
}

export function zeros_(tensor: Tensor): Tensor {
  return no_grad(() => tensor.zero_());
}

export function ones_(tensor: Tensor): Tensor {
  return no_grad(() => tensor.fill_(1));
}

export function xavier_uniform_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

export function xavier_normal_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(tensor, 0, std);
}

export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

export function kaiming_uniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) return tensor;
  const f = fan(tensor, options.mode ?? 'fan_in');
  const gain = calculate_gain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  const bound = Math.sqrt(3.0) * (gain / Math.sqrt(f));
  return uniform_(tensor, -bound, bound);
}

export function kaiming_normal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (tensor.shape.includes(0)) return tensor;
  const f = fan(tensor, options.mode ?? 'fan_in');
  const gain = calculate_gain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return normal_(tensor, 0, gain / Math.sqrt(f));
}

/** Fills with a (semi-)orthogonal matrix from the QR decomposition of a normal draw. */
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
