// Process groups: the default (world) group that init_process_group creates, and subgroups from
// new_group. Key names, store prefixes and the post-init barrier follow PyTorch's of the same
// LibTorch version, so a Python process can join the same group (interop).
import { native } from '../binding';
import { PrefixStore, Store } from './store';
import { rendezvous } from './rendezvous';

/** PyTorch's default process-group timeout, 30 minutes, in milliseconds (PyTorch's is a timedelta). */
export const default_pg_timeout = 30 * 60 * 1000;

const libtorchMajor = Number(native.libtorch.version.split('.')[0]);

/**
 * A group of ranks that run collectives together (a c10d ProcessGroupGloo). Made by
 * {@link init_process_group} (the default group, {@link GroupMember.WORLD}) and {@link new_group};
 * pass it to a collective as `{ group }`.
 *
 * @see [torch.distributed.ProcessGroup](https://pytorch.org/docs/stable/distributed.html#torch.distributed.ProcessGroup)
 */
export class ProcessGroup {
  /** @internal */
  _native: object | null;
  /** the global ranks in this group, in group-rank order */
  readonly ranks: number[];
  /** The name the group is keyed under in the store: "0" for the default group, then "1", "2"... */
  readonly group_name: string;

  /** this process's global rank */
  private readonly globalRank: number;

  /** @internal */
  constructor(nativeGroup: object, ranks: number[], name: string, globalRank: number) {
    this._native = nativeGroup;
    this.ranks = ranks;
    this.group_name = name;
    this.globalRank = globalRank;
  }

  /** This process's rank within the group (its index in {@link ProcessGroup.ranks}). */
  rank(): number {
    return this.ranks.indexOf(this.globalRank);
  }

  /** The number of ranks in the group. */
  size(): number {
    return this.ranks.length;
  }

  /** @internal the native group, or a clear error once destroyed */
  _live(): object {
    if (!this._native) throw new Error('this process group was destroyed (destroy_process_group)');
    return this._native;
  }

  /** @internal a global rank as this group's rank */
  _groupRank(globalRank: number, what: string): number {
    if (!Number.isInteger(globalRank)) throw new TypeError(`${what} must be an integer rank`);
    const r = this.ranks.indexOf(globalRank);
    if (r < 0) throw new RangeError(`${what}: global rank ${globalRank} is not part of the group`);
    return r;
  }
}

/** PyTorch's GroupMember: WORLD is the default group; new_group gives NON_GROUP_MEMBER to ranks outside it. */
export const GroupMember = {
  /** The default group; null before {@link init_process_group} and after {@link destroy_process_group}. */
  get WORLD(): ProcessGroup | null {
    return world?.group ?? null;
  },
  /**
   * What {@link new_group} returns on ranks outside the new group. Collectives given it do nothing
   * and return undefined; get_rank and get_world_size give -1. A Symbol here (PyTorch: a sentinel).
   */
  NON_GROUP_MEMBER: Symbol('NON_GROUP_MEMBER'),
};

/**
 * What the `group` option of the collectives accepts: a {@link ProcessGroup}, or
 * {@link GroupMember.NON_GROUP_MEMBER} (the call then does nothing). Absent or null means the
 * default group.
 */
export type Group = ProcessGroup | typeof GroupMember.NON_GROUP_MEMBER;

interface World {
  group: ProcessGroup;
  rank: number;
  backend: string;
  /** the "default_pg" store that groups and barriers key into */
  store: Store;
  timeout: number;
  groupCount: number;
  groups: ProcessGroup[];
}
let world: World | null = null;

/** Keyword arguments of {@link init_process_group}; timeout in milliseconds. */
export interface InitOptions {
  /**
   * Where the ranks meet: `env://` (the default: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE),
   * `tcp://host:port` or `file:///path`, the latter two taking `?rank=&world_size=` when the
   * options do not. Not together with `store`.
   */
  init_method?: string;
  /** This process's rank in [0, world_size); taken from init_method when absent, required with `store`. */
  rank?: number;
  /** The number of processes in the group; taken from init_method when absent, required with `store`. */
  world_size?: number;
  /**
   * Milliseconds (PyTorch: a timedelta) for joining, for the store and for each collective;
   * default 30 minutes, as PyTorch's ({@link default_pg_timeout}).
   */
  timeout?: number;
  /** A store every rank shares, instead of init_method; used as it is, as PyTorch does. */
  store?: Store;
  /** The default group's name in the store; default "0". */
  group_name?: string;
}

/**
 * Whether this build has torch.distributed (the native addon was built with c10d).
 *
 * @see [torch.distributed.is_available](https://pytorch.org/docs/stable/distributed.html#torch.distributed.is_available)
 */
export function is_available(): boolean {
  return typeof native.distAvailable === 'function' && native.distAvailable();
}

/**
 * Whether the default group exists: {@link init_process_group} has run and
 * {@link destroy_process_group} has not.
 *
 * @see [torch.distributed.is_initialized](https://pytorch.org/docs/stable/distributed.html#torch.distributed.is_initialized)
 */
export function is_initialized(): boolean {
  return world !== null;
}

/**
 * Whether the gloo backend is available: the same as {@link is_available}, gloo being the only
 * backend of this CPU build (there is no NCCL or MPI).
 *
 * @see [torch.distributed.is_gloo_available](https://pytorch.org/docs/stable/distributed.html#torch.distributed.is_gloo_available)
 */
export function is_gloo_available(): boolean {
  return is_available();
}

/** @internal */
export function _world(): World {
  if (!world) throw new Error('Default process group has not been initialized, please make sure to call init_process_group.');
  return world;
}

function checkBackend(backend: string): string {
  const b = String(backend).toLowerCase();
  if (b === 'nccl') throw new Error('the nccl backend is not available in this build (CPU LibTorch); use "gloo"');
  if (b !== 'gloo') throw new Error(`Invalid backend: '${backend}'; this build has "gloo"`);
  return b;
}

function sleepSync(msecs: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, msecs);
}

// PyTorch 1.x's barrier after creating a group: every rank adds itself to a counter in the store
// and waits for all. A Python 1.13 peer waits for this key; 2.x no longer does it by default.
function storeBasedBarrier(store: Store, key: string, worldSize: number, rank: number, timeout: number): void {
  store.add(key, 1);
  const start = Date.now();
  let count = store.add(key, 0);
  while (count !== worldSize) {
    if (Date.now() - start > timeout)
      throw new Error(`Timed out initializing process group in store based barrier on rank: ${rank}, for key: ${key} ` +
        `(world_size=${worldSize}, worker_count=${count}, timeout=${timeout} ms)`);
    sleepSync(10);
    count = store.add(key, 0);
  }
}

// A gloo group keyed into the store as PyTorch of the same LibTorch version keys it, so Python
// ranks can be members: 1.x under "name", 2.x under "name/" then the device, "cpu/". Under
// TORCH_DISTRIBUTED_DEBUG=DETAIL it is wrapped, as PyTorch wraps it, in c10d's ProcessGroupWrapper,
// which checks that the ranks' collectives agree (shapes, dtypes) before running each one. 2.x
// sets the sequence number before wrapping; 1.x after its store barrier (see the callers).
function createGloo(store: Store, name: string, groupRank: number, groupSize: number, timeout: number): object {
  const debug = process.env.TORCH_DISTRIBUTED_DEBUG?.toUpperCase() === 'DETAIL';
  if (libtorchMajor < 2) {
    const pg = native.distNewGloo(new PrefixStore(name, store)._native, groupRank, groupSize, timeout);
    if (!debug) return pg;
    return native.distWrapForDebug(pg, new PrefixStore(`pg_wrapper:${name}`, store)._native, groupRank, groupSize, timeout);
  }
  const backendStore = new PrefixStore('cpu/', new PrefixStore(`${name}/`, store));
  const pg = native.distNewGloo(backendStore._native, groupRank, groupSize, timeout);
  native.distSetSequenceNumber(pg);
  if (!debug) return pg;
  return native.distWrapForDebug(pg, new PrefixStore(`pg_wrapper:${name}`, backendStore)._native, groupRank, groupSize, timeout);
}

/**
 * `init_process_group(backend, { init_method, rank, world_size, timeout, store, group_name })`:
 * joins the default group. init_method is `env://` (the default: MASTER_ADDR, MASTER_PORT, RANK
 * and WORLD_SIZE), `tcp://host:port` or `file:///path`; or pass a `store` with rank and world_size.
 * Returns once every rank has joined; a rank that does not come ends it with an error after the
 * timeout (ms, default 30 minutes).
 *
 * Differs from PyTorch: only the "gloo" backend exists ("nccl" is a clear error); the timeout is
 * milliseconds, not a timedelta. Under TORCH_DISTRIBUTED_DEBUG=DETAIL the groups check, before
 * each collective, that the ranks' shapes and dtypes agree, as PyTorch's do.
 *
 * @param backend - "gloo"
 * @param options - PyTorch's keyword arguments, see {@link InitOptions}
 * @throws Error when already initialised, for a bad backend or init_method, or when the other
 *   ranks do not join within the timeout
 * @see [torch.distributed.init_process_group](https://pytorch.org/docs/stable/distributed.html#torch.distributed.init_process_group)
 */
export function init_process_group(backend: string, options: InitOptions = {}): void {
  if (world) throw new Error('trying to initialize the default process group twice!');
  const b = checkBackend(backend);
  const timeout = options.timeout ?? default_pg_timeout;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw new TypeError('timeout must be a positive number of milliseconds');
  let store: Store, rank: number, size: number;
  if (options.store) {
    if (options.init_method) throw new Error('Cannot specify both init_method and store.');
    if (!Number.isInteger(options.rank) || options.rank! < 0) throw new Error('rank must be specified (a non-negative integer) when store is given');
    if (!Number.isInteger(options.world_size) || options.world_size! <= 0) throw new Error('world_size must be positive if using store');
    store = options.store;
    rank = options.rank!;
    size = options.world_size!;
  } else {
    ({ store, rank, world_size: size } = rendezvous(options.init_method ?? 'env://', options.rank ?? -1, options.world_size ?? -1, timeout));
    store.set_timeout(timeout);
  }
  // as PyTorch: a store from rendezvous is shared under "default_pg"; one given is used as it is
  const pgStore = options.store ? store : new PrefixStore('default_pg', store);
  const name = options.group_name ?? '0';
  const pg = createGloo(pgStore, name, rank, size, timeout);
  const group = new ProcessGroup(pg, Array.from({ length: size }, (_, i) => i), name, rank);
  world = { group, rank, backend: b, store: pgStore, timeout, groupCount: 1, groups: [group] };
  try {
    if (libtorchMajor < 2) {
      storeBasedBarrier(pgStore, 'store_based_barrier_key:1', size, rank, timeout);
      native.distSetSequenceNumber(pg);
    }
  } catch (e) {
    destroy_process_group();
    throw e;
  }
}

/**
 * `new_group(ranks, { timeout, backend })`: a subgroup of the given global ranks (all of them
 * when absent). Every rank of the default group must call it, members or not, in the same order;
 * non-members get GroupMember.NON_GROUP_MEMBER.
 *
 * @param ranks - global ranks, in any order (the group ranks follow their sorted order)
 * @param options - `timeout` in milliseconds (default: the default group's); `backend`, only "gloo"
 *   (PyTorch's `pg_options` and 2.x's `use_local_synchronization` are not taken)
 * @see [torch.distributed.new_group](https://pytorch.org/docs/stable/distributed.html#torch.distributed.new_group)
 */
export function new_group(ranks?: number[] | null, options: { timeout?: number; backend?: string } = {}): Group {
  const w = _world();
  if (options.backend) checkBackend(options.backend);
  const size = w.group.size();
  const list = ranks && ranks.length > 0 ? [...ranks].sort((a, b) => a - b) : Array.from({ length: size }, (_, i) => i);
  for (const r of list)
    if (!Number.isInteger(r) || r < 0 || r >= size) throw new RangeError(`The new group's rank should be within the world_size set by init_process_group, got ${r}`);
  if (new Set(list).size !== list.length) throw new Error('new_group: ranks must be unique');
  const timeout = options.timeout ?? w.timeout;
  const name = String(w.groupCount++);
  const member = list.includes(w.rank);
  let group: Group = GroupMember.NON_GROUP_MEMBER;
  if (member) {
    group = new ProcessGroup(createGloo(w.store, name, list.indexOf(w.rank), list.length, timeout), list, name, w.rank);
    w.groups.push(group);
  }
  if (libtorchMajor < 2) {
    storeBasedBarrier(w.store, `store_based_barrier_key:${w.groupCount}`, size, w.rank, timeout);
    if (group instanceof ProcessGroup) native.distSetSequenceNumber(group._live());
  }
  return group;
}

/**
 * Leaves the group (the default one and every subgroup when none is given), closing its connections.
 *
 * @see [torch.distributed.destroy_process_group](https://pytorch.org/docs/stable/distributed.html#torch.distributed.destroy_process_group)
 */
export function destroy_process_group(group?: ProcessGroup | null): void {
  if (!world) throw new Error('Default process group has not been initialized, please make sure to call init_process_group.');
  const targets = !group || group === world.group ? world.groups : [group];
  for (const g of targets) {
    if (g._native) native.distRelease(g._native);
    g._native = null;
  }
  if (!group || group === world.group) world = null;
  else world.groups = world.groups.filter((g) => g !== group);
}

/** @internal the group to use: the default one when none is given; null when this rank is not a member */
export function _resolve(group: Group | null | undefined): ProcessGroup | null {
  const w = _world();
  if (group === undefined || group === null) return w.group;
  if (group === GroupMember.NON_GROUP_MEMBER) return null;
  if (!(group instanceof ProcessGroup)) throw new TypeError('group must be a ProcessGroup');
  return group;
}

/**
 * This process's rank in the group (the default group when none is given); -1 outside it. Before
 * init_process_group it throws, as PyTorch does.
 *
 * @see [torch.distributed.get_rank](https://pytorch.org/docs/stable/distributed.html#torch.distributed.get_rank)
 */
export function get_rank(group?: Group | null): number {
  const g = _resolve(group);
  return g ? g.rank() : -1;
}

/**
 * The number of ranks in the group (the default group when none is given); -1 outside it. Before
 * init_process_group it throws, as PyTorch does.
 *
 * @see [torch.distributed.get_world_size](https://pytorch.org/docs/stable/distributed.html#torch.distributed.get_world_size)
 */
export function get_world_size(group?: Group | null): number {
  const g = _resolve(group);
  return g ? g.size() : -1;
}

/**
 * The group's backend name: always "gloo" in this build (PyTorch: a `Backend` string).
 * Throws before init_process_group. Given NON_GROUP_MEMBER it returns the default group's
 * backend, where PyTorch throws "Invalid process group specified".
 *
 * @see [torch.distributed.get_backend](https://pytorch.org/docs/stable/distributed.html#torch.distributed.get_backend)
 */
export function get_backend(group?: Group | null): string {
  _resolve(group);
  return _world().backend;
}

/**
 * The global rank of a group's rank; a RangeError when the group has no such rank.
 *
 * @see [torch.distributed.get_global_rank](https://pytorch.org/docs/stable/distributed.html#torch.distributed.get_global_rank)
 */
export function get_global_rank(group: ProcessGroup, group_rank: number): number {
  const r = group.ranks[group_rank];
  if (r === undefined) throw new RangeError(`Group rank ${group_rank} is not part of the group`);
  return r;
}
