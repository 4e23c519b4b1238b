// torch.device, and the one check that turns a CUDA request without CUDA into a clear error.
import { native } from './binding';
import { TorchError } from './errors';

export class Device {
  readonly type: string;
  readonly index: number | null;

  constructor(spec: string | Device, index?: number) {
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
    this.type = m[1];
    this.index = m[2] !== undefined ? Number(m[2]) : index ?? null;
  }

  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `device(type='${this.type}'${this.index === null ? '' : `, index=${this.index}`})`;
  }
}

export type DeviceLike = Device | string;

export function device(spec: DeviceLike, index?: number): Device {
  return new Device(spec, index);
}

let cudaAvailable: boolean | undefined;

/** The device string the native side takes; fails clearly when CUDA is asked for without it. */
export function deviceArg(d: DeviceLike): string {
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
