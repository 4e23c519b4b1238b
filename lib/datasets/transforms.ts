// Image transforms in the manner of torchvision.transforms, on tensors: one image [C, H, W] (or
// [H, W]) or a whole batch [N, C, H, W]. Each factory returns a function, so they are written
// as in Python: transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]).
// Random transforms draw from torch's default generator (torch.rand / torch.randint), so
// torch.manual_seed makes them reproducible; on a single image they draw exactly what
// torchvision draws, on a batch one draw per sample.
import { Tensor, describe } from '../tensor';
import { arange, rand, randint, tensor } from '../creation';
import { float32, uint8 } from '../dtype';
import { tidy } from '../memory';
import { constant_pad_nd } from '../generated/torch_functions';

/**
 * A transform: a function from one input to one output, what every factory in this module
 * returns and what {@link Compose} chains. torchvision's transforms are callable objects (or
 * `nn.Module`s); here they are plain functions, called as `t(image)`.
 *
 * @typeParam I - The input (a Tensor image or batch by default).
 * @typeParam O - The output (a Tensor by default).
 * @see [torchvision.transforms](https://pytorch.org/vision/stable/transforms.html)
 */
export type Transform<I = Tensor, O = Tensor> = (input: I) => O;

function requireImage(name: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor image, got ${describe(x)}`);
  if (x.ndim < 2 || x.ndim > 4) throw new RangeError(`${name}: expected an image [H, W] or [C, H, W], or a batch [N, C, H, W]; got shape [${x.shape.join(', ')}]`);
  return x;
}

/** Applies the transforms in order. */
export function Compose<T = Tensor>(transforms: Transform<any, any>[]): Transform<T, any> {
  return (input: T) => transforms.reduce((x, t) => t(x), input as unknown);
}

/**
 * ToTensor, for images that are already tensors: uint8 pixels become float32 in [0, 1], and an
 * [H, W] image gains its channel dimension, [1, H, W]. Float images pass unchanged. [C, H, W]
 * and [N, C, H, W] keep their shape; for a batch of grey images [N, H, W], unsqueeze(1) first.
 */
export function ToTensor(): Transform {
  return (input) =>
    tidy(() => {
      const x = requireImage('ToTensor', input);
      const chw = x.ndim === 2 ? x.unsqueeze(0) : x;
      if (chw.dtype === uint8) return chw.to(float32).div(255);
      if (chw.is_floating_point()) return chw;
      throw new TypeError(`ToTensor: expected uint8 or floating-point pixels, got ${chw.dtype}`);
    });
}

/** (x - mean[c]) / std[c] per channel, for [C, H, W] and [N, C, H, W] alike. */
export function Normalize(mean: number | number[], std: number | number[]): Transform {
  const means = typeof mean === 'number' ? [mean] : mean;
  const stds = typeof std === 'number' ? [std] : std;
  if (means.length !== stds.length) throw new RangeError(`Normalize: mean has ${means.length} values, std ${stds.length}`);
  if (stds.some((s) => s === 0)) throw new RangeError(`Normalize: std evaluated to zero after conversion to float, leading to division by zero.`);
  return (input) =>
    tidy(() => {
      const x = requireImage('Normalize', input);
      if (!x.is_floating_point()) throw new TypeError(`Normalize: expected a floating-point image, got ${x.dtype} (apply ToTensor first)`);
      const c = x.ndim === 2 ? 1 : x.shape[x.ndim - 3];
      if (means.length !== 1 && means.length !== c) throw new RangeError(`Normalize: ${means.length} means for ${c} channels`);
      const shape = [means.length, 1, 1];
      const m = tensor(means, { dtype: x.dtype, device: x.device }).view(shape);
      const s = tensor(stds, { dtype: x.dtype, device: x.device }).view(shape);
      return x.ndim === 2 ? x.sub(m.view(1, 1)).div(s.view(1, 1)) : x.sub(m).div(s);
    });
}

type Padding = number | [number, number] | [number, number, number, number];

/** [left, right, top, bottom] from torchvision's padding forms: all, [left/right, top/bottom], [l, t, r, b]. */
function padSpec(padding: Padding): [number, number, number, number] {
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (padding.length === 2) return [padding[0], padding[0], padding[1], padding[1]];
  if (padding.length === 4) return [padding[0], padding[2], padding[1], padding[3]];
  throw new RangeError(`RandomCrop: padding must be a number or 2 or 4 numbers, got ${(padding as number[]).length}`);
}

/**
 * Crops a random size[0] x size[1] window, after padding the borders with `fill` (constant
 * padding, torchvision's default). Single images draw i and j as torchvision does; a batch
 * draws one window per sample and gathers all of them in one indexing operation.
 */
export function RandomCrop(size: number | [number, number], options: { padding?: Padding; fill?: number } = {}): Transform {
  const [th, tw] = typeof size === 'number' ? [size, size] : size;
  const pad = options.padding === undefined ? null : padSpec(options.padding);
  const fill = options.fill ?? 0;
  return (input) =>
    tidy(() => {
      let x = requireImage('RandomCrop', input);
      if (pad && pad.some((p) => p !== 0)) x = constant_pad_nd(x, pad, fill);
      const h = x.shape[x.ndim - 2];
      const w = x.shape[x.ndim - 1];
      if (h < th || w < tw) throw new RangeError(`RandomCrop: required crop size (${th}, ${tw}) is larger than the input image size (${h}, ${w})`);
      if (x.ndim < 4) {
        if (h === th && w === tw) return x; // torchvision draws nothing here either
        const i = randint(0, h - th + 1, [1]).item() as number;
        const j = randint(0, w - tw + 1, [1]).item() as number;
        return x.narrow(-2, i, th).narrow(-1, j, tw); // a view, as torchvision's crop
      }
      const [n, c] = x.shape;
      const i = randint(0, h - th + 1, [n], { device: x.device });
      const j = randint(0, w - tw + 1, [n], { device: x.device });
      const rows = i.view(n, 1, 1, 1).add(arange(th, { device: x.device }).view(1, 1, th, 1));
      const cols = j.view(n, 1, 1, 1).add(arange(tw, { device: x.device }).view(1, 1, 1, tw));
      const sample = arange(n, { device: x.device }).view(n, 1, 1, 1);
      const channel = arange(c, { device: x.device }).view(1, c, 1, 1);
      return x.index(sample, channel, rows, cols);
    });
}

/** Mirrors left-right with probability p: per image, or per sample of a batch. */
export function RandomHorizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`RandomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return (input) =>
    tidy(() => {
      const x = requireImage('RandomHorizontalFlip', input);
      if (x.ndim < 4) return (rand(1).item() as number) < p ? x.flip(-1) : x;
      const n = x.shape[0];
      const flip = rand([n], { device: x.device }).lt(p).view(n, 1, 1, 1);
      return x.flip(-1).where(flip, x);
    });
}
