// npm run bench:serve: examples/serve.ts under load, on loopback, one mode at a time in a fresh
// server process: sync forward (batch 1), forward_async (batch 1), and forward_async behind the
// micro-batcher. autocannon drives it for a fixed time; the server reports its own event-loop
// delay (p99, perf_hooks.monitorEventLoopDelay) over the same window. A benchmark, not a test.
//   npm run bench:serve -- [--seconds 10] [--connections 32] [--runs 1]
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import * as torch from '../lib/index';
import { ensureModelFile } from '../examples/serve';

const { values: opts } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' }, runs: { type: 'string', default: '1' } },
});
const root = path.join(__dirname, '..');
const model = ensureModelFile(path.join(root, 'examples', 'out', 'cnn_traced.pt'));

async function startServer(mode: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'examples', 'serve.ts'), '--mode', mode, '--port', String(port), '--model', model], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('serving') && resolve());
    child.once('exit', (code) => reject(new Error(`the ${mode} server exited (${code})`)));
  });
  return child;
}

async function stats(port: number): Promise<{ eventLoopDelayP99Ms: number; batcher: { meanBatchSize: number } | null }> {
  return (await fetch(`http://127.0.0.1:${port}/stats`)).json() as Promise<any>;
}

async function measure(mode: string, port: number) {
  const server = await startServer(mode, port);
  try {
    const body = JSON.stringify({ pixels: Array.from({ length: 784 }, (_, i) => (i * 37) % 256) });
    // warm up (the first TorchScript runs profile and optimise the graph), then reset the counters
    await autocannon({ url: `http://127.0.0.1:${port}/predict`, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: 4, duration: 2 });
    await stats(port);
    const r = await autocannon({
      url: `http://127.0.0.1:${port}/predict`, method: 'POST', body, headers: { 'content-type': 'application/json' },
      connections: Number(opts.connections), duration: Number(opts.seconds),
    });
    const s = await stats(port);
    return {
      mode, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, loopP99: s.eventLoopDelayP99Ms,
      errors: r.non2xx + r.errors, batch: s.batcher?.meanBatchSize ?? 1,
    };
  } finally {
    server.kill();
  }
}

(async () => {
  const rows = [];
  for (let run = 0; run < Number(opts.runs); run++) {
    for (const [i, mode] of ['sync', 'async', 'batch'].entries()) rows.push(await measure(mode, 18180 + i));
  }
  console.log(`\nCNN (Fashion-MNIST, 1×28×28) served by examples/serve.ts on loopback: autocannon, ${opts.connections} connections, ${opts.seconds} s per mode; torchnode ${torch.version.torchnode} on LibTorch ${torch.version.libtorch}, ${torch.get_num_threads()} intra-op thread(s), OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? 'unset'}\n`);
  console.log('| mode | requests/s | latency p50 | latency p99 | event-loop delay p99 | mean batch | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.mode} | ${r.rps.toFixed(0)} | ${r.p50} ms | ${r.p99} ms | ${r.loopP99.toFixed(1)} ms | ${r.batch.toFixed(1)} | ${r.errors} |`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
