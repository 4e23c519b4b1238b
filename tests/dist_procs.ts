// Running ranks as separate processes, for the torch.distributed, DDP and launcher tests: a free
// loopback port for the rendezvous, a process whose last stdout line is parsed as its JSON
// result, and whether a process is still alive.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

// the launcher's own: a port free on loopback for a rendezvous
export { freePort } from '../lib/cli/run';

export const ROOT = path.join(__dirname, '..');

export interface Ran {
  code: number | null;
  out: any;
  stderr: string;
  ms: number;
}

/** Whether a process is still there. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a process to its end. One still running after killAfterMs is killed, and its stderr says
 * so: a hung rank then fails its test with what it printed, before the test's own timeout.
 */
export function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, killAfterMs = 200_000): Promise<Ran> {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => {
      stderr += `\n[killed: still running after ${killAfterMs / 1000} s; stdout so far: ${JSON.stringify(stdout.slice(-2000))}]`;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      const line = stdout.trim().split('\n').pop() ?? '';
      let out: any = null;
      try {
        out = JSON.parse(line);
      } catch {
        out = null;
      }
      resolve({ code, out, stderr, ms: Date.now() - start });
    });
  });
}

/** Loopback only: GLOO_SOCKET_IFNAME=lo also skips resolving the host name. */
export const loopbackEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GLOO_SOCKET_IFNAME: 'lo' });

/**
 * The end of a rank's script: prints main's result as one JSON line (what runProcess parses) and
 * exits 0, or prints the error on stderr and exits 1.
 */
export function reportAsRank(main: () => Promise<Record<string, unknown>>): void {
  main().then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`ERROR: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
