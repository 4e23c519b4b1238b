// nn.Sequential, nn.ModuleList and nn.ModuleDict. Their children live in a Map (so keys such
// as "0" or "forward" never collide with methods) and are listed in insertion order.
import type { Tensor } from '../tensor';
import { Module } from './module';

abstract class Container extends Module {
  /** @internal The children by key, in insertion order (a Map, so keys never collide with methods). */
  protected readonly _modules = new Map<string, Module>();

  /** The children, by their keys, in order. */
  *named_children(): IterableIterator<[string, Module]> {
    yield* this._modules;
  }

  /** The number of modules (PyTorch's len()). */
  get length(): number {
    return this._modules.size;
  }
}

function asModule(m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${where}: ${m === null ? 'null' : typeof m} is not a Module subclass`);
  return m;
}

/**
 * A chain of modules: forward runs each in turn on the previous one's output (PyTorch's nn.Sequential).
 *
 * Differs from PyTorch: indexing is `seq.at(i)`, not `seq[i]`; slicing is not supported.
 *
 * @see [torch.nn.Sequential](https://pytorch.org/docs/stable/generated/torch.nn.Sequential.html)
 */
export class Sequential extends Container {
  /** new Sequential(m1, m2, ...), or with names: new Sequential(new Map([['name', m], ...])) / ({ name: m }). */
  constructor(...modules: (Module | Map<string, Module> | Record<string, Module>)[]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module)) {
      const named = modules[0] instanceof Map ? modules[0] : new Map(Object.entries(modules[0]));
      for (const [k, m] of named) this._modules.set(k, asModule(m, 'Sequential'));
    } else {
      modules.forEach((m, i) => this._modules.set(String(i), asModule(m, 'Sequential')));
    }
  }

  /**
   * Runs the children in order, each on the previous one's output. A Tensor in gives a Tensor
   * out: the type assumes the children map tensors to tensors, as almost every Sequential does
   * (one that ends in a module returning a tuple should be typed by the caller).
   */
  forward(input: Tensor): Tensor;
  forward(input: unknown): unknown;
  forward(input: unknown): unknown {
    let x = input;
    for (const m of this._modules.values()) x = m.forward(x);
    return x;
  }

  /** The module at idx (negative counts from the end); a RangeError outside. */
  at(idx: number): Module {
    const mods = [...this._modules.values()];
    const i = idx < 0 ? idx + mods.length : idx;
    if (i < 0 || i >= mods.length) throw new RangeError(`index ${idx} is out of range`);
    return mods[i];
  }

  /** Adds a module at the end. */
  append(module: Module): this {
    this._modules.set(String(this._modules.size), asModule(module, 'Sequential.append'));
    return this;
  }

  /** The modules, in order. */
  [Symbol.iterator](): IterableIterator<Module> {
    return this._modules.values();
  }
}

/**
 * Holds submodules in a list, registered so their parameters are found (PyTorch's nn.ModuleList).
 *
 * Differs from PyTorch: indexing is `list.at(i)` (negative counts from the end), not `list[i]`.
 * Generic over its modules' type, so `new ModuleList([new Block(), new Block()])` iterates as Blocks.
 *
 * @see [torch.nn.ModuleList](https://pytorch.org/docs/stable/generated/torch.nn.ModuleList.html)
 */
export class ModuleList<M extends Module = Module> extends Container {
  /** new ModuleList(modules?): the modules, in order. */
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  private renumber(list: Module[]): void {
    this._modules.clear();
    list.forEach((m, i) => this._modules.set(String(i), m));
  }

  /** The module at idx (negative counts from the end); a RangeError outside. PyTorch's list[idx]. */
  at(idx: number): M {
    const list = [...this._modules.values()];
    const i = idx < 0 ? idx + list.length : idx;
    if (i < 0 || i >= list.length) throw new RangeError(`index ${idx} is out of range`);
    return list[i] as M;
  }

  /** Adds a module at the end. */
  append(module: M): this {
    this._modules.set(String(this._modules.size), asModule(module, 'ModuleList.append'));
    return this;
  }

  /** Adds modules at the end, in order. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module before index (negative counts from the end); later ones are renumbered. */
  insert(index: number, module: M): void {
    const list = [...this._modules.values()];
    list.splice(index < 0 ? index + list.length : index, 0, asModule(module, 'ModuleList.insert'));
    this.renumber(list);
  }

  /** The modules, in order. */
  [Symbol.iterator](): IterableIterator<M> {
    return this._modules.values() as IterableIterator<M>;
  }
}

/**
 * Holds submodules by name, registered so their parameters are found (PyTorch's nn.ModuleDict).
 *
 * Differs from PyTorch: a Map-like API (get, set, has, delete) instead of Python's `dict[key]`.
 *
 * @see [torch.nn.ModuleDict](https://pytorch.org/docs/stable/generated/torch.nn.ModuleDict.html)
 */
export class ModuleDict extends Container {
  /** new ModuleDict({ name: module, ... }) or from a Map. */
  constructor(modules: Map<string, Module> | Record<string, Module> = {}) {
    super();
    this.update(modules);
  }

  /** The module under key, or undefined. */
  get(key: string): Module | undefined {
    return this._modules.get(key);
  }

  /** Adds or replaces the module under key (no '.' and not empty). */
  set(key: string, module: Module): void {
    if (key.includes('.') || key === '') throw new Error(`module name can't contain "." or be empty, got "${key}"`);
    this._modules.set(key, asModule(module, 'ModuleDict'));
  }

  /** Whether key is present. */
  has(key: string): boolean {
    return this._modules.has(key);
  }

  /** Removes key; whether it was present (PyTorch's pop, without the value). */
  delete(key: string): boolean {
    return this._modules.delete(key);
  }

  /** The keys, in insertion order. */
  keys(): IterableIterator<string> {
    return this._modules.keys();
  }

  /** The modules, in insertion order. */
  values(): IterableIterator<Module> {
    return this._modules.values();
  }

  /** [key, module] pairs, in insertion order. */
  items(): IterableIterator<[string, Module]> {
    return this._modules.entries();
  }

  /** Adds or replaces every entry of modules. */
  update(modules: Map<string, Module> | Record<string, Module>): void {
    const entries = modules instanceof Map ? modules : new Map(Object.entries(modules));
    for (const [k, m] of entries) this.set(k, m);
  }
}
