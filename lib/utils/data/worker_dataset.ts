// How a DataLoader worker thread obtains its dataset. PyTorch pickles the dataset into each
// worker process; a JS class instance cannot be sent to a thread, so the dataset is described
// by data instead and rebuilt in the worker:
//  - arrays (of numbers, strings, TypedArrays, tensors, plain objects...) are sent by value;
//  - TensorDataset, Subset and ConcatDataset are sent as their tensors / indices / parts;
//  - any other dataset names the module that exports it (a class, a factory function, or the
//    dataset object itself) plus the constructor's arguments: `worker_dataset` on the dataset
//    or in the DataLoader's options. The worker imports that module and builds its own copy.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe as describeValue } from '../../tensor';
import { TensorDataset, Subset, ConcatDataset, isMapDataset } from './dataset';
import { encode, decode } from './transfer';

/**
 * Where a worker finds a dataset: `{ module: __filename, export: 'MyDataset', args: [root] }`
 * makes each worker run `new MyDataset(root)` (or `await MyDataset(root)` for a factory
 * function, or use the export as is when it is a dataset object and there are no args).
 */
export interface WorkerDatasetSpec {
  /** An absolute path, a file: URL (`__filename` and `import.meta.url` both work), or a package name. */
  module: string | URL;
  /** The export's name; default `default` (or the module's exports themselves when it has no default). */
  export?: string;
  /** The constructor's or factory's arguments: structured-cloneable values, tensors included. */
  args?: readonly unknown[];
}

/** The data a worker rebuilds its dataset from. */
export type DatasetDescription =
  | { kind: 'array'; items: unknown[] }
  | { kind: 'tensors'; tensors: unknown[] }
  | { kind: 'subset'; dataset: DatasetDescription; indices: number[] }
  | { kind: 'concat'; datasets: DatasetDescription[] }
  | { kind: 'module'; module: string; export?: string; args: unknown[] };

/** A dataset that says how workers rebuild it: a WorkerDatasetSpec, or a method returning one. */
export interface WorkerBuildable {
  worker_dataset?: WorkerDatasetSpec | (() => WorkerDatasetSpec);
}

const HOW_TO = 'Declare how a worker rebuilds it: give the dataset class a `worker_dataset` getter returning '
  + "{ module: __filename (or import.meta.url), export: 'MyDataset', args: [...constructor arguments] }, "
  + 'or pass that object as the DataLoader option `worker_dataset`; or use num_workers: 0.';

/** The description of dataset for the workers; override is the DataLoader's worker_dataset option. */
export function describeDataset(dataset: unknown, override?: WorkerDatasetSpec): DatasetDescription {
  if (override !== undefined) return fromSpec(override, 'the worker_dataset option');
  const own = (dataset as WorkerBuildable | null)?.worker_dataset;
  if (own !== undefined) return fromSpec(typeof own === 'function' ? own.call(dataset) : own, `${className(dataset)}.worker_dataset`);
  if (Array.isArray(dataset)) return { kind: 'array', items: encodeForAll(dataset) as unknown[] };
  if (dataset instanceof TensorDataset) return { kind: 'tensors', tensors: encodeForAll(dataset.tensors) as unknown[] };
  if (dataset instanceof Subset) return { kind: 'subset', dataset: describeDataset(dataset.dataset), indices: dataset.indices };
  if (dataset instanceof ConcatDataset) return { kind: 'concat', datasets: dataset.datasets.map((d) => describeDataset(d)) };
  throw new TypeError(`DataLoader: num_workers > 0 needs a dataset that can be rebuilt in a worker thread, and ${className(dataset)} cannot be sent there (a class instance does not cross threads). ${HOW_TO}`);
}

/** describeDataset's errors, without copying any data (the DataLoader's constructor checks early). */
export function assertSendable(dataset: unknown, override?: WorkerDatasetSpec): void {
  if (override !== undefined) return void normalizeModule(override?.module, 'the worker_dataset option');
  if ((dataset as WorkerBuildable | null)?.worker_dataset !== undefined) return;
  if (Array.isArray(dataset) || dataset instanceof TensorDataset) return;
  if (dataset instanceof Subset) return assertSendable(dataset.dataset);
  if (dataset instanceof ConcatDataset) return dataset.datasets.forEach((d) => assertSendable(d));
  describeDataset(dataset); // throws the explanation
}

function fromSpec(spec: WorkerDatasetSpec, where: string): DatasetDescription {
  if (spec === null || typeof spec !== 'object') throw new TypeError(`${where} must be { module, export?, args? }, got ${describeValue(spec)}`);
  const module = normalizeModule(spec.module, where);
  if (spec.export !== undefined && typeof spec.export !== 'string') throw new TypeError(`${where}.export must be a string`);
  if (spec.args !== undefined && !Array.isArray(spec.args)) throw new TypeError(`${where}.args must be an array of constructor arguments`);
  return { kind: 'module', module, export: spec.export, args: encodeForAll(spec.args ?? []) as unknown[] };
}

function normalizeModule(module: unknown, where: string): string {
  if (module instanceof URL) return fileURLToPath(module);
  if (typeof module !== 'string' || module === '') throw new TypeError(`${where}.module must be a path or a file: URL, got ${describeValue(module)}`);
  if (module.startsWith('file:')) return fileURLToPath(module);
  if (module.startsWith('.')) {
    throw new TypeError(`${where}.module '${module}' is relative; a worker cannot tell relative to what: use an absolute path, __filename or import.meta.url`);
  }
  return module;
}

/** Tensors as data, copied (each worker needs its own copy, so nothing is transferred). */
function encodeForAll(v: unknown): unknown {
  return encode(v, []);
}

function className(d: unknown): string {
  const name = (d as object | null)?.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : describeValue(d);
}

/** True when the worker must load this TypeScript module (it then needs a TypeScript loader). */
export function describesTypeScript(d: DatasetDescription): boolean {
  if (d.kind === 'module') return /\.[cm]?tsx?$/.test(d.module);
  if (d.kind === 'subset') return describesTypeScript(d.dataset);
  if (d.kind === 'concat') return d.datasets.some(describesTypeScript);
  return false;
}

// ---- in the worker --------------------------------------------------------------------------

/** The worker's own dataset, built from its description. */
export async function rebuildDataset(d: DatasetDescription): Promise<unknown> {
  switch (d.kind) {
    case 'array':
      return decode(d.items);
    case 'tensors':
      return new TensorDataset(...(decode(d.tensors) as ConstructorParameters<typeof TensorDataset>));
    case 'subset':
      return new Subset((await rebuildDataset(d.dataset)) as never, d.indices);
    case 'concat':
      return new ConcatDataset((await Promise.all(d.datasets.map(rebuildDataset))) as never);
    case 'module':
      return instantiate(await loadExport(d.module, d.export), decode(d.args) as unknown[], d);
  }
}

/** A module's export: by require (CommonJS, TypeScript through a registered loader, and ESM on Node >= 20.19), else import(). */
export async function loadExport(module: string, name: string | undefined): Promise<unknown> {
  const req = createRequire(path.join(process.cwd(), '[dataloader worker]'));
  let exports: Record<string, unknown>;
  try {
    exports = req(module);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error;
    exports = await import(pathToFileURL(req.resolve(module)).href);
  }
  if (name === undefined) return exports.default ?? exports;
  if (!(name in exports)) {
    throw new TypeError(`module ${module} has no export '${name}'; it exports: ${Object.keys(exports).join(', ') || 'nothing'}`);
  }
  return exports[name];
}

/** A class (its prototype has getItem or an iterator) is constructed; any other function is a factory. */
async function instantiate(exported: unknown, args: unknown[], d: { module: string; export?: string }): Promise<unknown> {
  const what = `${d.module}'s export ${d.export ?? 'default'}`;
  if (typeof exported === 'function') {
    const proto = exported.prototype as Record<PropertyKey, unknown> | undefined;
    const isClass = /^class\b/.test(Function.prototype.toString.call(exported))
      || (proto !== undefined && (typeof proto.getItem === 'function' || typeof proto[Symbol.iterator] === 'function' || typeof proto[Symbol.asyncIterator] === 'function'));
    return isClass ? new (exported as new (...a: unknown[]) => unknown)(...args) : await (exported as (...a: unknown[]) => unknown)(...args);
  }
  if (exported !== null && typeof exported === 'object') {
    if (args.length > 0) throw new TypeError(`${what} is a dataset object, not a class or factory: it takes no args`);
    return exported;
  }
  throw new TypeError(`${what} is ${describeValue(exported)}, not a dataset class, factory or object`);
}

/** The rebuilt dataset must be one the loader can use in the same way as the main thread's. */
export function checkRebuilt(ds: unknown, mapStyle: boolean, what: string): void {
  const ok = mapStyle ? isMapDataset(ds) || Array.isArray(ds) : ds != null && (typeof (ds as Iterable<unknown>)[Symbol.iterator] === 'function' || typeof (ds as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');
  if (!ok) throw new TypeError(`the worker's dataset from ${what} is ${className(ds)}, not ${mapStyle ? 'a map-style dataset (length and getItem)' : 'an iterable dataset'} as on the main thread`);
}
