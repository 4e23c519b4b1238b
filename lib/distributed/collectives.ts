// The collectives and point-to-point calls, with PyTorch's signatures (Python keyword arguments
// as a trailing options object). They work in place on the tensors given. Without async_op they
// wait on the calling thread (as PyTorch does); with `{ async_op: true }` they return a Work whose
// wait() is a Promise settled from a libuv worker thread. On a rank outside the group they do
// nothing and return undefined, as PyTorch's do.
import { native } from '../binding';
import { Tensor } from '../tensor';
import { Group, ProcessGroup, _resolve } from './process_group';
import { ReduceOp, Work } from './work';

/** Keyword arguments every collective takes: PyTorch's `group` and `async_op`. */
export interface CollectiveOptions {
  /**
   * The group to run in; absent or null: the default group. On a rank given
   * {@link GroupMember.NON_GROUP_MEMBER} the call does nothing and returns undefined.
   */
  group?: Group | null;
  /**
   * true: return a {@link Work} at once, whose `wait()` is a Promise settled from a libuv worker
   * thread (PyTorch's blocks), or call its `wait_sync()`. false (the default): block the calling
   * thread until done and return undefined.
   */
  async_op?: boolean;
}

/** Keyword arguments of the reducing collectives: {@link CollectiveOptions} and PyTorch's `op`. */
export interface ReduceOptions extends CollectiveOptions {
  /** How to combine the tensors; default {@link ReduceOp.SUM}. LibTorch 1.13's gloo has no AVG. */
  op?: ReduceOp;
}

function tensor(t: unknown, what: string): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${what} must be a Tensor`);
  return t;
}

function tensors(ts: unknown, what: string): Tensor[] {
  if (!Array.isArray(ts)) throw new TypeError(`${what} must be a list of Tensors`);
  return ts.map((t) => tensor(t, what));
}

/**
 * gather's gather_list / scatter's scatter_list: one tensor per group rank on the root, nothing
 * elsewhere; as the native call takes it (one list on the root, none on the other ranks).
 */
function rootList(g: ProcessGroup, root: number, given: Tensor[] | null | undefined, what: string, role: string): number[][] {
  const list = given ? tensors(given, what) : [];
  if (g.rank() === root && list.length !== g.size()) throw new Error(`${what} on the ${role} rank needs ${g.size()} tensors, got ${list.length}`);
  if (g.rank() !== root && list.length > 0) throw new Error(`${what} must be given only on the ${role} rank`);
  return g.rank() === root ? [list.map((x) => x.h)] : [];
}

function op(o: ReduceOp | undefined): number {
  const v = o ?? ReduceOp.SUM;
  if (!Object.values(ReduceOp).includes(v)) throw new TypeError(`op must be a ReduceOp, got ${String(o)}`);
  return v;
}

function finish(work: Work, asyncOp: boolean | undefined): Work | undefined {
  if (asyncOp) return work;
  work.wait_sync();
  return undefined;
}

function run(group: Group | null | undefined, issue: (g: ProcessGroup, n: object) => object, asyncOp?: boolean): Work | undefined {
  const g = _resolve(group);
  if (!g) return undefined;
  return finish(new Work(issue(g, g._live())), asyncOp);
}

/**
 * `all_reduce(tensor, { op, group, async_op })`: every rank ends with the reduction of all ranks'
 * tensors, in place.
 *
 * Ranks must pass tensors of the same shape and dtype; a mismatch is only diagnosed (on every
 * rank) under TORCH_DISTRIBUTED_DEBUG=DETAIL, as in PyTorch.
 *
 * @param t - this rank's input, overwritten with the result
 * @param options - PyTorch's keyword arguments `op`, `group`, `async_op`
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.all_reduce](https://pytorch.org/docs/stable/distributed.html#torch.distributed.all_reduce)
 */
export function all_reduce(t: Tensor, options: ReduceOptions = {}): Work | undefined {
  tensor(t, 'all_reduce: tensor');
  const o = op(options.op);
  return run(options.group, (_, n) => native.distAllreduce(n, [t.h], o), options.async_op);
}

/**
 * `broadcast(tensor, src, { group, async_op })`: rank src's tensor copied into every rank's.
 *
 * Ranks must pass tensors of the same shape and dtype; a mismatch is only diagnosed (on every
 * rank) under TORCH_DISTRIBUTED_DEBUG=DETAIL, as in PyTorch.
 *
 * @param t - the data on rank src; receives it elsewhere
 * @param src - the global rank that sends (a RangeError when not in the group)
 * @param options - PyTorch's keyword arguments `group`, `async_op`
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.broadcast](https://pytorch.org/docs/stable/distributed.html#torch.distributed.broadcast)
 */
export function broadcast(t: Tensor, src: number, options: CollectiveOptions = {}): Work | undefined {
  tensor(t, 'broadcast: tensor');
  return run(options.group, (g, n) => native.distBroadcast(n, [t.h], g._groupRank(src, 'broadcast: src')), options.async_op);
}

/**
 * `reduce(tensor, dst, { op, group, async_op })`: the reduction lands in rank dst's tensor.
 *
 * Ranks must pass tensors of the same shape and dtype; a mismatch is only diagnosed (on every
 * rank) under TORCH_DISTRIBUTED_DEBUG=DETAIL, as in PyTorch.
 *
 * @param t - this rank's input; on rank dst, overwritten with the result
 * @param dst - the global rank that receives the result
 * @param options - PyTorch's keyword arguments `op`, `group`, `async_op`
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.reduce](https://pytorch.org/docs/stable/distributed.html#torch.distributed.reduce)
 */
export function reduce(t: Tensor, dst: number, options: ReduceOptions = {}): Work | undefined {
  tensor(t, 'reduce: tensor');
  const o = op(options.op);
  return run(options.group, (g, n) => native.distReduce(n, [t.h], g._groupRank(dst, 'reduce: dst'), o), options.async_op);
}

/**
 * `all_gather(tensor_list, tensor, { group, async_op })`: tensor_list[i] receives rank i's tensor.
 *
 * Ranks must pass tensors of the same shape and dtype; a mismatch is only diagnosed (on every
 * rank) under TORCH_DISTRIBUTED_DEBUG=DETAIL, as in PyTorch.
 *
 * @param tensor_list - one output tensor per group rank
 * @param t - this rank's input
 * @param options - PyTorch's keyword arguments `group`, `async_op`
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.all_gather](https://pytorch.org/docs/stable/distributed.html#torch.distributed.all_gather)
 */
export function all_gather(tensor_list: Tensor[], t: Tensor, options: CollectiveOptions = {}): Work | undefined {
  const outs = tensors(tensor_list, 'all_gather: tensor_list');
  tensor(t, 'all_gather: tensor');
  return run(options.group, (_, n) => native.distAllgather(n, [outs.map((x) => x.h)], [t.h]), options.async_op);
}

/** Keyword arguments of {@link gather}: {@link CollectiveOptions} and PyTorch's `gather_list`, `dst`. */
export interface GatherOptions extends CollectiveOptions {
  /** On rank dst only: one tensor per group rank, receiving each rank's tensor. Absent or null elsewhere. */
  gather_list?: Tensor[] | null;
  /** The global rank that gathers; default 0. */
  dst?: number;
}

/**
 * `gather(tensor, { gather_list, dst, group, async_op })`: rank dst's gather_list[i] receives rank
 * i's tensor. A gather_list of the wrong length on dst, or one given elsewhere, is an Error.
 *
 * Ranks must pass tensors of the same shape and dtype; a mismatch is only diagnosed (on every
 * rank) under TORCH_DISTRIBUTED_DEBUG=DETAIL, as in PyTorch.
 *
 * @param t - this rank's input
 * @param options - PyTorch's keyword arguments, see {@link GatherOptions}
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.gather](https://pytorch.org/docs/stable/distributed.html#torch.distributed.gather)
 */
export function gather(t: Tensor, options: GatherOptions = {}): Work | undefined {
  tensor(t, 'gather: tensor');
  const dst = options.dst ?? 0;
  return run(options.group, (g, n) => {
    const root = g._groupRank(dst, 'gather: dst');
    const list = rootList(g, root, options.gather_list, 'gather: gather_list', 'destination');
    return native.distGather(n, list, [t.h], root);
  }, options.async_op);
}

/** Keyword arguments of {@link scatter}: {@link CollectiveOptions} and PyTorch's `scatter_list`, `src`. */
export interface ScatterOptions extends CollectiveOptions {
  /** On rank src only: one tensor per group rank, the i-th going to rank i. Absent or null elsewhere. */
  scatter_list?: Tensor[] | null;
  /** The global rank that scatters; default 0. */
  src?: number;
}

/**
 * `scatter(tensor, { scatter_list, src, group, async_op })`: rank i's tensor receives rank src's
 * scatter_list[i]. A scatter_list of the wrong length on src, or one given elsewhere, is an Error.
 *
 * Ranks must pass tensors of the same shape and dtype; a mismatch is only diagnosed (on every
 * rank) under TORCH_DISTRIBUTED_DEBUG=DETAIL, as in PyTorch.
 *
 * @param t - the output on every rank
 * @param options - PyTorch's keyword arguments, see {@link ScatterOptions}
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.scatter](https://pytorch.org/docs/stable/distributed.html#torch.distributed.scatter)
 */
export function scatter(t: Tensor, options: ScatterOptions = {}): Work | undefined {
  tensor(t, 'scatter: tensor');
  const src = options.src ?? 0;
  return run(options.group, (g, n) => {
    const root = g._groupRank(src, 'scatter: src');
    const list = rootList(g, root, options.scatter_list, 'scatter: scatter_list', 'source');
    return native.distScatter(n, [t.h], list, root);
  }, options.async_op);
}

/**
 * `reduce_scatter(output, input_list, { op, group, async_op })`: rank i's output is the reduction
 * of every rank's input_list[i].
 *
 * Differs by LibTorch version: gloo in LibTorch 1.13 has no reduce_scatter and throws a TorchError
 * ("ProcessGroupGloo does not support reduce_scatter"), as PyTorch 1.13 does; 2.x's runs it.
 *
 * Ranks must pass tensors of the same shape and dtype; a mismatch is only diagnosed (on every
 * rank) under TORCH_DISTRIBUTED_DEBUG=DETAIL, as in PyTorch.
 *
 * @param output - this rank's result
 * @param input_list - one input tensor per group rank
 * @param options - PyTorch's keyword arguments `op`, `group`, `async_op`
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.reduce_scatter](https://pytorch.org/docs/stable/distributed.html#torch.distributed.reduce_scatter)
 */
export function reduce_scatter(output: Tensor, input_list: Tensor[], options: ReduceOptions = {}): Work | undefined {
  tensor(output, 'reduce_scatter: output');
  const ins = tensors(input_list, 'reduce_scatter: input_list');
  const o = op(options.op);
  return run(options.group, (_, n) => native.distReduceScatter(n, [output.h], [ins.map((x) => x.h)], o), options.async_op);
}

/**
 * `barrier({ group, async_op })`: returns once every rank of the group has reached it.
 *
 * @param options - PyTorch's keyword arguments `group`, `async_op` (not `device_ids`)
 * @returns with `async_op`, a {@link Work}; otherwise undefined once done (also undefined on a
 *   rank outside the group)
 * @see [torch.distributed.barrier](https://pytorch.org/docs/stable/distributed.html#torch.distributed.barrier)
 */
export function barrier(options: CollectiveOptions = {}): Work | undefined {
  return run(options.group, (_, n) => native.distBarrier(n, -1), options.async_op);
}

/** Keyword arguments of {@link send} and {@link isend}: PyTorch's `group` and `tag` (no `async_op`). */
export interface P2POptions {
  /** The group to send or receive in; absent or null: the default group. */
  group?: Group | null;
  /** An integer that matches a send with the recv of the same tag; default 0. */
  tag?: number;
}

function tagOf(tag: number | undefined): number {
  const t = tag ?? 0;
  if (!Number.isInteger(t)) throw new TypeError('tag must be an integer');
  return t;
}

/**
 * `isend(tensor, dst, { group, tag })`: sends to global rank dst without waiting.
 *
 * @param t - the data to send; leave it unchanged until the Work completes
 * @param dst - the global rank to send to (not this one)
 * @param options - PyTorch's keyword arguments `group`, `tag`
 * @returns a {@link Work}; undefined on a rank outside the group
 * @see [torch.distributed.isend](https://pytorch.org/docs/stable/distributed.html#torch.distributed.isend)
 */
export function isend(t: Tensor, dst: number, options: P2POptions = {}): Work | undefined {
  tensor(t, 'send: tensor');
  const tag = tagOf(options.tag);
  return run(options.group, (g, n) => {
    const d = g._groupRank(dst, 'send: dst');
    if (d === g.rank()) throw new Error('Invalid destination rank: should not be the same as the rank of the current process.');
    return native.distSend(n, [t.h], d, tag);
  }, true);
}

/**
 * `send(tensor, dst, { group, tag })`: {@link isend}, then blocks the calling thread until sent.
 *
 * @param t - the data to send
 * @param dst - the global rank to send to (not this one)
 * @param options - PyTorch's keyword arguments `group`, `tag`
 * @see [torch.distributed.send](https://pytorch.org/docs/stable/distributed.html#torch.distributed.send)
 */
export function send(t: Tensor, dst: number, options: P2POptions = {}): void {
  isend(t, dst, options)?.wait_sync();
}

/** Keyword arguments of {@link recv} and {@link irecv}: {@link P2POptions} and PyTorch's `src`. */
export interface RecvOptions extends P2POptions {
  /** The global rank to receive from; absent or null: any rank ({@link recv} returns which). */
  src?: number | null;
}

/**
 * `irecv(tensor, { src, group, tag })`: receives into tensor, from any rank when src is absent,
 * without waiting.
 *
 * @param t - the output; its shape and dtype must match what is sent
 * @param options - PyTorch's keyword arguments `src`, `group`, `tag`
 * @returns a {@link Work}; undefined on a rank outside the group
 * @see [torch.distributed.irecv](https://pytorch.org/docs/stable/distributed.html#torch.distributed.irecv)
 */
export function irecv(t: Tensor, options: RecvOptions = {}): Work | undefined {
  tensor(t, 'recv: tensor');
  const tag = tagOf(options.tag);
  return run(options.group, (g, n) => native.distRecv(n, [t.h], options.src === undefined || options.src === null ? -1 : g._groupRank(options.src, 'recv: src'), tag), true);
}

/**
 * `recv(tensor, { src, group, tag })`: {@link irecv}, then blocks the calling thread until received.
 *
 * @param t - the output; its shape and dtype must match what is sent
 * @param options - PyTorch's keyword arguments `src`, `group`, `tag`
 * @returns the sender's global rank (-1 on a rank outside the group)
 * @see [torch.distributed.recv](https://pytorch.org/docs/stable/distributed.html#torch.distributed.recv)
 */
export function recv(t: Tensor, options: RecvOptions = {}): number {
  const w = irecv(t, options);
  if (!w) return -1;
  w.wait_sync();
  if (options.src !== undefined && options.src !== null) return options.src;
  const g = _resolve(options.group)!;
  return g.ranks[w._source_rank()];
}
