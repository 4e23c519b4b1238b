// Tensor lifetime. Three ways a tensor's native memory is released:
//  - t.dispose() (or `using t = ...`), at once;
//  - a scope (torch.tidy(fn) or `using scope = torch.scope()`), for everything created inside;
//  - the garbage collector, for tensors no scope owns. The native side registers a GC-time
//    finalizer, which runs even inside a synchronous training loop, and reports the tensor's
//    bytes to V8 so that native memory pressure triggers collections.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { native } from './binding';
import type { Tensor } from './tensor';

const scopes: Tensor[][] = [];

/** @internal Gives a freshly created tensor to the innermost scope, or to the GC when there is none. */
export function adopt(t: Tensor): void {
  if (scopes.length !== 0) scopes[scopes.length - 1].push(t);
  else if (native.track(t, t.h)) collectYoung();
}

// Bytes of fresh JS-owned buffers (toTypedArray's copies) since the last young collection.
let exportedBytes = 0;
const EXPORT_YOUNG_GC_BYTES = Number(process.env.TORCHNODE_EXPORT_GC_BYTES ?? 4 * 2 ** 20);

/**
 * @internal Called before a fresh ArrayBuffer of `bytes` is handed to JS (a toTypedArray copy):
 * asks for a young collection first when the copies since the last one and this one would pass
 * 4 MB (TORCHNODE_EXPORT_GC_BYTES; 0 turns this off). Left to V8, such buffers pile up until
 * external-memory pressure starts a full mark-compact, and each copy lands in memory long out of
 * cache: 1 MB copies in the benchmark process took 140-240 µs against PyTorch's 25 µs. Buffers
 * that die young are freed by the scavenge and the copy reuses their memory.
 *  - Before, not after: a collection after the copy found that copy still alive, so it lived on
 *    to the next one, and each 64 MB copy met the previous one still counted: V8 saw 128 MB of
 *    fresh external memory, scavenged for "external memory pressure" and marked (a mark-compact
 *    every 3 copies, 18-33 ms a copy against PyTorch's 15 ms; collected first, 14-16 ms).
 *  - Under 8 MB: V8 counts the buffers' bytes against the old generation's limit until the
 *    scavenge has swept them, and after a mark-compact of a small heap that limit can be only
 *    8 MB (plus the new space) away. An 8 MB step then reached it at every scavenge and V8 marked
 *    without pause (a mark-compact every 30 ms, 1 MB copies at 150-200 µs); 4 MB: 50-70 µs
 *    there, and no slower than 8 MB where the limit is far.
 */
export function beforeExport(bytes: number): void {
  if (EXPORT_YOUNG_GC_BYTES > 0 && exportedBytes > 0 && exportedBytes + bytes > EXPORT_YOUNG_GC_BYTES) {
    exportedBytes = 0;
    collectYoung();
  }
  exportedBytes += bytes;
}

type GcFunction = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;
let youngGc: GcFunction | null | undefined;

/**
 * A young-generation collection (a scavenge), asked for by the native side after every few MB of
 * tensors handed to the GC. Tensors that code without scopes leaves behind die young, so a
 * scavenge finds them in well under a millisecond and their finalizers free the native memory
 * at once; left alone, V8 waits for external-memory pressure and runs full mark-compacts. V8
 * offers scavenges to JS only through its `gc` function: it is taken from a fresh context with
 * --expose-gc set for that moment, and the flag is turned off again at once so user code sees no
 * difference. Where that is not possible, the GC keeps its own schedule.
 */
function collectYoung(): void {
  if (youngGc === undefined) youngGc = findGc();
  youngGc?.({ type: 'minor' });
}

function findGc(): GcFunction | null {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as GcFunction;
  // V8's flags are process-wide and not meant to change while other threads run JavaScript: a
  // worker thread (a DataLoader worker) leaves them alone and keeps V8's own schedule.
  if (!isMainThread) return null;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as GcFunction;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

let kept = new WeakSet<Tensor>();
let keptPending = 0; // lets closeScope skip the WeakSet lookups in the common case

/**
 * Lets a tensor outlive every scope it was created in (optimizer state, caches): from then on
 * the GC owns it, or t.dispose() frees it. Returns `t`. torchnode only: Python needs no scopes.
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

// The handles a closing scope frees, passed to the native side in one call per 1,024 instead of
// one call per tensor (disposeMany reads them straight from this array's memory).
const doomed = new Float64Array(1024);

function closeScope(scope: Tensor[], survivors: Set<Tensor>): void {
  const i = scopes.lastIndexOf(scope);
  if (i >= 0) scopes.splice(i, 1);
  const checkSurvivors = survivors.size !== 0;
  let n = 0;
  for (const t of scope) {
    if (t.h < 0) continue;
    const isKept = keptPending !== 0 && kept.delete(t);
    if (isKept) {
      keptPending--;
      if (native.track(t, t.h)) collectYoung();
    } else if (checkSurvivors && survivors.has(t)) {
      adopt(t); // returned: the enclosing scope (or the GC) owns it now
    } else {
      doomed[n++] = t._takeHandle();
      if (n === doomed.length) {
        native.disposeMany(doomed, n);
        n = 0;
      }
    }
  }
  if (n !== 0) native.disposeMany(doomed, n);
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
 * arrays, Maps and plain objects too; they pass to the enclosing scope) and those passed to keep().
 * fn must be synchronous: a scope cannot follow an await, and a returned Promise is a TypeError.
 * torchnode only: PyTorch frees tensors by reference counting.
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

/**
 * A scope for `using`: `{ using scope = torch.scope(); ... }` disposes the tensors the block
 * created (except those passed to keep()). Scopes nest like `tidy`; torchnode only.
 */
export class DisposeScope {
  private readonly tensors: Tensor[] = [];
  /** Opens the scope: tensors created from now on, until it is disposed, belong to it. */
  constructor() {
    scopes.push(this.tensors);
  }
  /** Lets t outlive this scope and every enclosing one (see keep()). */
  keep<T extends Tensor>(t: T): T {
    return keep(t);
  }
  /** Closes the scope and disposes its tensors (except kept ones). */
  dispose(): void {
    closeScope(this.tensors, new Set());
  }
  /** Same as `dispose()`, run at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Opens a DisposeScope: `using scope = torch.scope();`. */
export function scope(): DisposeScope {
  return new DisposeScope();
}

/**
 * Live tensors and their bytes, as held by this environment's (thread's) tensor table: a leak
 * check, not PyTorch's allocator statistics.
 *
 * @see [torch.cuda.memory_stats](https://pytorch.org/docs/stable/generated/torch.cuda.memory_stats.html)
 */
export function memory_stats(): {
  /** Tensors not yet disposed or collected (each Tensor object's handle counts once). */
  live_tensors: number;
  /** numel × element size summed over those tensors: views of one storage each count in full. */
  live_bytes: number;
  /**
   * The bytes of tensors left to the GC that V8 has been told about as external memory: those
   * that outlived a young collection, in steps of 256 KB.
   */
  v8_external_bytes: number;
} {
  return native.memoryStats();
}
