// torch.cuda: availability and synchronisation. Works on CPU-only LibTorch builds, where no
// device is reported.
import { native } from './binding';
import { TorchError } from './errors';

export function is_available(): boolean {
  return native.cuda.isAvailable();
}

export function device_count(): number {
  return native.cuda.deviceCount();
}

/** Waits for all work queued on a CUDA device (the current one by default). */
export function synchronize(device?: number): void {
  if (!native.cuda.isAvailable()) throw new TorchError('torch.cuda.synchronize(): CUDA is not available');
  native.cuda.synchronize(device);
}
