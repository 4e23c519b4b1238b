// torch.serving.MicroBatcher: gathers single requests into batches for a model served from Node.
//
// Requests queue; a batch starts when `maxBatch` requests with the same input layout are queued,
// or `maxDelayMs` after the oldest of them arrived, whichever comes first, and at most
// `concurrency` batches run at once. The batch's inputs are stacked on dim 0 and given to `run`
// (any function returning a Tensor or a Promise of one: a forward under torch.no_grad, a chain
// of `torch.ops.aten.<op>.<overload>.async(...)`, a TorchScript forward on a worker thread...);
// its output is split along dim 0 and each caller gets its own row.
//
// Memory: the stacked batch and run's output belong to the batcher and are disposed right after
// the split. Each row is a copy (clone) of its slice, kept out of every scope: the caller owns it
// (dispose it, or let the GC take it), and holding one row does not hold the whole output alive.
// The caller's input stays the caller's: the batcher never disposes it, and holds a reference to
// it until its batch is stacked. An input the caller disposes before that fails its own request
// with a TorchError; the other requests of the batch run.
import { AsyncResource } from 'node:async_hooks';
import { Tensor, isTensor, describe } from '../tensor';
import { TorchError } from '../errors';
import { stack } from '../functions';
import { tidy, keep } from '../memory';

/** One tensor, or a fixed-length array of them (a model with several inputs or outputs). */
export type Tensors = Tensor | readonly Tensor[];

/** The options of `new MicroBatcher({ run, maxBatch, maxDelayMs, maxQueue, concurrency })`. */
export interface MicroBatcherOptions<I extends Tensors = Tensor, O extends Tensors = Tensor> {
  /**
   * Runs one batch: the inputs stacked on dim 0 (for array inputs, an array of stacked tensors,
   * one per position). Returns a Tensor (or an array of them) whose dim 0 has one row per
   * request. The batcher disposes what it returns after splitting it. Tensors run creates on the
   * way are its own: wrap a synchronous forward in torch.tidy to free them at once.
   */
  run: (batch: I) => O | Promise<O>;
  /** At most this many requests per run (default 32). */
  maxBatch?: number;
  /** A request waits at most this long for others to join its batch (default 2). */
  maxDelayMs?: number;
  /** Requests waiting (not yet running) beyond this are refused with a QueueFullError (default 256). */
  maxQueue?: number;
  /** Runs in flight at once (default 1). */
  concurrency?: number;
}

/** The options of {@link MicroBatcher.submit}. */
export interface SubmitOptions {
  /** Aborting it withdraws the request (see MicroBatcher.submit). */
  signal?: AbortSignal;
}

/** The counters {@link MicroBatcher.stats} returns. */
export interface MicroBatcherStats {
  /** Requests waiting for a batch. */
  queued: number;
  /** Batches whose run is in flight. */
  running: number;
  /** Batches started so far. */
  batches: number;
  /** Requests that went into those batches. */
  requests: number;
  /** Submits refused with a QueueFullError. */
  rejected: number;
  /** Requests withdrawn by their signal (already aborted, while queued, or while running). */
  cancelled: number;
  /** requests / batches (0 before the first batch). */
  meanBatchSize: number;
}

/** submit() refused a request because `maxQueue` requests are waiting; a service answers 503. */
export class QueueFullError extends Error {
  /** Always 'QUEUE_FULL', for branching on `err.code`. */
  readonly code = 'QUEUE_FULL' as const;
  /**
   * Made by submit().
   * @param maxQueue The batcher's limit of waiting requests that was reached.
   */
  constructor(readonly maxQueue: number) {
    super(`MicroBatcher: the queue is full (${maxQueue} requests waiting); try again later`);
    this.name = 'QueueFullError';
  }
}

interface Request<I, O> {
  input: I;
  tensors: Tensor[];
  at: number; // performance.now() when queued
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  group?: Group<I, O>;
  state: 'queued' | 'running' | 'done';
}

// Requests whose inputs can be stacked together: same arity, shapes, dtypes and devices.
interface Group<I, O> {
  key: string;
  items: Request<I, O>[];
}

function positiveInt(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(Number.isInteger(v) && v >= 1) && v !== Infinity) {
    throw new RangeError(`MicroBatcher: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

function layoutKey(t: Tensor): string {
  return `${t.dtype}@${t.device}[${t.shape.join(',')}]`;
}

/**
 * Gathers single requests into batches for a model served from Node (torchnode's own; PyTorch has no
 * counterpart). A batch starts when `maxBatch` requests with the same input layout are queued, or
 * `maxDelayMs` after the oldest of them arrived, whichever comes first, and at most `concurrency`
 * batches run at once. The inputs are stacked on dim 0 and given to `run`; its output is split along
 * dim 0 and each caller gets its own row (a copy the caller owns).
 *
 * ```ts
 * const batcher = new torch.serving.MicroBatcher({ run: (x) => torch.no_grad(() => model.forward(x)) });
 * const y = await batcher.submit(x); // x: one request's input, without the batch dimension
 * ```
 */
export class MicroBatcher<I extends Tensors = Tensor, O extends Tensors = Tensor> {
  /** At most this many requests per run. */
  readonly maxBatch: number;
  /** How long a request waits at most for others to join its batch, in milliseconds. */
  readonly maxDelayMs: number;
  /** Requests waiting (not yet running) beyond this are refused with a QueueFullError. */
  readonly maxQueue: number;
  /** Runs in flight at once. */
  readonly concurrency: number;
  readonly #run: (batch: I) => O | Promise<O>;

  readonly #groups = new Map<string, Group<I, O>>();
  #queued = 0;
  #running = 0;
  #batches = 0;
  #requests = 0;
  #rejected = 0;
  #cancelled = 0;

  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = 0;
  #pumpQueued = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  // Batches run in the async context where the batcher was made, not in that of whichever request
  // happened to complete a batch (its AsyncLocalStorage, its torch.no_grad).
  readonly #resource = new AsyncResource('torchnode.MicroBatcher');
  readonly #pumpNow = this.#resource.bind(() => {
    this.#pumpQueued = false;
    this.#pump();
  });
  readonly #onTimer = this.#resource.bind(() => {
    this.#timer = undefined;
    this.#pump();
  });

  /**
   * Checks the options: a TypeError without `run`, a RangeError for a limit that is not a positive
   * integer or a negative maxDelayMs.
   */
  constructor(options: MicroBatcherOptions<I, O>) {
    if (typeof options !== 'object' || options === null || typeof options.run !== 'function') {
      throw new TypeError('MicroBatcher: options.run must be a function (batch) => Tensor | Promise<Tensor>');
    }
    this.#run = options.run;
    this.maxBatch = positiveInt('maxBatch', options.maxBatch, 32);
    this.maxQueue = positiveInt('maxQueue', options.maxQueue, 256);
    this.concurrency = positiveInt('concurrency', options.concurrency, 1);
    const d = options.maxDelayMs ?? 2;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) {
      throw new RangeError(`MicroBatcher: maxDelayMs must be a finite number >= 0, got ${String(d)}`);
    }
    this.maxDelayMs = d;
  }

  /**
   * Queues one request and resolves with its row of run's output: a Tensor the caller owns (or
   * an array of them when run returns an array). Rejects at once with a QueueFullError when
   * `maxQueue` requests are waiting, with an Error after close(), and with the signal's reason
   * (an AbortError for `controller.abort()`, as fetch does) when the signal is already aborted
   * or aborts before the request's row is delivered; a request aborted while its batch runs
   * rejects at once, and its row is never made. If run fails, every request of that batch
   * rejects with its error.
   *
   * Inputs whose shapes, dtypes or devices differ are never stacked together: each layout forms
   * its own batches, with its own delay. Keep the input alive until the promise settles; the
   * batcher does not dispose it.
   */
  submit(input: I, options: SubmitOptions = {}): Promise<O> {
    const signal = options?.signal;
    if (this.#closed) return Promise.reject(new Error('MicroBatcher.submit: the batcher is closed'));
    if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')) {
      return Promise.reject(new TypeError(`MicroBatcher.submit: options.signal must be an AbortSignal, not ${describe(signal)}`));
    }
    if (signal?.aborted) {
      this.#cancelled++;
      return Promise.reject(signal.reason);
    }
    let tensors: Tensor[];
    let key: string;
    try {
      tensors = this.#tensorsOf(input);
      key = (Array.isArray(input) ? `${tensors.length}:` : '') + tensors.map(layoutKey).join('|');
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#queued >= this.maxQueue) {
      this.#rejected++;
      return Promise.reject(new QueueFullError(this.maxQueue));
    }
    return new Promise<O>((resolve, reject) => {
      const req: Request<I, O> = { input, tensors, at: performance.now(), resolve, reject, signal, state: 'queued' };
      let group = this.#groups.get(key);
      if (group === undefined) this.#groups.set(key, (group = { key, items: [] }));
      group.items.push(req);
      req.group = group;
      this.#queued++;
      if (signal !== undefined) {
        req.onAbort = () => this.#abort(req);
        signal.addEventListener('abort', req.onAbort, { once: true });
      }
      this.#pumpSoon();
    });
  }

  /** Counters: see MicroBatcherStats. */
  stats(): MicroBatcherStats {
    return {
      queued: this.#queued,
      running: this.#running,
      batches: this.#batches,
      requests: this.#requests,
      rejected: this.#rejected,
      cancelled: this.#cancelled,
      meanBatchSize: this.#batches === 0 ? 0 : this.#requests / this.#batches,
    };
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stops accepting requests (later submits reject) and runs what is queued without waiting for
   * more to join; resolves once every batch has finished and its tensors are freed.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closed = true;
      this.#closing = new Promise<void>((resolve) => (this.#drained = resolve));
      this.#pumpSoon();
    }
    return this.#closing;
  }

  // ---- internals ------------------------------------------------------------------------------

  #tensorsOf(input: I): Tensor[] {
    const list: unknown[] = Array.isArray(input) ? input : [input];
    if (list.length === 0) throw new TypeError('MicroBatcher.submit: the input is an empty array');
    return list.map((t, i) => {
      const what = Array.isArray(input) ? `input[${i}]` : 'the input';
      if (!isTensor(t)) throw new TypeError(`MicroBatcher.submit: ${what} must be a Tensor, not ${describe(t)}`);
      if (t.is_disposed) throw new TorchError(`MicroBatcher.submit: ${what} is disposed`);
      return t;
    });
  }

  // Deferred to a microtask, so that no batch runs inside submit(): never in the caller's stack,
  // never in a scope the caller has open.
  #pumpSoon(): void {
    if (!this.#pumpQueued) {
      this.#pumpQueued = true;
      queueMicrotask(this.#pumpNow);
    }
  }

  // Starts every batch that is due while runs are free, then arms the timer for the next one.
  #pump(): void {
    while (this.#running < this.concurrency) {
      const group = this.#nextDue(performance.now());
      if (group === undefined) break;
      const batch = group.items.splice(0, this.maxBatch);
      if (group.items.length === 0) this.#groups.delete(group.key);
      this.#queued -= batch.length;
      void this.#runBatch(batch);
    }
    this.#arm();
    if (this.#closed && this.#queued === 0 && this.#running === 0 && this.#drained !== undefined) {
      this.#drained();
      this.#drained = undefined;
    }
  }

  // The due group whose oldest request has waited longest: full, past its delay, or closing.
  #nextDue(now: number): Group<I, O> | undefined {
    let best: Group<I, O> | undefined;
    for (const g of this.#groups.values()) {
      const head = g.items[0].at;
      const due = this.#closed || g.items.length >= this.maxBatch || now >= head + this.maxDelayMs;
      if (due && (best === undefined || head < best.items[0].at)) best = g;
    }
    return best;
  }

  #arm(): void {
    let next = Infinity;
    if (this.#running < this.concurrency) {
      for (const g of this.#groups.values()) next = Math.min(next, g.items[0].at + this.maxDelayMs);
    }
    // With every run busy, the end of a run pumps again: no timer needed until then.
    if (next === Infinity) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt === next) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, Math.ceil(next - performance.now())));
  }

  #settle(req: Request<I, O>, ok: boolean, value: unknown): void {
    if (req.state === 'done') return;
    req.state = 'done';
    if (req.onAbort !== undefined) req.signal!.removeEventListener('abort', req.onAbort);
    req.group = undefined;
    if (ok) req.resolve(value as O);
    else req.reject(value);
  }

  #abort(req: Request<I, O>): void {
    if (req.state === 'queued') {
      const group = req.group!;
      group.items.splice(group.items.indexOf(req), 1);
      if (group.items.length === 0) this.#groups.delete(group.key);
      this.#queued--;
      this.#pumpSoon(); // re-arms the timer, and may finish a close()
    } else if (req.state !== 'running') {
      return;
    }
    // While running: the request leaves now; its row is skipped when the output is split.
    this.#cancelled++;
    this.#settle(req, false, req.signal!.reason);
  }

  async #runBatch(batch: Request<I, O>[]): Promise<void> {
    this.#running++;
    const live: Request<I, O>[] = [];
    for (const req of batch) {
      req.state = 'running';
      if (req.tensors.some((t) => t.is_disposed)) {
        this.#settle(req, false, new TorchError(
          'MicroBatcher: the input of this request was disposed before its batch started; keep it alive until submit() settles'));
      } else {
        live.push(req);
      }
    }
    const inputs: Tensor[] = [];
    let outputs: Tensor[] = [];
    try {
      if (live.length === 0) return;
      this.#batches++;
      this.#requests += live.length;
      const arity = live[0].tensors.length;
      // keep(): the stacked inputs outlive any scope; they are disposed below, whatever happens.
      tidy(() => {
        for (let j = 0; j < arity; j++) inputs.push(keep(stack(live.map((r) => r.tensors[j]), 0)));
      });
      const result = await this.#run((Array.isArray(live[0].input) ? inputs : inputs[0]) as unknown as I);
      outputs = Array.isArray(result) ? result.filter(isTensor) : isTensor(result) ? [result as Tensor] : [];
      this.#checkOutput(result, live.length);
      // One copy per row, each kept out of every scope: the callers own them. The row views
      // made on the way die with the tidy.
      const rows = tidy(() =>
        live.map((req, i) => (req.state === 'done' ? undefined : outputs.map((o) => keep(o.select(0, i).clone())))),
      );
      live.forEach((req, i) => {
        const row = rows[i];
        if (row !== undefined) this.#settle(req, true, Array.isArray(result) ? row : row[0]);
      });
    } catch (e) {
      for (const req of live) this.#settle(req, false, e);
    } finally {
      for (const t of inputs) t.dispose();
      for (const t of outputs) t.dispose();
      this.#running--;
      this.#pumpSoon();
    }
  }

  #checkOutput(result: unknown, n: number): void {
    const list = Array.isArray(result) ? result : [result];
    if (list.length === 0 || !list.every(isTensor)) {
      throw new TypeError(`MicroBatcher: run must return a Tensor or an array of Tensors, got ${describe(result)}`);
    }
    for (const t of list as Tensor[]) {
      const shape = t.shape;
      if (shape.length === 0 || shape[0] !== n) {
        throw new RangeError(
          `MicroBatcher: run returned a tensor of shape [${shape.join(', ')}] for a batch of ${n}: its dim 0 must have one row per request`);
      }
    }
  }
}
