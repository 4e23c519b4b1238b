// Operator handles for the dispatcher path: each is resolved once, on first use, to an integer
// id; later calls pass that id straight to native.call.
import { native } from './binding';

/** @internal A dispatcher operator, resolved once on first use to an integer id. */
export class Op {
  private id = -1;
  constructor(
    readonly name: string,
    readonly overload: string,
  ) {}
  get(): number {
    return this.id >= 0 ? this.id : (this.id = native.resolve(this.name, this.overload));
  }
}

const cache = new Map<string, Op>();

/** @internal op('add.Tensor') or op('aten::add.Tensor'): the cached Op for that schema. */
export function op(spec: string): Op {
  let o = cache.get(spec);
  if (!o) {
    const bare = spec.startsWith('aten::') ? spec.slice(6) : spec;
    const dot = bare.indexOf('.');
    o = new Op(`aten::${dot < 0 ? bare : bare.slice(0, dot)}`, dot < 0 ? '' : bare.slice(dot + 1));
    cache.set(spec, o);
  }
  return o;
}

/** @internal Calls an operator by id with raw arguments (native.call). */
export const call = native.call;
