// LibTorch's failures arrive as TorchError (thrown from native/error_boundary.cc with the
// message LibTorch wrote); argument mistakes found in TypeScript are TypeError or RangeError.
import { native } from './binding';

export class TorchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchError';
  }
}

native.setErrorClass(TorchError);
