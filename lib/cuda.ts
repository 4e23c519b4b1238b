// torch.cuda: availability and synchronisation. Works on CPU-only LibTorch builds, where no
// device is reported.
import { native } from './binding';
import { TorchError } from './errors';

/**
 * `torch.cuda.is_available()`: whether this LibTorch has CUDA and a GPU is present (false on a
 * CPU-only build).
 * @see https://pytorch.org/docs/stable/generated/torch.cuda.is_available.html
 */
export function is_available(): boolean {
  return native.cuda.isAvailable();
}

/**
 * `torch.cuda.device_count()`: the number of visible CUDA devices (0 on a CPU-only build).
 * @see https://pytorch.org/docs/stable/generated/torch.cuda.device_count.html
 */
export function device_count(): number {
  return native.cuda.deviceCount();
}

/**
 * `torch.cuda.synchronize(device?)`: waits for all work queued on a CUDA device (the current one by
 * default). Differs from PyTorch: the device is an index only; a TorchError without CUDA.
 * @see https://pytorch.org/docs/stable/generated/torch.cuda.synchronize.html
 */
export function synchronize(device?: number): void {
  if (!native.cuda.isAvailable()) throw new TorchError('torch.cuda.synchronize(): CUDA is not available');
  native.cuda.synchronize(device);
}
