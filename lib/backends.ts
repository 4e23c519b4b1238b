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

/**
 * torch.backends.cudnn: is_available(), version(), and the enabled / benchmark / deterministic /
 * allow_tf32 flags. Each flag reads and writes LibTorch's global context (a TypeError for a
 * non-boolean).
 * @see https://pytorch.org/docs/stable/backends.html#module-torch.backends.cudnn
 */
export const cudnn = Object.defineProperties(
  {
    /** Whether this LibTorch has cuDNN. */
    is_available: has('hasCuDNN'),
    /** cuDNN's version as PyTorch reports it (e.g. 90100), or null without cuDNN. */
    version: (): number | null => native.settings.cudnnVersion(),
  },
  { enabled: flag('cudnnEnabled'), benchmark: flag('cudnnBenchmark'), deterministic: flag('cudnnDeterministic'), allow_tf32: flag('cudnnAllowTF32') },
) as {
  /** Whether this LibTorch has cuDNN. */
  is_available(): boolean;
  /** cuDNN's version as PyTorch reports it (e.g. 90100), or null without cuDNN. */
  version(): number | null;
  /** Whether cuDNN is used where it can be (default true). */
  enabled: boolean;
  /** Let cuDNN benchmark convolution algorithms and pick the fastest for each shape (default false). */
  benchmark: boolean;
  /** Restrict cuDNN to deterministic convolution algorithms (default false). */
  deterministic: boolean;
  /** Allow TF32 in cuDNN convolutions on Ampere and newer GPUs (default true). */
  allow_tf32: boolean;
};

/**
 * torch.backends.mkldnn (oneDNN): is_available() and the enabled flag.
 * @see https://pytorch.org/docs/stable/backends.html#module-torch.backends.mkldnn
 */
export const mkldnn = Object.defineProperties({ is_available: has('hasMKLDNN') }, { enabled: flag('mkldnnEnabled') }) as {
  /** Whether this LibTorch has oneDNN (MKL-DNN). */
  is_available(): boolean;
  /** Whether oneDNN kernels are used where they can be (default true). */
  enabled: boolean;
};

/**
 * torch.backends.mkl: whether this LibTorch has Intel MKL.
 * @see https://pytorch.org/docs/stable/backends.html#module-torch.backends.mkl
 */
export const mkl = {
  /** Whether this LibTorch has Intel MKL. */
  is_available: has('hasMKL'),
};
/**
 * torch.backends.openmp: whether this LibTorch was built with OpenMP.
 * @see https://pytorch.org/docs/stable/backends.html#module-torch.backends.openmp
 */
export const openmp = {
  /** Whether this LibTorch was built with OpenMP. */
  is_available: has('hasOpenMP'),
};
/**
 * torch.backends.mps, Apple's Metal backend. Differs from PyTorch: both functions report whether
 * this LibTorch has MPS, so they are true only for a LibTorch built with MPS on a Mac.
 * @see https://pytorch.org/docs/stable/backends.html#module-torch.backends.mps
 */
export const mps = {
  /** Whether MPS is usable (here: whether this LibTorch has MPS). */
  is_available: has('hasMPS'),
  /** Whether this LibTorch was built with MPS. */
  is_built: has('hasMPS'),
};

/**
 * torch.backends.cuda: is_built(), and matmul.allow_tf32 (TF32 in cuBLAS matmuls).
 * @see https://pytorch.org/docs/stable/backends.html#module-torch.backends.cuda
 */
export const cuda = {
  /** Whether this LibTorch was built with CUDA (not whether a GPU is present: see torch.cuda.is_available()). */
  is_built: (): boolean => native.libtorch.cuda !== null,
  /** cuBLAS matmul settings. */
  matmul: Object.defineProperties({}, { allow_tf32: flag('cublasAllowTF32') }) as {
    /** Allow TF32 in cuBLAS matmuls on Ampere and newer GPUs (PyTorch's default: false). */
    allow_tf32: boolean;
  },
};
