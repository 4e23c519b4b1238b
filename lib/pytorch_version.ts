// Where PyTorch's Python layer changed between 1.x and 2.x (module reprs, optimizer and scheduler
// state_dict fields), torchnode follows the PyTorch of the LibTorch it runs on: the PyTorch built
// on the same LibTorch is the oracle, and a state_dict then loads back into it unchanged.
import { native } from './binding';

/**
 * PyTorch's major version as the running LibTorch's (1 for Debian's 1.13, 2 for 2.x).
 * @internal
 */
export const pytorchMajor = Number(native.libtorch.version.split('.')[0]);

/**
 * True on LibTorch 2.x: the PyTorch 2 Python-level behaviour applies.
 * @internal
 */
export const isPytorch2 = pytorchMajor >= 2;
