// torch.jit.ScriptModule: a TorchScript module (loaded from a file PyTorch wrote, or traced
// here), shaped like nn.Module. Its methods run LibTorch's interpreter; `forward_async` runs
// forward on a libuv worker thread, so a Node service keeps answering meanwhile.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { native } from '../binding';
import { Tensor, wrap } from '../tensor';
import { DType, DTypeLike, toDType } from '../dtype';
import { Device, DeviceLike } from '../device';
import { resolveTarget, syncFolder, tempPathFor } from '../serialization/save';
import { fromNative, toNative } from './values';

/**
 * The native module: an opaque value that only lib/jit hands to native.jit.
 * @internal
 */
export type NativeModule = object;

/**
 * A TorchScript module, as PyTorch's `torch.jit.ScriptModule`: what `torch.jit.load` and `torch.jit.trace`
 * return. Call `forward(...)` (or `forward_async`) and other methods with `run_method(name, ...)`;
 * attributes that are not methods here read through, as `m.conv1` does in PyTorch.
 *
 * Differs from PyTorch: methods other than forward are called with `run_method('encode', x)` rather
 * than `m.encode(x)`; TorchScript dicts come back as plain objects or Maps, tuples and lists as arrays.
 * @see https://pytorch.org/docs/stable/generated/torch.jit.ScriptModule.html
 */
export class ScriptModule {
  /** @internal */
  readonly _c: NativeModule;

  /** @internal Use torch.jit.load or torch.jit.trace. */
  constructor(c: NativeModule) {
    this._c = c;
    // Attribute access as in PyTorch (m.conv1, m.flat_size) for what is not a method here.
    return new Proxy(this, {
      get(target, key, receiver) {
        if (typeof key === 'string' && !(key in target) && native.jit.hasAttr(target._c, key)) return target.getattr(key);
        return Reflect.get(target, key, receiver);
      },
    });
  }

  /** `__torch__.CNN`: the TorchScript class of this module. */
  get original_name(): string {
    return (native.jit.typeName(this._c) as string).split('.').pop()!;
  }

  /** Whether the module is in training mode. */
  get training(): boolean {
    return native.jit.isTraining(this._c);
  }

  /**
   * Runs forward synchronously; tensors, numbers, strings, arrays and objects convert to the schema's
   * TorchScript types, and a trailing plain object gives keyword arguments (see run_method).
   */
  forward(...args: unknown[]): any {
    return this.run_method('forward', ...args);
  }

  /**
   * Runs forward on a libuv worker thread. Arguments are converted and checked before it is
   * queued; they and the module's parameters stay alive and may not be written until it
   * settles; grad mode is the caller's. Errors reject with the caller's stack.
   */
  async forward_async(...args: unknown[]): Promise<any> {
    return this.run_method_async('forward', ...args);
  }

  /**
   * Calls a method by name (PyTorch: `m.encode(x)`). A trailing plain object is taken as
   * keyword arguments when the method has more parameters than positional arguments given;
   * pass dicts positionally in full to avoid the ambiguity.
   */
  run_method(name: string, ...args: unknown[]): any {
    const [positional, kwargs] = splitKwargs(this, name, args);
    return fromNative(native.jit.runMethod(this._c, name, positional.map(toNative), kwargs && toNative(kwargs)));
  }

  /** Calls a method by name on a libuv worker thread, as forward_async does for forward. */
  async run_method_async(name: string, ...args: unknown[]): Promise<any> {
    const caller = new Error();
    const [positional, kwargs] = splitKwargs(this, name, args);
    try {
      return fromNative(await native.jit.runMethodAsync(this._c, name, positional.map(toNative), kwargs && toNative(kwargs)));
    } catch (e) {
      if (e instanceof Error && caller.stack) e.stack = `${e.name}: ${e.message}\n${caller.stack.split('\n').slice(1).join('\n')}`;
      throw e;
    }
  }

  /** The names and schemas of the methods (forward and every @torch.jit.export). */
  methods(): {
    /** The method's name. */
    name: string;
    /** Its TorchScript schema, e.g. `forward(__torch__.Net self, Tensor x) -> Tensor`. */
    schema: string;
  }[] {
    return native.jit.methods(this._c);
  }

  /** An attribute's value (a submodule comes back as a ScriptModule); a TorchError if there is none. */
  getattr(name: string): any {
    const v = fromNative(native.jit.getAttr(this._c, name));
    return isModuleMark(v) ? new ScriptModule(v.__module) : v;
  }

  /** Whether the module has an attribute of that name. */
  hasattr(name: string): boolean {
    return native.jit.hasAttr(this._c, name);
  }

  /** Sets an existing attribute, converted to its TorchScript type. */
  setattr(name: string, value: unknown): void {
    native.jit.setAttr(this._c, name, toNative(value));
  }

  /**
   * The parameters as [dotted name, tensor] pairs, names prefixed with `prefix`; submodules' too with
   * recurse.
   */
  *named_parameters(prefix = '', recurse = true): IterableIterator<[string, Tensor]> {
    for (const [k, h] of native.jit.named(this._c, 'parameters', recurse) as [string, number][]) yield [prefix ? `${prefix}.${k}` : k, wrap(h)];
  }

  /** The parameters (with recurse, the submodules' too). */
  parameters(recurse = true): Tensor[] {
    return [...this.named_parameters('', recurse)].map(([, p]) => p);
  }

  /** The buffers as [dotted name, tensor] pairs, names prefixed with `prefix`; submodules' too with recurse. */
  *named_buffers(prefix = '', recurse = true): IterableIterator<[string, Tensor]> {
    for (const [k, h] of native.jit.named(this._c, 'buffers', recurse) as [string, number][]) yield [prefix ? `${prefix}.${k}` : k, wrap(h)];
  }

  /** The buffers (with recurse, the submodules' too). */
  buffers(recurse = true): Tensor[] {
    return [...this.named_buffers('', recurse)].map(([, b]) => b);
  }

  /** The direct submodules as [name, module] pairs. */
  *named_children(): IterableIterator<[string, ScriptModule]> {
    for (const [k, c] of native.jit.named(this._c, 'children', false) as [string, NativeModule][]) yield [k, new ScriptModule(c)];
  }

  /** The direct submodules. */
  *children(): IterableIterator<ScriptModule> {
    for (const [, c] of this.named_children()) yield c;
  }

  /** Parameters and buffers by dotted name, detached, sharing storage: PyTorch's keys. */
  state_dict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, p] of this.named_parameters()) out[k] = p.detach();
    for (const [k, b] of this.named_buffers()) out[k] = b.detach();
    return out;
  }

  /** Sets training mode on this module and its submodules; returns the module. */
  train(mode = true): this {
    native.jit.train(this._c, mode);
    return this;
  }

  /** Sets evaluation mode (train(false)); returns the module. */
  eval(): this {
    return this.train(false);
  }

  /** to(device), to(dtype), to(device, dtype): in place, as nn.Module.to. */
  to(...args: (DeviceLike | DTypeLike)[]): this {
    let device: string | null = null;
    let dtype: DType | null = null;
    for (const a of args) {
      if (a instanceof DType) dtype = a;
      else if (a instanceof Device) device = a.toString();
      else if (typeof a === 'string') {
        try {
          dtype = toDType(a);
        } catch {
          device = a;
        }
      }
    }
    native.jit.to(this._c, device, dtype ? dtype.code : null);
    return this;
  }

  /** Moves parameters and buffers to the CPU, in place. */
  cpu(): this {
    return this.to('cpu');
  }

  /** Moves parameters and buffers to a CUDA device (the current one by default), in place. */
  cuda(device?: number): this {
    return this.to(device === undefined ? 'cuda' : `cuda:${device}`);
  }

  /** The TorchScript graph of forward (PyTorch: m.graph), or of another method. */
  get graph(): string {
    return native.jit.graph(this._c, 'forward');
  }

  /** The TorchScript graph of a method, as text. */
  graph_for_method(name: string): string {
    return native.jit.graph(this._c, name);
  }

  /** Writes the module as torch.jit.save does (atomically: a failed save keeps the old file). */
  save(path: string): void {
    save(this, path);
  }
}

function isModuleMark(v: unknown): v is { __module: NativeModule } {
  return v !== null && typeof v === 'object' && '__module' in v;
}

// Keyword arguments are a trailing plain object, as everywhere in torchnode, unless the
// parameter at that position is a dict (then it is that argument; a Map always is).
function splitKwargs(m: ScriptModule, name: string, args: unknown[]): [unknown[], Record<string, unknown> | null] {
  const last = args[args.length - 1];
  if (args.length === 0 || last === null || typeof last !== 'object' || Array.isArray(last) || last instanceof Tensor || last instanceof Map) return [args, null];
  const method = m.methods().find((x) => x.name === name);
  const type = method ? paramTypes(method.schema)[args.length - 1] : undefined;
  return type?.startsWith('Dict(') ? [args, null] : [args.slice(0, -1), last as Record<string, unknown>];
}

/** The parameter types of a method schema, without self: "f(__torch__.K self, Tensor x, Dict(str, int) d) -> T" → ["Tensor", "Dict(str, int)"]. */
function paramTypes(schema: string): string[] {
  const inner = schema.slice(schema.indexOf('(') + 1, schema.lastIndexOf(') ->'));
  const params: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of inner) {
    if (c === ',' && depth === 0) {
      params.push(current.trim());
      current = '';
      continue;
    }
    if ('([{<'.includes(c)) depth++;
    else if (')]}>'.includes(c)) depth--;
    current += c;
  }
  if (current.trim()) params.push(current.trim());
  // "Type name" or "Type name=default": the type is all before the last space of the part before '='
  return params.slice(1).map((p) => {
    const decl = p.split('=')[0].trim();
    return decl.slice(0, decl.lastIndexOf(' ')).trim();
  });
}

/**
 * `torch.jit.save(m, path)`: writes the module in the format PyTorch's torch.jit.load opens, atomically
 * (a failed save keeps the old file). Differs from PyTorch: a path only, no file objects or
 * `_extra_files`.
 * @see https://pytorch.org/docs/stable/generated/torch.jit.save.html
 */
export function save(m: ScriptModule, path: string): void {
  if (!(m instanceof ScriptModule)) throw new TypeError('torch.jit.save expects a ScriptModule (torch.jit.load or torch.jit.trace gives one)');
  const target = resolveTarget(path);
  const temp = tempPathFor(target);
  try {
    native.jit.save(m._c, temp);
    const fd = fs.openSync(temp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
  syncFolder(nodePath.dirname(target));
}
