// nn.parallel.DistributedDataParallel, after torch/nn/parallel/distributed.py: the same steps in
// the same order over the same C++ engine (c10d::Reducer, native/ddp_reducer.cc). Construction
// checks that every rank has the same parameters and broadcasts rank 0's parameters and buffers;
// each forward (with grad on) arms the Reducer, whose gradient-accumulator hooks then all-reduce
// the gradients in buckets while backward runs and leave the average in `.grad`. Because the
// collectives are PyTorch's own, in PyTorch's order, a torchnode rank and a Python rank can train
// one model together.
import { native } from '../../binding';
import { is_grad_enabled } from '../../autograd';
import { Tensor } from '../../tensor';
import { Module } from '../module';
import { Embedding } from '../modules/sparse';
import { ProcessGroup, _resolve } from '../../distributed/process_group';
import { isPytorch2 } from '../../pytorch_version';

const MB = 1024 * 1024;
/** PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES: a small first bucket, so the last layers' gradients start early. */
const DEFAULT_FIRST_BUCKET_BYTES = MB;
const DEFAULT_BUCKET_CAP_MB = 25;
/** The flat buffer size for broadcasting parameters and buffers (PyTorch's broadcast_bucket_size). */
const BROADCAST_BUCKET_BYTES = 250 * MB;
/** Python's sys.maxsize as the native side reads it: one bucket for everything. */
const NO_LIMIT = -1;

/** Keyword arguments of {@link DistributedDataParallel}: PyTorch's, for CPU (gloo) training. */
export interface DistributedDataParallelOptions {
  /** Devices of a single-device CUDA module (one entry, the module's device); null or absent for CPU modules. */
  device_ids?: number[] | null;
  /** Accepted for PyTorch's signature; with single-device modules the output stays where forward puts it. */
  output_device?: number | null;
  /** Broadcast rank 0's buffers at every forward (default true), as PyTorch does. */
  broadcast_buffers?: boolean;
  /** The group to train in; default the default group. */
  process_group?: ProcessGroup | null;
  /** Bucket size in MiB (default 25); with the default the first bucket is 1 MiB. */
  bucket_cap_mb?: number | null;
  /** Find parameters that get no gradient in a forward, so backward does not wait for them (default false). */
  find_unused_parameters?: boolean;
  /** Make `.grad` views into the all-reduce buckets instead of copies (default false). */
  gradient_as_bucket_view?: boolean;
}

/** Every tensor in a forward's output (tensors, arrays, plain objects and Maps, nested): PyTorch's _find_tensors. */
function findTensors(out: unknown, found: Tensor[] = [], seen = new Set<unknown>()): Tensor[] {
  if (out instanceof Tensor) found.push(out);
  else if (out !== null && typeof out === 'object' && !seen.has(out)) {
    seen.add(out);
    const values = out instanceof Map ? out.values() : Array.isArray(out) ? out : Object.getPrototypeOf(out) === Object.prototype ? Object.values(out) : [];
    for (const v of values) findTensors(v, found, seen);
  }
  return found;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Data-parallel training across processes, PyTorch's `nn.parallel.DistributedDataParallel(module,
 * { device_ids, broadcast_buffers, process_group, bucket_cap_mb, find_unused_parameters,
 * gradient_as_bucket_view })`: each rank runs the same model on its share of the data; backward
 * leaves every rank with the average of all ranks' gradients, so the optimizer steps agree.
 *
 * It is LibTorch's own DDP engine (c10d's Reducer): gradients are all-reduced in buckets of
 * `bucket_cap_mb`, one collective per bucket, started from autograd hooks while backward is still
 * running; after the first iteration the buckets are rebuilt in the order gradients arrived.
 * {@link DistributedDataParallel.module} is the wrapped model, and state_dict keys carry
 * PyTorch's `module.` prefix.
 *
 * Differences from PyTorch: `no_sync` takes a function instead of being a `with` block; no
 * communication hooks, `static_graph`, `join` or mixed precision; for a CUDA module, inputs must
 * already be on its device.
 *
 * @see [torch.nn.parallel.DistributedDataParallel](https://pytorch.org/docs/stable/generated/torch.nn.parallel.DistributedDataParallel.html)
 */
export class DistributedDataParallel<M extends Module = Module> extends Module<Parameters<M['forward']>, ReturnType<M['forward']>> {
  /** The wrapped model. */
  readonly module: M;
  /** The group gradients are averaged over. */
  readonly process_group: ProcessGroup;
  /** Whether rank 0's buffers are broadcast at each forward. */
  readonly broadcast_buffers: boolean;
  /** Whether unused parameters are searched for after each forward. */
  readonly find_unused_parameters: boolean;
  /** Whether `.grad` are views into the buckets. */
  readonly gradient_as_bucket_view: boolean;
  /** The bucket size cap in bytes. */
  readonly bucket_bytes_cap: number;
  /** False inside {@link DistributedDataParallel.no_sync}: backward then keeps gradients local. */
  require_backward_grad_sync = true;
  /** Whether the next forward syncs buffers: the last forward armed a backward sync. */
  require_forward_param_sync = true;

  private readonly reducer: object;

  /**
   * Wraps `module`. Every rank of the group must construct it at the same point: construction
   * checks the ranks' parameter shapes agree and copies rank 0's parameters and buffers to all.
   *
   * @param module - the model, already on its device
   * @param options - PyTorch's keyword arguments (see {@link DistributedDataParallelOptions})
   */
  constructor(module: M, options: DistributedDataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError('DistributedDataParallel: module must be an nn.Module');
    const group = _resolve(options.process_group ?? null);
    if (!group) throw new Error('DistributedDataParallel: this rank is not a member of the process group');
    const params = uniqueTrainable(module);
    if (params.length === 0) {
      throw new Error("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.");
    }
    checkDevices(params, options.device_ids);
    const capMb = options.bucket_cap_mb ?? null;
    if (capMb !== null && !(typeof capMb === 'number' && capMb > 0)) throw new RangeError(`bucket_cap_mb must be a positive number, got ${String(capMb)}`);

    this.module = module;
    this.process_group = group;
    this.broadcast_buffers = options.broadcast_buffers ?? true;
    this.find_unused_parameters = options.find_unused_parameters ?? false;
    this.gradient_as_bucket_view = options.gradient_as_bucket_view ?? false;
    this.bucket_bytes_cap = Math.floor((capMb ?? DEFAULT_BUCKET_CAP_MB) * MB);
    // The small first bucket: PyTorch 1.x always has it; 2.x only with the default cap. Ranks of
    // one group must bucket alike, and a Python rank follows its own version.
    const firstBucketBytes = capMb === null || !isPytorch2 ? DEFAULT_FIRST_BUCKET_BYTES : this.bucket_bytes_cap;

    const g = group._live();
    const handles = params.map(([, p]) => p.h);
    native.distVerifyParams(g, handles);
    this.syncModuleStates();

    // As PyTorch: without find_unused_parameters the first iteration puts every parameter in one
    // bucket (their real order is unknown yet); the Reducer rebuilds the buckets after it.
    const limits = this.find_unused_parameters ? [firstBucketBytes, this.bucket_bytes_cap] : [NO_LIMIT];
    const sparse = params.map(([owner]) => owner instanceof Embedding && owner.sparse);
    this.reducer = native.distReducerNew(g, handles, sparse, limits, this.bucket_bytes_cap, this.find_unused_parameters,
      this.gradient_as_bucket_view, firstBucketBytes, params.map(([, , name]) => name));
    // Not a submodule or parameter field of this module: kept out of state_dict and parameters().
    Object.defineProperty(this, 'reducer', { enumerable: false });
  }

  /**
   * Runs the wrapped module's forward. With grad on (and outside no_sync), it first arms the
   * Reducer (and, once, rebuilds the buckets; and broadcasts rank 0's buffers), then tells it
   * which outputs backward will start from.
   */
  forward(...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    const sync = is_grad_enabled() && this.require_backward_grad_sync;
    if (sync) native.distReducerPrepareForForward(this.reducer);
    if (is_grad_enabled()) native.distReducerRebuildBuckets(this.reducer);
    if (this.will_sync_module_buffers()) this.syncBuffers();

    const out = this.module.forward(...inputs) as ReturnType<M['forward']>;

    if (sync) {
      this.require_forward_param_sync = true;
      const outputs = this.find_unused_parameters ? findTensors(out).map((t) => t.h) : [];
      native.distReducerPrepareForBackward(this.reducer, outputs);
    } else {
      this.require_forward_param_sync = false;
    }
    return out;
  }

  /**
   * Runs `fn` with gradient synchronization off, PyTorch's `with ddp.no_sync():`: backward passes
   * inside accumulate gradients locally; the first backward after it all-reduces the sum. If
   * `fn` returns a Promise, sync stays off until it settles.
   */
  no_sync<T>(fn: () => T): T {
    const previous = this.require_backward_grad_sync;
    this.require_backward_grad_sync = false;
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.require_backward_grad_sync = previous;
      throw e;
    }
    if (isThenable(result)) {
      const restore = (): void => {
        this.require_backward_grad_sync = previous;
      };
      return Promise.resolve(result).finally(restore) as T;
    }
    this.require_backward_grad_sync = previous;
    return result;
  }

  /** Whether the next forward broadcasts buffers (PyTorch's will_sync_module_buffers). */
  will_sync_module_buffers(): boolean {
    return this.require_forward_param_sync && this.broadcast_buffers && this.module.buffers().length > 0;
  }

  /** rank 0's buffers to every rank, as one coalesced broadcast. */
  private syncBuffers(): void {
    broadcastCoalesced(this.process_group, this.module.buffers());
  }

  /** At construction: rank 0's parameters (and buffers, with broadcast_buffers) to every rank. */
  private syncModuleStates(): void {
    const states = [...this.module.parameters(), ...(this.broadcast_buffers ? this.module.buffers() : [])];
    broadcastCoalesced(this.process_group, states);
  }

  /** Drops the Reducer's autograd hooks now instead of at garbage collection. */
  _release(): void {
    native.distReducerRelease(this.reducer);
  }

  extra_repr(): string {
    return '';
  }
}

/** The trainable parameters in PyTorch DDP's order (module by module, each once), with their module and name. */
function uniqueTrainable(module: Module): [Module, Tensor, string][] {
  const seen = new Set<Tensor>();
  const out: [Module, Tensor, string][] = [];
  for (const [prefix, m] of module.named_modules()) {
    for (const [name, p] of m.named_parameters('', false)) {
      if (!p.requires_grad || seen.has(p)) continue;
      seen.add(p);
      out.push([m, p, prefix ? `${prefix}.${name}` : name]);
    }
  }
  return out;
}

function checkDevices(params: [Module, Tensor, string][], deviceIds: number[] | null | undefined): void {
  const devices = new Set(params.map(([, p]) => String(p.device)));
  const cpu = params.every(([, p]) => p.device.type === 'cpu');
  if (deviceIds != null && (cpu || devices.size > 1 || deviceIds.length !== 1 || `cuda:${deviceIds[0]}` !== [...devices][0])) {
    throw new Error(`DistributedDataParallel device_ids and output_device arguments only work with single-device GPU modules or CPU modules, but got device_ids ${JSON.stringify(deviceIds)} and module parameters on ${[...devices].join(', ')}.`);
  }
}

/** PyTorch's dist._broadcast_coalesced from rank 0, on detached aliases (the parameters are leaves that require grad). */
function broadcastCoalesced(group: ProcessGroup, tensors: Tensor[]): void {
  if (tensors.length === 0) return;
  const aliases = tensors.map((t) => t.detach());
  try {
    native.distBroadcastCoalesced(group._live(), aliases.map((t) => t.h), BROADCAST_BUCKET_BYTES, 0);
  } finally {
    for (const a of aliases) a.dispose();
  }
}
