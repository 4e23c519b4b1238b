// Operator handles for the dispatcher path: each is resolved once, on first use, to an integer
// id; later calls pass that id straight to native.call.
import { native } from './binding';

/** @internal A dispatcher operator, resolved once on first use to an integer id. */
export class Op {
  private id = -1;
  constructor(
    readonly name: string,
    readonly overload: string,
    readonly wrappedNumberArg?: number,
  ) {}
  get(): number {
    return this.id >= 0 ? this.id : (this.id = native.resolve(this.name, this.overload, this.wrappedNumberArg));
  }
}

const cache = new Map<string, Op>();

/** @internal op('add.Tensor') or op('aten::add.Tensor'): the cached Op for that schema. */
export function op(spec: string): Op {
  let o = cache.get(spec);
  if (!o) {
    o = new Op(...nameAndOverload(spec));
    cache.set(spec, o);
  }
  return o;
}

function nameAndOverload(spec: string): [string, string] {
  const bare = spec.startsWith('aten::') ? spec.slice(6) : spec;
  const dot = bare.indexOf('.');
  return [`aten::${dot < 0 ? bare : bare.slice(0, dot)}`, dot < 0 ? '' : bare.slice(dot + 1)];
}

/**
 * @internal The operator of `spec` with its Tensor argument `arg` taking a number or boolean
 * (never a tensor) as PyTorch's 0-dim "wrapped number" tensor, made natively within the call.
 * Python's parser passes a number to add, sub, mul and div this way (their `.Scalar` overloads
 * have no Python binding), so `t.mul(2)` records PyTorch's `MulBackward0` and dispatches once,
 * where `mul.Scalar` records `MulBackward1` and dispatches again to `mul.Tensor`.
 */
export function numberOp(spec: string, arg: number): Op {
  return new Op(...nameAndOverload(spec), arg);
}

/** @internal Calls an operator by id with raw arguments (native.call). */
export const call = native.call;
