// init_method URLs to a store, rank and world size, as PyTorch's rendezvous handlers read them:
// env:// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE), tcp://host:port and file:///path, each
// taking rank and world_size from the arguments first, then the URL's query.
import { FileStore, Store, TCPStore } from './store';

/** @internal what a rendezvous gives init_process_group */
export interface Rendezvous {
  store: Store;
  rank: number;
  world_size: number;
}

function intFrom(value: string | null | undefined, what: string): number {
  const n = Number(value);
  if (value === null || value === undefined || value === '' || !Number.isInteger(n)) throw new Error(`Error initializing torch.distributed using ${what}`);
  return n;
}

function pick(arg: number, query: URLSearchParams, key: string, url: string): number {
  if (arg >= 0) return arg;
  const q = query.get(key);
  if (q === null) throw new Error(`Error initializing torch.distributed using ${url} rendezvous: ${key} parameter missing`);
  return intFrom(q, `${url} rendezvous: ${key}`);
}

/** @internal the store, rank and world size an init_method URL names; -1 for rank or worldSize: read them from the URL or env */
export function rendezvous(initMethod: string, rank: number, worldSize: number, timeout: number): Rendezvous {
  if (typeof initMethod !== 'string') throw new TypeError('init_method must be a string URL');
  if (initMethod.startsWith('env://')) {
    const env = (k: string): string => {
      const v = process.env[k];
      if (v === undefined || v === '') throw new Error(`Error initializing torch.distributed using env:// rendezvous: environment variable ${k} expected, but not set`);
      return v;
    };
    const r = rank >= 0 ? rank : intFrom(env('RANK'), 'env:// rendezvous: RANK');
    const ws = worldSize >= 0 ? worldSize : intFrom(env('WORLD_SIZE'), 'env:// rendezvous: WORLD_SIZE');
    const addr = env('MASTER_ADDR');
    const port = intFrom(env('MASTER_PORT'), 'env:// rendezvous: MASTER_PORT');
    return { store: new TCPStore(addr, port, { world_size: ws, is_master: r === 0, timeout }), rank: r, world_size: ws };
  }
  if (initMethod.startsWith('tcp://')) {
    const url = new URL(initMethod);
    if (!url.port) throw new Error('Error initializing torch.distributed using tcp:// rendezvous: port number missing');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const r = pick(rank, url.searchParams, 'rank', 'tcp://');
    const ws = pick(worldSize, url.searchParams, 'world_size', 'tcp://');
    return { store: new TCPStore(host, Number(url.port), { world_size: ws, is_master: r === 0, timeout }), rank: r, world_size: ws };
  }
  if (initMethod.startsWith('file://')) {
    const url = new URL(initMethod);
    const path = decodeURIComponent(url.pathname);
    if (!path) throw new Error('file:// rendezvous: path missing');
    const r = pick(rank, url.searchParams, 'rank', 'file://');
    const ws = pick(worldSize, url.searchParams, 'world_size', 'file://');
    return { store: new FileStore(path, ws), rank: r, world_size: ws };
  }
  throw new Error(`No rendezvous handler for ${initMethod.split('://')[0]}://`);
}
