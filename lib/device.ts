// torch.device, and the one check that turns a CUDA request without CUDA into a clear error.
import { native } from './binding';
import { TorchError } from './errors';

/**
 * The device types a torchnode device string may name. LibTorch knows more (PyTorch's list has
 * 19 entries); these are the ones a LibTorch build can plausibly run ('cuda' needs a CUDA
 * LibTorch, 'mps' a macOS one, 'meta' is shape-only everywhere).
 */
export type DeviceType = 'cpu' | 'cuda' | 'meta' | 'mps' | 'xpu' | 'hip';

/** A device string: a type, or a type with an index ('cuda:1'). `'gpu'` is a compile error. */
export type DeviceString = DeviceType | `${DeviceType}:${number}`;

/**
 * torch.device: https://pytorch.org/docs/stable/tensor_attributes.html#torch.device
 *
 * `new Device('cuda:1')` or `new Device('cuda', 1)`; a Device is accepted wherever a device
 * string is. Unlike PyTorch, comparing devices is `String(a) === String(b)`, not `==`.
 */
export class Device {
  /** The device type: 'cpu', 'cuda'... */
  readonly type: DeviceType;
  /** The device index, or null when none was given (PyTorch's None). */
  readonly index: number | null;

  /**
   * Parses any string, as PyTorch's torch.device does (a bad one throws): this is how a device
   * name from outside the type system (a CLI flag, an environment variable) becomes a DeviceLike.
   */
  constructor(spec: DeviceLike | string, index?: number) {
    if (spec instanceof Device) {
      this.type = spec.type;
      this.index = spec.index;
      return;
    }
    if (typeof spec !== 'string') throw new TypeError(`expected a device string such as 'cpu' or 'cuda:0', got ${typeof spec}`);
    const m = /^([a-z]+)(?::(\d+))?$/.exec(spec);
    if (!m) {
      throw new TorchError(`Invalid device string: '${spec}' (expected 'cpu', 'cuda', 'cuda:N' or another LibTorch device type)`);
    }
    // Other LibTorch device types pass through to LibTorch, which names what it supports.
    this.type = m[1] as DeviceType;
    this.index = m[2] !== undefined ? Number(m[2]) : index ?? null;
  }

  /** 'cpu', 'cuda:0': the string form, which PyTorch's str(device) also gives. */
  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  /** What console.log shows: PyTorch's repr, `device(type='cuda', index=0)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `device(type='${this.type}'${this.index === null ? '' : `, index=${this.index}`})`;
  }
}

/** A device as a Device or a device string ('cpu', 'cuda', 'cuda:0'). */
export type DeviceLike = Device | DeviceString;

/**
 * torch.device(spec, index?): https://pytorch.org/docs/stable/tensor_attributes.html#torch.device
 * Takes any string (checked at run time), so `torch.device(flags.device)` turns a CLI string
 * into a Device that type-checks wherever a device is expected.
 */
export function device(spec: DeviceLike | string, index?: number): Device {
  return new Device(spec, index);
}

let cudaAvailable: boolean | undefined;

/**
 * @internal The device string the native side takes; fails clearly when CUDA is asked for
 * without it. A string from outside the type system (a CLI flag) is checked here.
 */
export function deviceArg(d: DeviceLike | string): string {
  const dev = d instanceof Device ? d : new Device(d);
  if (dev.type === 'cuda') {
    cudaAvailable ??= native.cuda.isAvailable();
    if (!cudaAvailable) {
      throw new TorchError(
        `CUDA was requested ('${dev}') but torch.cuda.is_available() is false: this LibTorch ` +
          `(${native.libtorchVersion}) has no CUDA support or no GPU is visible. Use 'cpu', or build against a CUDA-enabled LibTorch.`,
      );
    }
    const count = native.cuda.deviceCount();
    if (dev.index !== null && dev.index >= count) {
      throw new TorchError(`CUDA device ${dev.index} was requested but only ${count} CUDA device(s) are visible`);
    }
  }
  return dev.toString();
}
