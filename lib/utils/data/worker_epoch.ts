// One epoch over a WorkerPool, with PyTorch's ordering: requests go to the workers round-robin,
// at most prefetch_factor * num_workers in flight; with in_order the batches come out in request
// (sampler) order whichever worker finishes first, without it as they arrive.
import type { WorkerPool } from './worker_pool';
import type { Reply, SentError } from './worker_loop';

export interface EpochPlan {
  /** The sampler's batches (map-style); null for an iterable dataset, whose workers batch their own streams. */
  batches: Iterator<number[]> | null;
  prefetch: number;
  in_order: boolean;
  /** 0: wait forever. */
  timeout_s: number;
}

type Received = { worker: number; reply: Reply } | null;

export class WorkerEpoch {
  private readonly pending = new Map<number, number>(); // task -> worker, in sending order
  private readonly arrived = new Map<number, { worker: number; reply: Reply }>();
  private readonly active: boolean[];
  private cycle = 0;
  private exhausted = false;

  constructor(
    private readonly pool: WorkerPool,
    private readonly plan: EpochPlan,
  ) {
    this.active = new Array(pool.size).fill(true);
    if (!plan.batches) for (let w = 0; w < pool.size; w++) pool.send(w, { type: 'reset' });
    for (let i = 0; i < plan.prefetch * pool.size; i++) this.request();
  }

  /** Sends the next request to the next worker that still has data. */
  private request(): void {
    if (this.exhausted) return;
    let worker = -1;
    for (let k = 0; k < this.pool.size; k++) {
      const w = (this.cycle + k) % this.pool.size;
      if (this.active[w]) {
        worker = w;
        break;
      }
    }
    if (worker < 0) return;
    this.cycle = (worker + 1) % this.pool.size;
    const task = this.pool.newTask();
    if (this.plan.batches) {
      const next = this.plan.batches.next();
      if (next.done) {
        this.exhausted = true;
        return;
      }
      this.pool.send(worker, { type: 'fetch', task, indices: next.value });
    } else {
      this.pool.send(worker, { type: 'next', task });
    }
    this.pending.set(task, worker);
  }

  /** The next batch's data (still encoded), blocking; done when the epoch is over. */
  nextSync(): IteratorResult<unknown> {
    for (;;) {
      const step = this.step();
      if (step !== 'wait') return step;
      this.accept(this.pool.receiveSync(this.timeoutMs()));
    }
  }

  async next(): Promise<IteratorResult<unknown>> {
    for (;;) {
      const step = this.step();
      if (step !== 'wait') return step;
      this.accept(await this.pool.receive(this.timeoutMs()));
    }
  }

  private timeoutMs(): number {
    return this.plan.timeout_s > 0 ? this.plan.timeout_s * 1000 : Infinity;
  }

  private accept(got: Received): void {
    if (!got) throw new Error(`DataLoader timed out after ${this.plan.timeout_s} seconds`);
    const { worker, reply } = got;
    if (reply.kind === 'fatal') throw workerError(reply.error, worker, 'failed');
    if (this.pending.has(reply.task)) this.arrived.set(reply.task, got); // else: left over from an epoch that stopped early
  }

  /** A batch, the end, or 'wait' when the reply it needs has not arrived. */
  private step(): IteratorResult<unknown> | 'wait' {
    for (;;) {
      if (this.pending.size === 0) return { done: true, value: undefined };
      const task = this.plan.in_order ? this.pending.keys().next().value! : this.arrived.keys().next().value;
      const got = task === undefined ? undefined : this.arrived.get(task);
      if (!got) return 'wait';
      this.arrived.delete(task!);
      this.pending.delete(task!);
      const { reply, worker } = got;
      if (reply.kind === 'end') {
        this.active[worker] = false; // this worker's stream is over; the others go on (PyTorch's order)
        continue;
      }
      this.request();
      if (reply.kind === 'error') throw workerError(reply.error, worker, 'caught');
      if (reply.kind === 'data') return { done: false, value: reply.data };
    }
  }
}

const ERROR_TYPES: Record<string, new (message: string) => Error> = { TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

/** PyTorch's ExceptionWrapper.reraise: the same error type, naming the worker, with the original message and stack. */
function workerError(e: SentError, worker: number, how: 'caught' | 'failed'): Error & { worker_id: number } {
  const Ctor = ERROR_TYPES[e.name] ?? Error;
  const where = how === 'caught' ? `Caught ${e.name} in DataLoader worker ${worker}` : `DataLoader worker ${worker} failed (${e.name})`;
  const error = new Ctor(`${where}.\nOriginal ${e.stack}`) as Error & { worker_id: number };
  error.worker_id = worker;
  return error;
}
