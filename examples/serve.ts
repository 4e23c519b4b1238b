// A small HTTP service on node:http that serves the chapter's CNN from a TorchScript file.
//
//   npx tsx examples/serve.ts [--model FILE] [--port 8080] [--mode sync|async|batch]
//                             [--max-batch 32] [--max-delay-ms 2] [--max-queue 256]
//
// POST /predict   {"pixels": [784 numbers, 0-255]}  →  {"class": 7, "label": "Sneaker", "logits": [...]}
// GET  /health    200 "ok"
// GET  /stats     {"eventLoopDelayP99Ms", "batcher": {...}}, and resets the delay histogram
//
// The model file: --model, else examples/out/cnn_traced.pt; when that is missing it is made
// here from the CNN example's checkpoint (examples/out/cnn.pt, `npm run example:cnn`) by
// torch.jit.trace, or from seed-0 weights when there is no checkpoint either. A file exported
// from PyTorch with torch.jit.save works the same.
//
// The three modes (bench/serve_load.ts measures them):
//   sync   forward on the JS thread, one request at a time;
//   async  forward_async: each request's forward on a libuv worker thread;
//   batch  torch.serving.MicroBatcher gathers requests into batches for forward_async, with a
//          bounded queue (503 when full) and requests withdrawn when their client goes away.
//
// The flags are parsed by ./serve_options, imported first: before torchnode, so `--help` is instant.
import { programOptions, type ServeOptions } from './serve_options';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as torch from '../lib/index';
import { CNN } from './models';

export type { ServeOptions } from './serve_options';

const MEAN = 0.286, STD = 0.353; // Fashion-MNIST's, as examples/train.ts normalises
const LABELS = torch.datasets.FashionMNIST.classes;

/** The TorchScript file to serve, made from the CNN example's checkpoint when it is missing. */
export function ensureModelFile(file: string): string {
  if (fs.existsSync(file)) return file;
  torch.manual_seed(0);
  const model = new CNN(1, 64 * 7 * 7);
  const checkpoint = path.join(path.dirname(file), 'cnn.pt');
  if (fs.existsSync(checkpoint)) model.load_state_dict(torch.load(checkpoint) as Record<string, torch.Tensor>);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  torch.jit.trace(model.eval(), torch.zeros(1, 1, 28, 28)).save(file);
  console.log(`made ${file} by tracing the CNN (${fs.existsSync(checkpoint) ? checkpoint : 'seed-0 weights: no checkpoint yet'})`);
  return file;
}

/** The request's image as a normalised [1, 28, 28] tensor, or why it is not one. */
function parseImage(body: string): torch.Tensor | string {
  let pixels: unknown;
  try {
    pixels = (JSON.parse(body) as { pixels?: unknown }).pixels;
  } catch {
    return 'the body is not JSON';
  }
  if (!Array.isArray(pixels) || pixels.length !== 784 || !pixels.every((p) => typeof p === 'number' && p >= 0 && p <= 255))
    return '"pixels" must be 784 numbers from 0 to 255';
  return torch.tidy(() => torch.tensor(pixels as number[], { dtype: torch.float32 }).reshape(1, 28, 28).div(255).sub(MEAN).div(STD));
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

function answer(logits: torch.Tensor): { class: number; label: string; logits: number[] } {
  const values = Array.from(logits.toTypedArray() as Float32Array);
  const best = values.indexOf(Math.max(...values));
  logits.dispose();
  return { class: best, label: LABELS[best], logits: values };
}

export function createServer(opts: ServeOptions): { server: http.Server; batcher: torch.serving.MicroBatcher | null } {
  const model = torch.jit.load(ensureModelFile(opts.model)).eval();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const batcher =
    opts.mode === 'batch'
      ? new torch.serving.MicroBatcher({
          run: (batch: torch.Tensor) => torch.no_grad(() => model.forward_async(batch)) as Promise<torch.Tensor>,
          maxBatch: opts.maxBatch,
          maxDelayMs: opts.maxDelayMs,
          maxQueue: opts.maxQueue,
        })
      : null;

  // One image → its logits [10], by the mode's path.
  async function predict(image: torch.Tensor, signal: AbortSignal): Promise<torch.Tensor> {
    if (batcher) return batcher.submit(image, { signal });
    const input = image.unsqueeze(0);
    try {
      const out = opts.mode === 'async'
        ? ((await torch.no_grad(() => model.forward_async(input))) as torch.Tensor)
        : (torch.no_grad(() => model.forward(input)) as torch.Tensor);
      const row = out.squeeze(0);
      out.dispose();
      return row;
    } finally {
      input.dispose();
    }
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') return reply(res, 200, 'ok');
    if (req.method === 'GET' && req.url === '/stats') {
      const stats = { eventLoopDelayP99Ms: delay.percentile(99) / 1e6, batcher: batcher?.stats() ?? null };
      delay.reset();
      return reply(res, 200, stats);
    }
    if (req.method !== 'POST' || req.url !== '/predict') return reply(res, 404, 'POST /predict, GET /health, GET /stats');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 100_000) req.destroy();
    });
    req.on('end', () => {
      const image = parseImage(body);
      if (typeof image === 'string') return reply(res, 400, { error: image });
      // A client that goes away before its answer withdraws its request ('close' on the
      // response: the request's own 'close' fires as soon as its body has been read).
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableEnded) abort.abort();
      });
      predict(image, abort.signal)
        .then((logits) => reply(res, 200, answer(logits)))
        .catch((e: Error) => {
          if (e instanceof torch.serving.QueueFullError) reply(res, 503, { error: 'busy: the queue is full, retry later' });
          else if (e.name !== 'AbortError') reply(res, 500, { error: e.message });
        })
        .finally(() => image.dispose());
    });
  });
  server.on('close', () => {
    delay.disable();
    void batcher?.close();
  });
  return { server, batcher };
}

if (require.main === module && programOptions) {
  const opts = programOptions;
  const { server } = createServer(opts);
  server.listen(opts.port, '127.0.0.1', () => console.log(`serving ${opts.model} (${opts.mode}) on http://127.0.0.1:${opts.port}`));
}
