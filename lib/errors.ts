// LibTorch's failures arrive as TorchError (thrown from native/error_boundary.cc with the
// message LibTorch wrote); argument mistakes found in TypeScript are TypeError or RangeError.
// This is the one place that classifies them: every TorchError carries a `code` saying what kind
// of failure it is, so callers can branch on `err.code` instead of on message text.
import { native } from './binding';

/** The kinds of failure a TorchError can be; `err.code` is one of these. */
export type TorchErrorCode =
  | 'ERR_TORCH_DISPOSED' // a disposed tensor, or one of another thread, was used
  | 'ERR_TORCH_IN_USE' // a tensor that a pending async operation reads or writes was touched
  | 'ERR_TORCH_SHAPE' // shapes or sizes that do not fit together
  | 'ERR_TORCH_INDEX' // an index or a dimension out of range
  | 'ERR_TORCH_DTYPE' // a dtype the operation does not take, or a cast it refuses
  | 'ERR_TORCH_DEVICE' // tensors on different devices, or a device that is not there
  | 'ERR_TORCH_AUTOGRAD' // a gradient that cannot be computed as asked
  | 'ERR_TORCH_NOT_IMPLEMENTED' // an operation this build or backend does not have
  | 'ERR_TORCH_OUT_OF_MEMORY'
  | 'ERR_TORCH_FILE' // a file that cannot be read or written as a model or tensor file
  | 'ERR_TORCH'; // anything else LibTorch refused

// First match wins: the more specific kinds come first.
const RULES: [TorchErrorCode, RegExp][] = [
  ['ERR_TORCH_DISPOSED', /has been disposed|got a disposed tensor|is disposed\b/],
  ['ERR_TORCH_IN_USE', /pending asynchronous operation|while a call (on it )?runs|in use by a pending/],
  ['ERR_TORCH_OUT_OF_MEMORY', /out of memory|can't allocate memory|DefaultCPUAllocator: not enough memory/i],
  ['ERR_TORCH_DEVICE', /same device|CUDA was requested|Expected all tensors to be on|CUDA (error|driver)|no CUDA GPUs|not compiled with CUDA|CUDA device \d+ was requested|Invalid device/],
  ['ERR_TORCH_INDEX', /out of range|out of bounds|index \S+ is out|Dimension out of range/i],
  ['ERR_TORCH_AUTOGRAD', /does not require grad|backward through the graph a second time|modified by an inplace operation|leaf Variable that requires grad|grad can be implicitly created only|does not have a grad_fn|One of the differentiated Tensors/],
  ['ERR_TORCH_DTYPE', /expected scalar type|Expected .* dtype|Found dtype|result type \w+ can't be cast|can't be cast to the desired output type|(must|to) have the same dtype|dtype .* not supported|Integer (inputs|tensors) .* not supported/],
  ['ERR_TORCH_NOT_IMPLEMENTED', /not implemented for|Could not run '|NotImplementedError|is not (yet )?supported|not supported on/],
  ['ERR_TORCH_SHAPE', /must match the size|size mismatch|shapes cannot be multiplied|shape '\[.*\]' is invalid|Sizes of tensors must match|must be a matrix|expected .*\d+D|doesn't match the broadcast shape|number of dims|dimension specified as|Expected .* to have .* dimension|invalid for input of size|cannot reshape|must have the same (number of dimensions|size)|Expected size/],
  ['ERR_TORCH_FILE', /^(safetensors|torch\.load|torch\.save|torch\.jit\.load|torch\.jit\.save)\b|PytorchStreamReader|no such file|zip archive/],
];

/**
 * The kind of a LibTorch failure, from its message.
 * @internal
 */
export function classifyTorchError(message: string): TorchErrorCode {
  for (const [code, re] of RULES) if (re.test(message)) return code;
  return 'ERR_TORCH';
}

/**
 * The error LibTorch's failures arrive as (PyTorch raises RuntimeError and its subclasses). `code`
 * says what kind of failure it is, so callers can branch on `err.code` instead of on message text.
 * Argument mistakes found before LibTorch runs are TypeError or RangeError instead.
 */
export class TorchError extends Error {
  /** The kind of failure, classified from the message unless given. */
  readonly code: TorchErrorCode;
  /** Makes the error; without `code` it is classified from `message`. */
  constructor(message: string, code?: TorchErrorCode) {
    super(message);
    this.name = 'TorchError';
    this.code = code ?? classifyTorchError(message);
  }
}

native.setErrorClass(TorchError);
