// The only file that loads the native addon; lib/loader/load.ts decides which file and how
// (TORCHNODE_ADDON, a build from source, or the prebuild for the LibTorch on this machine).
import * as path from 'node:path';
import * as fs from 'node:fs';
import { loadNative, type LoadPlan } from './loader/load';
import { packageRoot } from './loader/package_root';

/** A tensor handle: an index into the native per-environment tensor table. */
export type Handle = number;


export interface OpArgInfo {
  name: string;
  kind: string;
  optional: boolean;
  hasDefault: boolean;
  kwargOnly: boolean;
}

export interface OpInfo {
  name: string;
  overload: string;
  schema: string;
  args: OpArgInfo[];
  returns: string[];
  /** index of the argument an in-place or out= op writes and returns; -1 for new results */
  writtenArg: number;
}

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
  manualSeed(seed: number): void;
  getNumThreads(): number;
  setNumThreads(n: number): void;
  setDefaultDtype(code: number): void;
  getDefaultDtype(): number;

  track(owner: object, h: Handle): void;
  dispose(h: Handle): void;
  memoryStats(): { live_tensors: number; live_bytes: number };

  resolve(name: string, overload: string): number;
  call(op: number, ...args: unknown[]): any;
  /** call() on a libuv worker thread; resolves with what call() would return */
  callAsync(op: number, ...args: unknown[]): Promise<any>;
  opInfo(op: number): OpInfo;
  overloads(name: string): string[];
  /** a number or boolean as PyTorch's 0-dim "wrapped number" tensor (a Python number in a Tensor slot) */
  wrappedNumber(x: number | boolean): Handle;

  fromBuffer(data: ArrayBufferView, dtype: number, shape: number[], device?: string): Handle;
  toBuffer(h: Handle): ArrayBuffer;
  copyInto(h: Handle, out: ArrayBufferView): void;
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
}

const loaded = loadNative<NativeBinding>(packageRoot());

export const native: NativeBinding = loaded.binding;

/** Which addon file was loaded, and for a prebuild, the LibTorch found for it. */
export const loadPlan: LoadPlan = loaded.plan;

/** torchnode's own version, from package.json. */
export const packageVersion: string = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
