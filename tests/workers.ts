// Worker threads for the tests: code that loads torchnode from the sources in a fresh worker.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const root = path.resolve(__dirname, '..');

/** A worker's source: `body` (async JS, with `torch`, `parentPort` and `workerData` in scope); its result or error is posted back. */
export function workerCode(body: string): string {
  return `
    require(${JSON.stringify(path.join(root, 'node_modules/tsx/dist/cjs/api/index.cjs'))}).register();
    const { parentPort, workerData } = require('node:worker_threads');
    const torch = require(${JSON.stringify(path.join(root, 'lib/index.ts'))});
    (async () => { ${body} })().then((r) => parentPort.postMessage({ r }), (e) => parentPort.postMessage({ e: String(e && e.stack || e) }));`;
}

/** Runs `body` in a worker; resolves with its result. */
export function inWorker<T>(body: string, workerData?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerCode(body), { eval: true, workerData });
    w.once('message', (m: { r?: T; e?: string }) => {
      void w.terminate();
      if (m.e !== undefined) reject(new Error(m.e));
      else resolve(m.r as T);
    });
    w.once('error', reject);
  });
}
