// Running ranks as separate processes, for the torch.distributed and DDP tests: a free loopback
// port for the rendezvous, and a process whose last stdout line is parsed as its JSON result.
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..');

export interface Ran {
  code: number | null;
  out: any;
  stderr: string;
  ms: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
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
