// Tensor lifetime. Three ways a tensor's native memory is released:
//  - t.dispose() (or `using t = ...`), at once;
//  - a scope (torch.tidy(fn) or `using scope = torch.scope()`), for everything created inside;
//  - the garbage collector, for tensors no scope owns. The native side registers a GC-time
//    finalizer, which runs even inside a synchronous training loop, and reports the tensor's
//    bytes to V8 so that native memory pressure triggers collections.
import { native } from './binding';
import type { Tensor } from './tensor';

const scopes: Tensor[][] = [];

/** Gives a freshly created tensor to the innermost scope, or to the GC when there is none. */
export function adopt(t: Tensor): void {
  if (scopes.length !== 0) scopes[scopes.length - 1].push(t);
  else native.track(t, t.h);
}

let kept = new WeakSet<Tensor>();
let keptPending = 0; // lets closeScope skip the WeakSet lookups in the common case

/**
 * Lets a tensor outlive every scope it was created in (optimizer state, caches): from then on
 * the GC owns it, or t.dispose() frees it.
 */
export function keep<T extends Tensor>(t: T): T {
  if (!kept.has(t)) {
    kept.add(t);
    keptPending++;
  }
  return t;
}

function collectTensors(value: unknown, into: Set<Tensor>, seen: Set<object>, isTensor: (v: unknown) => v is Tensor): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen, isTensor);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, seen, isTensor);
  } else {
    for (const v of Object.values(value)) collectTensors(v, into, seen, isTensor);
  }
}

function closeScope(scope: Tensor[], survivors: Set<Tensor>): void {
  const i = scopes.lastIndexOf(scope);
  if (i >= 0) scopes.splice(i, 1);
  const checkSurvivors = survivors.size !== 0;
  for (const t of scope) {
    if (t.h < 0) continue;
    const isKept = keptPending !== 0 && kept.delete(t);
    if (isKept) {
      keptPending--;
      native.track(t, t.h);
    } else if (checkSurvivors && survivors.has(t)) {
      adopt(t); // returned: the enclosing scope (or the GC) owns it now
    } else {
      t.dispose();
    }
  }
  scope.length = 0;
  if (scopes.length === 0 && keptPending !== 0) {
    // No scope is open, so no scope can free a tensor kept earlier that none of them held
    // (one created outside every scope, say): forget those marks so later scopes skip the lookups.
    kept = new WeakSet<Tensor>();
    keptPending = 0;
  }
}

let isTensorFn: (v: unknown) => v is Tensor = (v): v is Tensor => false;
/** @internal wired by tensor.ts, which owns the Tensor class */
export function setTensorCheck(fn: (v: unknown) => v is Tensor): void {
  isTensorFn = fn;
}

/**
 * Runs fn and disposes every tensor created inside it, except the tensors it returns (found in
 * arrays and objects too; they pass to the enclosing scope) and those passed to keep(). fn must
 * be synchronous: scopes cannot follow an await.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(scope, new Set());
    throw e;
  }
  if (result instanceof Promise) {
    closeScope(scope, new Set());
    throw new TypeError('torch.tidy() takes a synchronous function; for async code use t.dispose() or torch.scope() inside each step');
  }
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, new Set(), isTensorFn);
  closeScope(scope, survivors);
  return result;
}

/** A scope for `using`: `{ using scope = torch.scope(); ... }` disposes what the block created. */
export class DisposeScope {
  private readonly tensors: Tensor[] = [];
  constructor() {
    scopes.push(this.tensors);
  }
  /** Lets t outlive this scope and every enclosing one (see keep()). */
  keep<T extends Tensor>(t: T): T {
    return keep(t);
  }
  dispose(): void {
    closeScope(this.tensors, new Set());
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

export function scope(): DisposeScope {
  return new DisposeScope();
}

/** Live tensors and their bytes, as held by this environment's tensor table. */
export function memory_stats(): { live_tensors: number; live_bytes: number } {
  return native.memoryStats();
}
