// examples/serve.ts's flags. serve.ts imports this module before torchnode, and when serve.ts
// is the program being run the flags are parsed right here, at import: so `--help` and flag
// mistakes answer before LibTorch loads (~3 s). Imported by anything else, nothing is parsed.
import * as path from 'node:path';
import { Command } from 'commander';

export interface ServeOptions {
  model: string;
  port: number;
  mode: 'sync' | 'async' | 'batch';
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
}

export function parseServeArgs(argv: string[]): ServeOptions {
  const program = new Command('serve')
    .description("serves the chapter's CNN from a TorchScript file over HTTP: POST /predict, GET /health, GET /stats")
    .option('--model <file>', 'TorchScript file', path.join(__dirname, 'out', 'cnn_traced.pt'))
    .option('--port <n>', 'port', (v) => Number.parseInt(v, 10), 8080)
    .option('--mode <mode>', 'sync, async or batch', 'batch')
    .option('--max-batch <n>', 'micro-batching: requests per batch', (v) => Number.parseInt(v, 10), 32)
    .option('--max-delay-ms <n>', 'micro-batching: wait at most this long for a batch to fill', Number, 2)
    .option('--max-queue <n>', 'micro-batching: queued requests beyond this get 503', (v) => Number.parseInt(v, 10), 256)
    .parse(argv);
  const o = program.opts<ServeOptions>();
  if (!['sync', 'async', 'batch'].includes(o.mode)) program.error(`error: --mode must be sync, async or batch, not ${o.mode}`);
  return o;
}

const entry = require.main?.filename ?? '';
const serveIsTheProgram = path.dirname(entry) === __dirname && /^serve\.[cm]?[jt]s$/.test(path.basename(entry));

/** The parsed flags when examples/serve.ts is the program; undefined otherwise. */
export const programOptions: ServeOptions | undefined = serveIsTheProgram ? parseServeArgs(process.argv) : undefined;
