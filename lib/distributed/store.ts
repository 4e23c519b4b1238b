// torch.distributed's key-value stores (c10d's, in native/distributed.cc): process groups meet
// through one, and user code may share small values through it. Values go in as strings or bytes
// and come back as a Buffer, as PyTorch's come back as bytes.
import { native } from '../binding';

/** Milliseconds, or PyTorch's default when absent. */
export type Milliseconds = number;

function ms(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new TypeError(`${what} must be a non-negative number of milliseconds`);
  return Math.round(x);
}

/**
 * A c10d store. Subclasses: {@link TCPStore}, {@link FileStore}, {@link PrefixStore}. Calls block
 * the calling thread (as PyTorch's do) until they finish or the store's timeout passes.
 *
 * Differs from PyTorch: timeouts are milliseconds (numbers), not a timedelta; values come back as
 * a Buffer (PyTorch: bytes); there is no HashStore, `compare_set` or `multi_get`/`multi_set`.
 *
 * @see [torch.distributed.Store](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store)
 */
export class Store {
  /** @internal the native store */
  readonly _native: object;

  /** @internal */
  constructor(nativeStore: object) {
    this._native = nativeStore;
  }

  /**
   * Stores `value` under `key`, replacing any value there. A string is stored as its UTF-8 bytes.
   *
   * @see [torch.distributed.Store.set](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store.set)
   */
  set(key: string, value: string | Uint8Array): void {
    native.distStoreSet(this._native, key, value);
  }

  /**
   * Waits for the key (up to the store's timeout) and returns its value.
   *
   * @see [torch.distributed.Store.get](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store.get)
   */
  get(key: string): Buffer {
    return native.distStoreGet(this._native, key);
  }

  /**
   * Adds `amount` to the integer under `key` (created at 0) and returns the new value.
   * A non-integer amount is a TypeError.
   *
   * @see [torch.distributed.Store.add](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store.add)
   */
  add(key: string, amount: number): number {
    if (!Number.isInteger(amount)) throw new TypeError('add() expects an integer amount');
    return native.distStoreAdd(this._native, key, amount);
  }

  /**
   * Waits until every key exists; throws a TorchError when the timeout passes first.
   *
   * @param timeout - milliseconds (PyTorch: a timedelta); absent means the store's own timeout
   * @see [torch.distributed.Store.wait](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store.wait)
   */
  wait(keys: string[], timeout?: Milliseconds): void {
    native.distStoreWait(this._native, keys, timeout === undefined ? -1 : ms(timeout, 'timeout'));
  }

  /**
   * Whether every key exists now, without waiting. (PyTorch 1.13's Python Store does not expose
   * `check`; 2.x's does.)
   *
   * @see [torch.distributed.Store.check](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store)
   */
  check(keys: string[]): boolean {
    return native.distStoreCheck(this._native, keys);
  }

  /**
   * Deletes `key` and its value; returns whether the key existed.
   *
   * @see [torch.distributed.Store.delete_key](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store.delete_key)
   */
  delete_key(key: string): boolean {
    return native.distStoreDeleteKey(this._native, key);
  }

  /**
   * The number of keys in the store. As in PyTorch, a {@link TCPStore} counts one more key than
   * were set: the one its workers coordinate through.
   *
   * @see [torch.distributed.Store.num_keys](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store.num_keys)
   */
  num_keys(): number {
    return native.distStoreNumKeys(this._native);
  }

  /**
   * Sets the store's default timeout, used by {@link Store.get} and {@link Store.wait}.
   *
   * @param timeout - milliseconds (PyTorch: a timedelta); a negative or non-number one is a TypeError
   * @see [torch.distributed.Store.set_timeout](https://pytorch.org/docs/stable/distributed.html#torch.distributed.Store.set_timeout)
   */
  set_timeout(timeout: Milliseconds): void {
    native.distStoreSetTimeout(this._native, ms(timeout, 'timeout'));
  }
}

/** Keyword arguments of {@link TCPStore}, as PyTorch's (timeout in milliseconds). */
export interface TCPStoreOptions {
  /** The number of processes using the store, master included; absent or null: unknown. */
  world_size?: number | null;
  /** True on the one process that serves the store; default false (connect as a client). */
  is_master?: boolean;
  /** Milliseconds for connecting and for get/wait; default 300000 (PyTorch's 300 s timedelta). */
  timeout?: Milliseconds;
  /** Master only: whether the constructor waits for `world_size` processes to connect; default true. */
  wait_for_workers?: boolean;
}

/**
 * `TCPStore(host_name, port, { world_size, is_master, timeout, wait_for_workers })`: the master
 * serves the store on host:port (port 0 picks a free one: read it from `.port`); the others
 * connect to it, retrying until the timeout. Speaks the same protocol as PyTorch's of the same
 * LibTorch version, so Python processes can share it.
 */
export class TCPStore extends Store {
  /**
   * Serves (master) or connects to (others) the store at `host_name:port`.
   *
   * @param host_name - the master's host name or address
   * @param port - the master's port; 0 on the master picks a free one
   * @param options - PyTorch's keyword arguments `world_size`, `is_master`, `timeout` (ms),
   *   `wait_for_workers` (PyTorch 2.x's `multi_tenant`, `master_listen_fd` and `use_libuv` are not taken)
   * @throws TypeError or RangeError for a bad argument; TorchError when connecting times out
   * @see [torch.distributed.TCPStore](https://pytorch.org/docs/stable/distributed.html#torch.distributed.TCPStore)
   */
  constructor(host_name: string, port: number, options: TCPStoreOptions = {}) {
    if (typeof host_name !== 'string') throw new TypeError('TCPStore: host_name must be a string');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`TCPStore: port must be an integer in [0, 65535], got ${port}`);
    const ws = options.world_size ?? -1;
    if (!Number.isInteger(ws)) throw new TypeError('TCPStore: world_size must be an integer');
    super(native.distTcpStore(host_name, port, ws, options.is_master ?? false, ms(options.timeout ?? 300_000, 'timeout'),
      options.wait_for_workers ?? true));
  }

  /** The port served or connected to. */
  get port(): number {
    return native.distStorePort(this._native);
  }
}

/** `FileStore(file_name, world_size)`: a store in a file every process can reach. */
export class FileStore extends Store {
  /**
   * Opens (creating if needed) the store in `file_name`.
   *
   * @param file_name - a path every process can reach
   * @param world_size - the number of processes using the store; default -1 (unknown), as PyTorch's
   * @see [torch.distributed.FileStore](https://pytorch.org/docs/stable/distributed.html#torch.distributed.FileStore)
   */
  constructor(file_name: string, world_size = -1) {
    if (typeof file_name !== 'string') throw new TypeError('FileStore: file_name must be a string');
    if (!Number.isInteger(world_size)) throw new TypeError('FileStore: world_size must be an integer');
    super(native.distFileStore(file_name, world_size));
  }
}

/** `PrefixStore(prefix, store)`: the same store with every key led by `prefix/`. */
export class PrefixStore extends Store {
  /** The store this one wraps, as PyTorch's `PrefixStore.underlying_store`. */
  readonly underlying_store: Store;

  /**
   * Wraps `store` so that every key is read and written as `prefix/key`.
   *
   * @param prefix - the key prefix (a `/` is added after it)
   * @param store - the store to wrap
   * @see [torch.distributed.PrefixStore](https://pytorch.org/docs/stable/distributed.html#torch.distributed.PrefixStore)
   */
  constructor(prefix: string, store: Store) {
    if (typeof prefix !== 'string') throw new TypeError('PrefixStore: prefix must be a string');
    if (!(store instanceof Store)) throw new TypeError('PrefixStore: store must be a Store');
    super(native.distPrefixStore(prefix, store._native));
    this.underlying_store = store;
  }
}
