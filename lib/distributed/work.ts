// The handle a collective returns: c10d's Work. wait() waits on a libuv worker thread, so the
// event loop keeps running while the collective completes.
import { native } from '../binding';

/**
 * PyTorch's ReduceOp: how {@link all_reduce}, {@link reduce} and {@link reduce_scatter} combine
 * the ranks' tensors, passed as `{ op: ReduceOp.MAX }`.
 *
 * Differs from PyTorch: the members are plain numbers (c10d's enum values), and only SUM, AVG,
 * PRODUCT, MIN and MAX exist here (no BAND, BOR, BXOR or PREMUL_SUM). AVG needs a backend that has
 * it: gloo in LibTorch 1.13 rejects it ("Cannot use ReduceOp.AVG with Gloo"); 2.x's accepts it.
 *
 * @see [torch.distributed.ReduceOp](https://pytorch.org/docs/stable/distributed.html#torch.distributed.ReduceOp)
 */
export const ReduceOp = {
  /** Element-wise sum (the default). */
  SUM: 0,
  /** Element-wise mean. Not with LibTorch 1.13's gloo, which throws a TorchError. */
  AVG: 1,
  /** Element-wise product. */
  PRODUCT: 2,
  /** Element-wise minimum. */
  MIN: 3,
  /** Element-wise maximum. */
  MAX: 4,
} as const;
export type ReduceOp = (typeof ReduceOp)[keyof typeof ReduceOp];

/**
 * The handle of an operation in flight (c10d's Work): what a collective returns with
 * `{ async_op: true }`, and what {@link isend} and {@link irecv} return.
 *
 * Differs from PyTorch: {@link Work.wait} returns a Promise, settled from a libuv worker thread,
 * so the event loop keeps running while the operation completes; {@link Work.wait_sync} is
 * PyTorch's blocking `wait()`. Timeouts are milliseconds (numbers), not a timedelta. There is no
 * `get_future()`, `result()` or `exception()`.
 *
 * @see [torch.distributed.Work](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Work)
 */
export class Work {
  /** @internal */
  readonly _native: object;
  /** @internal */
  constructor(nativeWork: object) {
    this._native = nativeWork;
  }

  /**
   * Resolves once the collective has completed (true), or rejects with a TorchError when it
   * failed: a peer that timed out or closed its connection. `timeout` (ms) bounds the wait
   * itself; without it, the group's timeout still ends a collective whose peers do not answer.
   *
   * Differs from PyTorch, whose `wait()` blocks: this one waits on a libuv worker thread and
   * leaves the event loop free. Use {@link Work.wait_sync} for the blocking form.
   *
   * @param timeout - milliseconds (PyTorch: a timedelta); absent means no extra bound
   * @returns a Promise of true once the operation has completed
   */
  async wait(timeout?: number): Promise<boolean> {
    await native.distWorkWaitAsync(this._native, timeout === undefined ? -1 : Math.round(timeout));
    return true;
  }

  /**
   * {@link Work.wait} that blocks the calling thread (and the event loop), as PyTorch's `wait()`
   * does; throws a TorchError when the operation failed or the timeout passed.
   *
   * @param timeout - milliseconds (PyTorch: a timedelta); absent means no extra bound
   * @returns true once the operation has completed
   */
  wait_sync(timeout?: number): boolean {
    native.distWorkWait(this._native, timeout === undefined ? -1 : Math.round(timeout));
    return true;
  }

  /**
   * Whether the operation has finished (successfully or not), without waiting.
   *
   * @see [torch.distributed.Work.is_completed](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Work)
   */
  is_completed(): boolean {
    return native.distWorkIsCompleted(this._native);
  }

  /** @internal the group rank a recv with no `src` received from (once completed) */
  _source_rank(): number {
    return native.distWorkSourceRank(this._native);
  }
}
