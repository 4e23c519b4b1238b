// The only file that loads the native addon. node-gyp-build looks in prebuilds/ first, then in
// the local build/ folder; TORCHNODE_ADDON overrides both.
import * as path from 'node:path';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import nodeGypBuild from 'node-gyp-build';

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

  cuda: {
    isAvailable(): boolean;
    deviceCount(): number;
    synchronize(device?: number): void;
  };
}

// The package root holds package.json; this file sits in lib/ (sources) or dist/ (built).
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return __dirname;
    dir = parent;
  }
  return dir;
}

function load(): NativeBinding {
  const root = packageRoot();
  // TORCHNODE_ADDON names one built addon file, e.g. a build against another LibTorch
  // (scripts/libtorch2.sh) or an instrumented one (ASan).
  const explicit = process.env.TORCHNODE_ADDON;
  try {
    if (explicit) return createRequire(path.join(root, 'package.json'))(path.resolve(explicit)) as NativeBinding;
    return nodeGypBuild(root) as NativeBinding;
  } catch (e) {
    const reason = (e as Error).message;
    throw new Error(
      `torchnode: the native addon could not be loaded from ${root}.\n` +
        `  ${reason}\n` +
        `Build it with 'npm run build:native' (LibTorch is needed: 'bash scripts/setup.sh' on Debian/Ubuntu, ` +
        `or set LIBTORCH to an unpacked LibTorch zip).`,
    );
  }
}

export const native: NativeBinding = load();

/** torchnode's own version, from package.json. */
export const packageVersion: string = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
