// npm run fuzz -- [--calls N] [--seed S] [--from I] [--workers W] [--timeout MS] [--json FILE]
// npm run fuzz -- --seed S --only I      replays one call in this process and prints its outcome
// Fuzzes torchnode's public API and torch.ops.aten.* with random arguments of every JS type
// (scripts/fuzz/spec.ts), each call in a worker process that the driver restarts after a crash,
// and prints a summary: calls, errors by class, and every crash, hang, non-Error throw, leaked
// internal message and wrong result with its reproducer.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFuzz, type Incident } from './fuzz/driver';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function printIncidents(incidents: Incident[]): void {
  const byKind = new Map<string, Incident[]>();
  for (const x of incidents) byKind.set(x.kind, [...(byKind.get(x.kind) ?? []), x]);
  for (const [kind, list] of byKind) {
    console.log(`\n${kind}: ${list.length}`);
    for (const x of list) {
      console.log(`  #${x.i}${x.tags.length ? ` [${x.tags.join(', ')}]` : ''}: ${x.src}`);
      console.log(`      ${x.detail.slice(0, 400)}`);
      console.log(`      replay: ${x.replay}`);
    }
  }
}

async function main(): Promise<void> {
  const seed = Number(flag('seed') ?? 1);
  const only = flag('only');
  if (only !== undefined) {
    const r = spawnSync(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'fuzz', 'worker.ts'), '--seed', String(seed), '--only', only], { encoding: 'utf8' });
    process.stdout.write(r.stdout);
    if (r.signal || r.status) console.log(`worker ended with ${r.signal ?? `exit code ${r.status}`}\n${r.stderr.split('\n').filter((l) => !/^W\d{8} |^WARNING: Logging/.test(l)).slice(-15).join('\n')}`);
    return;
  }
  const calls = Number(flag('calls') ?? 1000);
  const report = await runFuzz({
    seed, calls, from: Number(flag('from') ?? 0), workers: Number(flag('workers') ?? 2), callTimeoutMs: Number(flag('timeout') ?? 10_000),
    onProgress: (done) => { if (process.stdout.isTTY && done % 100 === 0) process.stdout.write(`\r${done}/${calls}`); },
  });
  if (process.stdout.isTTY) process.stdout.write('\r');
  console.log(`fuzz: seed ${seed}, ${report.calls} calls in ${report.seconds.toFixed(1)} s (${report.workerStarts} worker processes)`);
  console.log(`  returned: ${report.ok}, raised: ${report.errors} (${Object.entries(report.errorsByClass).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  const counts = report.incidents.reduce<Record<string, number>>((m, x) => ({ ...m, [x.kind]: (m[x.kind] ?? 0) + 1 }), {});
  console.log(`  incidents: ${report.incidents.length ? Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`);
  printIncidents(report.incidents);
  const json = flag('json');
  if (json) fs.writeFileSync(json, JSON.stringify(report, null, 2));
  process.exitCode = report.incidents.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
