// Soak benchmark (not a test): 10,000 training steps of the chapter's CNN on small synthetic
// batches (16 × 1×28×28), once with one torch.tidy per step and once with no memory code (left
// to the GC-time finalizers), each in a fresh child process, printing RSS every 1,000 steps.
// A leak shows as RSS that keeps climbing after the first few thousand steps.
//   npm run bench:soak [-- --steps N --every K --batch B]
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Sample { step: number; rss_mb: number; live_tensors: number; seconds: number }

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const steps = flag('steps', 10_000);
const every = flag('every', 1_000);
const batch = flag('batch', 16);
const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
const child = path.join(__dirname, 'soak', 'child.ts');

function runMode(mode: 'tidy' | 'gc'): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(tsx, [child, String(steps), String(every), String(batch), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const samples: Sample[] = [];
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const s = JSON.parse(line) as Sample;
        samples.push(s);
        console.log(`${mode.padEnd(4)} step ${String(s.step).padStart(6)}  RSS ${s.rss_mb.toFixed(0).padStart(5)} MB  live tensors ${s.live_tensors}  ${s.seconds.toFixed(1)} s`);
      }
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => (code === 0 ? resolve(samples) : reject(new Error(`${mode} child exited with ${code ?? signal}`))));
  });
}

async function main(): Promise<void> {
  console.log(`soak: ${steps} CNN training steps, batch ${batch} × 1×28×28, SGD momentum 0.9; RSS every ${every} steps\n`);
  const tidy = await runMode('tidy');
  const gc = await runMode('gc');
  const rows = tidy.map((t, i) => `| ${t.step} | ${t.rss_mb.toFixed(0)} | ${gc[i] ? gc[i].rss_mb.toFixed(0) : ''} |`);
  const table = ['| step | RSS, torch.tidy per step (MB) | RSS, no memory code (MB) |', '| ---: | ---: | ---: |', ...rows].join('\n');
  console.log(`\n${table}`);
  const node = process.version;
  let cpu = '';
  try { cpu = execFileSync('nproc', { encoding: 'utf8' }).trim() + ' cores'; } catch { /* not Linux */ }
  console.log(`\nNode ${node}, ${cpu}; tidy ${tidy.at(-1)?.seconds.toFixed(0)} s, gc ${gc.at(-1)?.seconds.toFixed(0)} s`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'soak.md'), table + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
