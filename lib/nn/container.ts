// nn.Sequential, nn.ModuleList and nn.ModuleDict. Their children live in a Map (so keys such
// as "0" or "forward" never collide with methods) and are listed in insertion order.
import { Module } from './module';

abstract class Container extends Module {
  protected readonly _modules = new Map<string, Module>();

  *named_children(): IterableIterator<[string, Module]> {
    yield* this._modules;
  }

  get length(): number {
    return this._modules.size;
  }
}

function asModule(m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${where}: ${m === null ? 'null' : typeof m} is not a Module subclass`);
  return m;
}

export class Sequential extends Container {
  /** new Sequential(m1, m2, ...) or new Sequential(new Map([['name', m], ...])) / ({ name: m }) */
  constructor(...modules: (Module | Map<string, Module> | Record<string, Module>)[]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module)) {
      const named = modules[0] instanceof Map ? modules[0] : new Map(Object.entries(modules[0]));
      for (const [k, m] of named) this._modules.set(k, asModule(m, 'Sequential'));
    } else {
      modules.forEach((m, i) => this._modules.set(String(i), asModule(m, 'Sequential')));
    }
  }

  forward(input: any): any {
    let x = input;
    for (const m of this._modules.values()) x = m.forward(x);
    return x;
  }

  at(idx: number): Module {
    const mods = [...this._modules.values()];
    const i = idx < 0 ? idx + mods.length : idx;
    if (i < 0 || i >= mods.length) throw new RangeError(`index ${idx} is out of range`);
    return mods[i];
  }

  append(module: Module): this {
    this._modules.set(String(this._modules.size), asModule(module, 'Sequential.append'));
    return this;
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this._modules.values();
  }
}

export class ModuleList extends Container {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  private renumber(list: Module[]): void {
    this._modules.clear();
    list.forEach((m, i) => this._modules.set(String(i), m));
  }

  at(idx: number): Module {
    const list = [...this._modules.values()];
    const i = idx < 0 ? idx + list.length : idx;
    if (i < 0 || i >= list.length) throw new RangeError(`index ${idx} is out of range`);
    return list[i];
  }

  append(module: Module): this {
    this._modules.set(String(this._modules.size), asModule(module, 'ModuleList.append'));
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  insert(index: number, module: Module): void {
    const list = [...this._modules.values()];
    list.splice(index < 0 ? index + list.length : index, 0, asModule(module, 'ModuleList.insert'));
    this.renumber(list);
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this._modules.values();
  }
}

export class ModuleDict extends Container {
  constructor(modules: Map<string, Module> | Record<string, Module> = {}) {
    super();
    this.update(modules);
  }

  get(key: string): Module | undefined {
    return this._modules.get(key);
  }

  set(key: string, module: Module): void {
    if (key.includes('.') || key === '') throw new Error(`module name can't contain "." or be empty, got "${key}"`);
    this._modules.set(key, asModule(module, 'ModuleDict'));
  }

  has(key: string): boolean {
    return this._modules.has(key);
  }

  delete(key: string): boolean {
    return this._modules.delete(key);
  }

  keys(): IterableIterator<string> {
    return this._modules.keys();
  }

  values(): IterableIterator<Module> {
    return this._modules.values();
  }

  items(): IterableIterator<[string, Module]> {
    return this._modules.entries();
  }

  update(modules: Map<string, Module> | Record<string, Module>): void {
    const entries = modules instanceof Map ? modules : new Map(Object.entries(modules));
    for (const [k, m] of entries) this.set(k, m);
  }
}
