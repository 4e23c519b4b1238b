// Child process of tests/hostile_files.test.ts (run with tsx and --expose-gc): loads each file
// named on the command line and prints one JSON line per file with the outcome, the time the
// load took and an upper bound on its peak memory (resident set size).
// Usage: tsx hostile_probe.ts '<json options>' file...   HOSTILE_LIB picks another lib/ (to measure an old version).
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const torch = require(process.env.HOSTILE_LIB ?? path.join(__dirname, '..', 'lib', 'index'));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const [optionsJson, ...files] = process.argv.slice(2);
const options = JSON.parse(optionsJson);
for (const file of files) {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  let outcome: Record<string, unknown>;
  try {
    const value = torch.load(file, options);
    outcome = { outcome: 'load', type: Array.isArray(value) ? 'array' : typeof value };
  } catch (e) {
    const err = e as Error;
    outcome = { outcome: 'error', class: err.constructor?.name, message: String(err.message) };
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // maxRSS is the process's high-water mark (KiB): the load's own peak is at most that.
  const peakGrowthMB = Math.max(0, process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20;
  process.stdout.write(JSON.stringify({ file: path.basename(file), ms, peakGrowthMB, ...outcome }) + '\n');
}
