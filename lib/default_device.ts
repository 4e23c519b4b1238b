// torch.set_default_device and torch.get_default_device. The device is kept here as the string
// the native side takes, null while none is set (the CPU), so that every factory call pays one
// read for it. Module state, so each Node environment (the main thread, each worker) has its own,
// as PyTorch's setting is per thread.
import { native } from './binding';
import { Device, DeviceLike, deviceArg } from './device';
import { uint8 } from './dtype';

let defaultDevice: string | null = null;

/**
 * @internal The device set by torch.set_default_device, as a native device string; null when none
 * is (factories then make CPU tensors).
 */
export function defaultDeviceArg(): string | null {
  return defaultDevice;
}

/**
 * The device an empty tensor lands on when made on `device`: LibTorch's own check of the device
 * string (a bad one throws PyTorch's message), and its current index where `device` names none.
 */
function emptyTensorDevice(device: string): string {
  const h = native.fromBuffer(new Uint8Array(0), uint8.code, [0], device);
  try {
    return native.device(h);
  } finally {
    native.dispose(h);
  }
}

/**
 * `torch.set_default_device(device)`: makes PyTorch's device constructors (torch.tensor, zeros,
 * ones, empty, full, rand, randn, randint, randperm, arange, linspace, logspace, eye, the window
 * functions, tril_indices/triu_indices, scalar_tensor, as_tensor, asarray, empty_strided,
 * fft.fftfreq...) create their tensors on `device` when called without one; `null` restores the
 * CPU. An explicit `device` still wins; the *_like functions, normal, Tensor.new_* and operations
 * on existing tensors are unaffected; nn layers' parameters, made by these factories, land on it.
 * As in PyTorch, torch.tensor, as_tensor and asarray move a tensor given to them there; the legacy
 * constructors (torch.FloatTensor...) and from_typed_array (torchnode's from_numpy) stay on the CPU.
 *
 * The setting belongs to the calling environment: a worker thread has its own (PyTorch's is per
 * thread). A bad device string throws at once, with LibTorch's message.
 *
 * Differs from PyTorch: no `with torch.device(...)` form; set the device back in a `finally`
 * (`torch.get_default_device()` gives the one to restore). A function that takes `out` makes its
 * result on `out`'s device (PyTorch raises when the two differ).
 * @see https://pytorch.org/docs/stable/generated/torch.set_default_device.html
 */
export function set_default_device(device: DeviceLike | string | null): void {
  if (device === null) {
    defaultDevice = null;
    return;
  }
  const arg = deviceArg(device);
  emptyTensorDevice(arg);
  defaultDevice = arg;
}

/**
 * `torch.get_default_device()`: the device factories use when none is given: the one set by
 * {@link set_default_device} (with the current index where it names none, as PyTorch fills it
 * in), else the CPU.
 * @see https://pytorch.org/docs/stable/generated/torch.get_default_device.html
 */
export function get_default_device(): Device {
  if (defaultDevice === null) return new Device('cpu');
  const d = new Device(defaultDevice);
  return d.index === null ? new Device(emptyTensorDevice(defaultDevice)) : d;
}
