// torch.backends: what this LibTorch was built with, and the switches PyTorch users set
// (torch.backends.cudnn.benchmark = true). Each flag reads and writes LibTorch's global context,
// so it changes what LibTorch does, as in PyTorch.
import { native, BackendFlag } from './binding';

function flag(name: BackendFlag): PropertyDescriptor {
  return {
    get: () => native.settings.getBackendFlags()[name],
    set: (v: unknown) => {
      if (typeof v !== 'boolean') throw new TypeError(`torch.backends: ${name} must be a boolean, not ${typeof v}`);
      native.settings.setBackendFlag(name, v);
    },
    enumerable: true,
  };
}

const has = (name: 'hasCuDNN' | 'hasMKL' | 'hasMKLDNN' | 'hasOpenMP' | 'hasMPS') => () => native.settings.getBackendFlags()[name];

/** torch.backends.cudnn: is_available(), version(), and the enabled / benchmark / deterministic / allow_tf32 flags. */
export const cudnn = Object.defineProperties(
  {
    is_available: has('hasCuDNN'),
    /** cuDNN's version as PyTorch reports it (e.g. 90100), or null without cuDNN. */
    version: (): number | null => native.settings.cudnnVersion(),
  },
  { enabled: flag('cudnnEnabled'), benchmark: flag('cudnnBenchmark'), deterministic: flag('cudnnDeterministic'), allow_tf32: flag('cudnnAllowTF32') },
) as { is_available(): boolean; version(): number | null; enabled: boolean; benchmark: boolean; deterministic: boolean; allow_tf32: boolean };

/** torch.backends.mkldnn (oneDNN): is_available() and the enabled flag. */
export const mkldnn = Object.defineProperties({ is_available: has('hasMKLDNN') }, { enabled: flag('mkldnnEnabled') }) as {
  is_available(): boolean;
  enabled: boolean;
};

export const mkl = { is_available: has('hasMKL') };
export const openmp = { is_available: has('hasOpenMP') };
/** Apple's Metal backend: is_available() and is_built() are true only for a LibTorch built with MPS on a Mac. */
export const mps = { is_available: has('hasMPS'), is_built: has('hasMPS') };

/** torch.backends.cuda: is_built(), and matmul.allow_tf32 (TF32 in cuBLAS matmuls). */
export const cuda = {
  is_built: (): boolean => native.libtorch.cuda !== null,
  matmul: Object.defineProperties({}, { allow_tf32: flag('cublasAllowTF32') }) as { allow_tf32: boolean },
};
