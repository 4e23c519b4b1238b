// The DataLoader's worker threads, seen from the main thread: start them, send requests, and
// wait for replies either by blocking (a sync `for...of`) or by awaiting (`for await`).
//
// Each worker has its own MessagePort; replies are read with receiveMessageOnPort, so both ways
// of waiting share one code path. After posting, a worker bumps a shared counter and notifies
// it: the main thread sleeps on that counter with Atomics.wait (sync) or Atomics.waitAsync.
// Workers are unref()'d: an idle or forgotten pool never keeps the process alive. While the
// main thread awaits a reply, a timer keeps it alive instead.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Reply, Request, WorkerSetup } from './worker_loop';

let live = 0;

/** Atomics.waitAsync (Node >= 16), which TypeScript's es2022 lib does not declare. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, timeout?: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** How many DataLoader worker threads exist right now, across all loaders (exited ones not counted). */
export function live_worker_threads(): number {
  return live;
}

// The worker loads the same library entry as the main thread (so a dataset module importing
// the library shares its classes), then runs torch.utils.data._worker_loop.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { entry, tsx, setup } = workerData;
(async () => {
  if (tsx) require(tsx).register();
  let torch;
  try {
    torch = require(entry);
  } catch (e) {
    if (e.code !== 'ERR_REQUIRE_ESM' && e.code !== 'ERR_REQUIRE_ASYNC_MODULE') throw e;
    torch = await import(require('node:url').pathToFileURL(entry).href);
  }
  await torch.utils.data._worker_loop(torch, setup);
})().catch((e) => {
  const error = { name: (e && e.name) || 'Error', message: String((e && e.message) || e), stack: String((e && e.stack) || e) };
  setup.port.postMessage({ task: -1, kind: 'fatal', error });
  Atomics.add(setup.signal, 0, 1);
  Atomics.notify(setup.signal, 0);
});`;

/** The library file a worker loads: lib/index.ts from the sources, dist/index.{js,mjs} from the build. */
function libraryEntry(): string {
  if (/\.[cm]?ts$/.test(__filename)) return path.resolve(__dirname, '../../index.ts');
  return path.join(__dirname, __filename.endsWith('.mjs') ? 'index.mjs' : 'index.js');
}

/**
 * tsx's CommonJS hook, for workers that load TypeScript (the library's own sources, or a
 * dataset module written in TypeScript). Null when none is needed or the process already has
 * a .ts loader that workers inherit through execArgv.
 */
function typeScriptLoader(needed: boolean, what: string): string | null {
  if (!needed) return null;
  const here = createRequire(__filename);
  for (const from of [here, createRequire(path.join(process.cwd(), 'package.json'))]) {
    try {
      return from.resolve('tsx/cjs/api');
    } catch {
      // try the next place
    }
  }
  if (here.extensions['.ts']) return null;
  throw new Error(`DataLoader workers must load TypeScript (${what}) and need a loader for it: install tsx (npm i -D tsx), or use compiled JavaScript`);
}

export type PoolSetup = Omit<WorkerSetup, 'port' | 'signal' | 'worker_id' | 'base_seed'> & { needsTypeScript: boolean; tsWhat: string };

/** How often a blocked synchronous loop looks for workers that stopped. */
const WATCHDOG_SLICE_MS = 500;

export class WorkerPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** Failures seen through the workers' 'error'/'exit' events (the async path's safety net). */
  private readonly failures: (Reply | null)[] = [];
  private nextPort = 0;
  private taskCounter = 0;
  closed = false;

  constructor(setup: PoolSetup, base_seed: bigint) {
    this.size = setup.num_workers;
    const entry = libraryEntry();
    const tsx = typeScriptLoader(setup.needsTypeScript || entry.endsWith('.ts'), setup.needsTypeScript ? setup.tsWhat : entry);
    const { needsTypeScript, tsWhat, ...common } = setup;
    void needsTypeScript, tsWhat;
    for (let id = 0; id < this.size; id++) {
      const { port1, port2 } = new MessageChannel();
      const workerSetup: WorkerSetup = { ...common, port: port2, signal: this.signal, worker_id: id, base_seed };
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, tsx, setup: workerSetup }, transferList: [port2] });
      worker.unref();
      live++;
      this.failures.push(null);
      worker.on('error', (e) => this.fail(id, e));
      worker.once('exit', (code) => {
        live--;
        if (!this.closed) this.fail(id, new Error(`DataLoader worker ${id} exited unexpectedly with exit code ${code}`));
      });
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  private fail(id: number, e: unknown): void {
    if (this.failures[id]) return;
    const err = e instanceof Error ? e : new Error(String(e));
    this.failures[id] = { task: -1, kind: 'fatal', error: { name: err.name, message: err.message, stack: err.stack ?? err.message } };
    Atomics.add(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }

  /** A task number unique in this pool, so replies left over from an earlier epoch are recognised. */
  newTask(): number {
    return this.taskCounter++;
  }

  send(worker: number, request: Request): void {
    this.ports[worker].postMessage(request);
  }

  /** A reply if one is there now; workers are polled round-robin so none starves. */
  private poll(): { worker: number; reply: Reply } | null {
    for (let k = 0; k < this.size; k++) {
      const worker = (this.nextPort + k) % this.size;
      const got = receiveMessageOnPort(this.ports[worker]);
      if (got) {
        this.nextPort = (worker + 1) % this.size;
        return { worker, reply: got.message as Reply };
      }
    }
    const failed = this.failures.findIndex((f) => f !== null);
    return failed >= 0 ? { worker: failed, reply: this.failures[failed]! } : null;
  }

  /**
   * The next reply, blocking this thread; null after timeoutMs. The 'exit' and 'error' events
   * cannot arrive while this thread blocks, and a worker that dies without its own goodbye (out
   * of memory, a native abort) would leave it waiting for ever: so it waits in slices and looks
   * at each worker's threadId, which Node sets to -1 as soon as the thread stops running.
   */
  receiveSync(timeoutMs: number): { worker: number; reply: Reply } | null {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const got = this.poll();
      if (got) return got;
      const dead = this.workers.findIndex((w) => w.threadId === -1);
      if (dead >= 0 && !this.closed) this.fail(dead, new Error(`DataLoader worker ${dead} stopped running (it ran out of memory or crashed)`));
      const left = deadline - Date.now();
      if (left <= 0) return null;
      Atomics.wait(this.signal, 0, seen, Math.min(left, WATCHDOG_SLICE_MS));
    }
  }

  /** The next reply, awaited; null after timeoutMs. */
  async receive(timeoutMs: number): Promise<{ worker: number; reply: Reply } | null> {
    const deadline = Date.now() + timeoutMs;
    const keepAlive = setTimeout(() => {}, 2 ** 31 - 1);
    try {
      for (;;) {
        const seen = Atomics.load(this.signal, 0);
        const got = this.poll();
        if (got) return got;
        const left = deadline - Date.now();
        if (left <= 0) return null;
        const waiting = waitAsync(this.signal, 0, seen, Number.isFinite(left) ? left : undefined);
        if (waiting.async) await waiting.value;
      }
    } finally {
      clearTimeout(keepAlive);
    }
  }

  /** Stops every worker; their threads end shortly after (live_worker_threads() counts them until then). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let id = 0; id < this.size; id++) {
      this.ports[id].close();
      void this.workers[id].terminate();
    }
  }
}
