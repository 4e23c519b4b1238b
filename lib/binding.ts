// The only file that loads the native addon; lib/loader/load.ts decides which file and how
// (TORCHNODE_ADDON, a build from source, or the prebuild for the LibTorch on this machine).
import * as path from 'node:path';
import * as fs from 'node:fs';
import { loadNative, type LoadPlan } from './loader/load';
import { packageRoot } from './loader/package_root';

/** @internal A tensor handle: an index into the native per-environment tensor table. */
export type Handle = number;
/**
 * @internal An autograd node as native/autograd_graph.cc gives it: an opaque object that owns the
 * node, the node's address (unique among live nodes while that object lives) and its name().
 */
export type NodeRef = [node: object, address: number, name: string];


/** @internal One argument of an operator schema, as the native side describes it. */
export interface OpArgInfo {
  name: string;
  kind: string;
  optional: boolean;
  hasDefault: boolean;
  kwargOnly: boolean;
}

/** @internal An operator schema, as the native side describes it. */
export interface OpInfo {
  name: string;
  overload: string;
  schema: string;
  args: OpArgInfo[];
  returns: string[];
  /** index of the argument an in-place or out= op writes and returns; -1 for new results */
  writtenArg: number;
}

/** @internal The global backend switches the native side reads and sets (torch.backends). */
export type BackendFlag = 'cudnnEnabled' | 'cudnnBenchmark' | 'cudnnDeterministic' | 'cudnnAllowTF32' | 'cublasAllowTF32' | 'mkldnnEnabled';

/** @internal What a node's native hook calls: see NativeBinding.registerNodeHook. */
export type NodeHookDispatcher = (grads: (Handle | null)[], gradOutputs?: (Handle | null)[]) => (Handle | null)[] | null;

/** @internal The functions of the native addon. */
export interface NativeBinding {
  libtorchVersion: string;
  /** The LibTorch loaded at run time (native/version.cc). */
  libtorch: {
    version: string;
    builtAgainst: string;
    flavour: string;
    cuda: string | null;
    mkl: boolean;
    mkldnn: boolean;
    cxx11Abi: boolean | null;
    library: string;
    config: string;
  };
  setErrorClass(ctor: new (message: string) => Error): void;
  /** The function LibTorch's warnings go to when the call that raised them returns (lib/warnings.ts). */
  setWarningSink(sink: (message: string, deprecation: boolean) => void): void;
  manualSeed(seed: number): void;
  getNumThreads(): number;
  setNumThreads(n: number): void;
  setDefaultDtype(code: number): void;
  getDefaultDtype(): number;

  /** Hands h to the GC through owner; true asks for a young-generation collection (memory.ts). */
  track(owner: object, h: Handle): boolean;
  dispose(h: Handle): void;
  /** Frees the first `count` handles of `hs` at once (a scope closing): one crossing for all. */
  disposeMany(hs: Float64Array, count: number): void;
  memoryStats(): { live_tensors: number; live_bytes: number; v8_external_bytes: number };

  /**
   * The operator's id. With `wrappedNumberArg`, an id of its own whose Tensor argument of that
   * index takes a number or boolean as PyTorch's wrapped-number tensor (never a handle).
   */
  resolve(name: string, overload: string, wrappedNumberArg?: number): number;
  call(op: number, ...args: unknown[]): any;
  /** call() on a libuv worker thread; resolves with what call() would return */
  callAsync(op: number, ...args: unknown[]): Promise<any>;
  opInfo(op: number): OpInfo;
  overloads(name: string): string[];
  /** a number or boolean as PyTorch's 0-dim "wrapped number" tensor (a Python number in a Tensor slot) */
  wrappedNumber(x: number | boolean): Handle;

  /** A tensor from a copy of data's bytes (of dtype), converted to targetDtype, on device, requiring grad: one crossing. */
  fromBuffer(data: ArrayBufferView, dtype: number, shape: number[], device?: string, requiresGrad?: boolean, targetDtype?: number): Handle;
  toBuffer(h: Handle): ArrayBuffer;
  copyInto(h: Handle, out: ArrayBufferView): void;
  shareBuffer(h: Handle, previous?: ArrayBuffer): ArrayBuffer;
  /**
   * A new CPU tensor of dtype and shape holding the file's bytes from position on, read with
   * pread straight into its storage (native/file_read.cc). Absent on Windows and in addons built
   * before it existed.
   */
  readTensor?(fd: number, position: number, dtype: number, shape: number[]): Handle;
  shape(h: Handle): number[];
  strides(h: Handle): number[];
  dtype(h: Handle): number;
  device(h: Handle): string;
  dim(h: Handle): number;
  numel(h: Handle): number;
  isContiguous(h: Handle): boolean;
  dataPtr(h: Handle): number;
  item(h: Handle): number | boolean;

  /** indices: lib/indexing.ts's encoding, four numbers per item, count items */
  index(h: Handle, indices: Float64Array, count: number): Handle;
  /** the value is the tensor `value` when given, else `scalar` */
  indexPut(h: Handle, indices: Float64Array, count: number, value: Handle | null, scalar: number | boolean | undefined): void;

  backward(h: Handle, gradient: Handle | null, retainGraph?: boolean, createGraph?: boolean, inputs?: Handle[]): void;
  grad(outputs: Handle[], inputs: Handle[], gradOutputs: (Handle | null)[] | null, retainGraph?: boolean,
    createGraph?: boolean, allowUnused?: boolean): (Handle | null)[];
  getGrad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, value: boolean): void;
  isLeaf(h: Handle): boolean;
  gradFnName(h: Handle): string | null;
  retainGrad(h: Handle): void;
  setData(h: Handle, src: Handle): void;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  /**
   * Records a JS autograd.Function call (native/custom_function.cc): per output, null when the
   * output tensor now carries the history, else the handle to return instead. `backward` is
   * called during a backward with the gradient and saved-tensor handles.
   */
  functionApply(name: string, inputs: (Handle | null)[], outputs: Handle[], nonDifferentiable: Handle[], dirty: Handle[],
    toSave: (Handle | null)[], materializeGrads: boolean,
    backward: (grads: (Handle | null)[], saved: (Handle | null)[]) => (Handle | null)[]): (Handle | null)[];
  /**
   * Installs a tensor's one native backward hook (native/tensor_hooks.cc): `run` gets the
   * gradient's handle during backward and returns the replacement's handle, or null to keep it.
   */
  registerHook(h: Handle, run: (grad: Handle | null) => Handle | null): void;
  /**
   * Fills a leaf's post-accumulate-grad hook slot (native/tensor_hooks.cc; LibTorch 2.1+, absent
   * before): `run` gets a handle of the leaf after each accumulation into its grad.
   */
  registerPostAccumulateGradHook?(h: Handle, run: (tensor: Handle) => void): void;

  /** A tensor's grad_fn (native/autograd_graph.cc), null for a leaf or a tensor without history. */
  gradFn(h: Handle): NodeRef | null;
  /** A node's next edges: the node each leads to (null for an invalid edge) and its input_nr. */
  nodeNextFunctions(node: object): [NodeRef | null, number][];
  /** An AccumulateGrad node's leaf, as a new handle; undefined for other nodes. */
  accumulateGradVariable(node: object): Handle | undefined;
  /** The dispatcher of the node's native post (or pre) hook, undefined before registerNodeHook. */
  nodeHookDispatcher(node: object, post: boolean): NodeHookDispatcher | undefined;
  /**
   * Installs the node's one native post (or pre) hook: during backward it calls `run` with the
   * gradient handles (a post hook: the node's grad_inputs, then its grad_outputs), which returns
   * the replacements, or null to keep them.
   */
  registerNodeHook(node: object, post: boolean, run: NodeHookDispatcher): void;

  /** LibTorch's process-wide settings (native/runtime_settings.cc). */
  settings: {
    setDeterministic(enabled: boolean, warnOnly: boolean): void;
    getDeterministic(): { enabled: boolean; warnOnly: boolean };
    setMatmulPrecision(precision: string): void;
    getMatmulPrecision(): 'highest' | 'high' | 'medium';
    setFlushDenormal(enabled: boolean): boolean;
    getNumInteropThreads(): number;
    setNumInteropThreads(n: number): void;
    initNumThreads(): void;
    initialSeed(): bigint;
    seed(): bigint;
    getRngState(): Handle;
    setRngState(state: Handle): void;
    isInferenceModeEnabled(): boolean;
    setWarnAlways(enabled: boolean): void;
    getWarnAlways(): boolean;
    getBackendFlags(): Record<BackendFlag | 'hasCuDNN' | 'hasMKL' | 'hasMKLDNN' | 'hasOpenMP' | 'hasMPS', boolean>;
    setBackendFlag(name: BackendFlag, value: boolean): void;
    cudnnVersion(): number | null;
  };

  /** TorchScript modules (native/jit.cc); modules are opaque values only lib/jit handles. */
  jit: {
    load(path: string, device: string | null): object;
    save(m: object, path: string): void;
    methods(m: object): { name: string; schema: string }[];
    runMethod(m: object, name: string, args: unknown[], kwargs: unknown): unknown;
    runMethodAsync(m: object, name: string, args: unknown[], kwargs: unknown): Promise<unknown>;
    named(m: object, kind: 'parameters' | 'buffers' | 'children', recurse: boolean): [string, unknown][];
    getAttr(m: object, name: string): unknown;
    hasAttr(m: object, name: string): boolean;
    setAttr(m: object, name: string, value: unknown): void;
    train(m: object, on: boolean): void;
    isTraining(m: object): boolean;
    to(m: object, device: string | null, dtype: number | null): void;
    typeName(m: object): string;
    graph(m: object, method: string): string;
    freeze(m: object, preservedAttrs: string[], optimizeNumerics: boolean): object;
    optimizeForInference(m: object, otherMethods: string[]): object;
    trace(spec: object, fn: (...handles: Handle[]) => unknown, inputs: Handle[], strict: boolean): object;
  };

  cuda: {
    isAvailable(): boolean;
    deviceCount(): number;
    synchronize(device?: number): void;
  };

  // ---- torch.distributed (native/distributed.cc; lib/distributed/ is the API over these) ----
  // Stores, process groups and works are opaque values only lib/distributed handles; a timeout
  // of -1 means "the group's or store's own".
  distAvailable?(): boolean;
  distTcpStore(host: string, port: number, worldSize: number, isServer: boolean, timeoutMs: number, waitWorkers: boolean): object;
  distFileStore(path: string, worldSize: number): object;
  distPrefixStore(prefix: string, store: object): object;
  distStorePort(store: object): number;
  distStoreSet(store: object, key: string, value: string | Uint8Array): void;
  distStoreGet(store: object, key: string): Buffer;
  distStoreAdd(store: object, key: string, amount: number): number;
  distStoreWait(store: object, keys: string[], timeoutMs: number): void;
  distStoreCheck(store: object, keys: string[]): boolean;
  distStoreDeleteKey(store: object, key: string): boolean;
  distStoreNumKeys(store: object): number;
  distStoreSetTimeout(store: object, timeoutMs: number): void;
  distNewGloo(store: object, rank: number, worldSize: number, timeoutMs: number): object;
  /** c10d's ProcessGroupWrapper around group, its checks over a helper gloo group on helperStore */
  distWrapForDebug(group: object, helperStore: object, rank: number, worldSize: number, timeoutMs: number): object;
  distSetSequenceNumber(group: object): void;
  distRelease(value: object): void;
  distAllreduce(group: object, tensors: Handle[], op: number): object;
  distBroadcast(group: object, tensors: Handle[], src: number): object;
  distReduce(group: object, tensors: Handle[], dst: number, op: number): object;
  distAllgather(group: object, outputs: Handle[][], inputs: Handle[]): object;
  distGather(group: object, outputs: Handle[][], inputs: Handle[], dst: number): object;
  distScatter(group: object, outputs: Handle[], inputs: Handle[][], src: number): object;
  distReduceScatter(group: object, outputs: Handle[], inputs: Handle[][], op: number): object;
  distBarrier(group: object, timeoutMs: number): object;
  distSend(group: object, tensors: Handle[], dst: number, tag: number): object;
  /** src -1: from any source */
  distRecv(group: object, tensors: Handle[], src: number, tag: number): object;
  distWorkWait(work: object, timeoutMs: number): boolean;
  distWorkWaitAsync(work: object, timeoutMs: number): Promise<boolean>;
  distWorkIsCompleted(work: object): boolean;
  distWorkSourceRank(work: object): number;
  // DistributedDataParallel's c10d::Reducer (native/ddp_reducer.cc); sizes in bytes, -1: no limit.
  distReducerNew(group: object, params: Handle[], expectSparse: boolean[], bucketSizeLimits: number[], bucketBytesCap: number,
    findUnused: boolean, gradientAsBucketView: boolean, firstBucketBytesCap: number, paramNames: string[]): object;
  distReducerPrepareForForward(reducer: object): void;
  distReducerPrepareForBackward(reducer: object, outputs: Handle[]): void;
  distReducerRebuildBuckets(reducer: object): boolean;
  distReducerRelease(reducer: object): void;
  distVerifyParams(group: object, params: Handle[]): void;
  distBroadcastCoalesced(group: object, tensors: Handle[], bufferBytes: number, src: number): void;
  // ---- end torch.distributed ----
}

const loaded = loadNative<NativeBinding>(packageRoot());

/** @internal The loaded native addon. */
export const native: NativeBinding = loaded.binding;

/** @internal Which addon file was loaded, and for a prebuild, the LibTorch found for it. */
export const loadPlan: LoadPlan = loaded.plan;

/** @internal torchnode's own version, from package.json. */
export const packageVersion: string = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
