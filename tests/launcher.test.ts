// `npx torchnode run` (lib/cli/run.ts), torchrun's counterpart: its arguments, the environment
// each rank gets, rank-prefixed output, stopping every rank when one fails, passing signals on,
// and two "hosts" (network namespaces, scripts/netns.sh) meeting at MASTER_ADDR. The child
// scripts are tiny .js files written per test run; the launcher never loads LibTorch.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { alive } from './dist_procs';
import { main } from '../lib/cli/main';
import { parseRunArgs, runLauncher, RUN_USAGE } from '../lib/cli/run';

const ROOT = join(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'torchnode-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

/** A stream that keeps what is written to it. */
function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(w, { text: () => chunks.join('') });
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const stdout = sink();
  const stderr = sink();
  const t0 = performance.now();
  const code = await runLauncher(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text(), ms: performance.now() - t0 };
}

const ENV_NAMES = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'MASTER_ADDR', 'MASTER_PORT'];
const PRINT_ENV = script('env.js', `console.log(JSON.stringify({ ${ENV_NAMES.map((k) => `${k}: process.env.${k}`).join(', ')}, args: process.argv.slice(2) }));\n`);

/** The JSON lines each rank printed, by the rank in its prefix. */
function byRank(stdout: string): Map<number, any> {
  const out = new Map<number, any>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const m = /^\[rank(\d+)\]: (.*)$/.exec(line);
    if (!m) throw new Error(`line without a rank prefix: ${line}`);
    out.set(Number(m[1]), JSON.parse(m[2]));
  }
  return out;
}

describe('torchnode run: arguments', () => {
  it('has torchrun defaults, both spellings of each option, --opt=value, and PET_ variables', () => {
    expect(parseRunArgs(['train.js'], {})).toEqual({
      nproc_per_node: 1, nnodes: 1, node_rank: 0, master_addr: '127.0.0.1', master_port: 29500,
      standalone: false, no_python: false, shutdown_timeout: 30, script: 'train.js', script_args: [],
    });
    const a = parseRunArgs(['--nproc_per_node', '4', '--nnodes=2:2', '--node-rank', '1', '--master_addr=10.0.0.1', '--master-port', '1234', 'train.ts', '--lr', '0.1', '--nnodes', '9'], {});
    expect(a).toMatchObject({ nproc_per_node: 4, nnodes: 2, node_rank: 1, master_addr: '10.0.0.1', master_port: 1234, script: 'train.ts' });
    // everything after the script is the script's, even options the launcher knows
    expect(a !== 'help' && a.script_args).toEqual(['--lr', '0.1', '--nnodes', '9']);
    expect(parseRunArgs(['--', '-odd-name.js', 'x'], {})).toMatchObject({ script: '-odd-name.js', script_args: ['x'] });
    expect(parseRunArgs(['x.js'], { PET_NPROC_PER_NODE: '3', PET_MASTER_PORT: '4000' })).toMatchObject({ nproc_per_node: 3, master_port: 4000 });
    expect(parseRunArgs(['--nproc-per-node', '2', 'x.js'], { PET_NPROC_PER_NODE: '3' })).toMatchObject({ nproc_per_node: 2 });
    expect(parseRunArgs(['--standalone', '--master-port', '1', 'x.js'], {})).toMatchObject({ standalone: true, master_port: undefined });
    expect(parseRunArgs(['--help'], {})).toBe('help');
  });

  it('refuses what it cannot run, saying what is wrong', () => {
    const bad: [string[], string][] = [
      [[], 'torchnode run: no script to run (see npx torchnode run --help)'],
      [['--nproc-per-node', '0', 'x.js'], "--nproc-per-node must be an integer from 1 up, got '0'"],
      [['--nproc-per-node', 'two', 'x.js'], "--nproc-per-node must be an integer from 1 up, got 'two'"],
      [['--nproc-per-node', 'gpu', 'x.js'], 'does not load LibTorch to count devices'],
      [['--nnodes', '2', '--node-rank', '2', 'x.js'], "--node-rank must be an integer from 0 to 1, got '2'"],
      [['--nnodes', '1:4', 'x.js'], 'a range of nodes needs an elastic rendezvous'],
      [['--master-port', '70000', 'x.js'], "--master-port must be an integer from 1 to 65535, got '70000'"],
      [['--standalone', '--nnodes', '2', 'x.js'], '--standalone runs a single node, but --nnodes is 2'],
      [['--rdzv-backend', 'c10d', 'x.js'], "unknown option '--rdzv-backend'"],
      [['--nproc-per-node'], '--nproc-per-node needs a value'],
      [['--standalone=1', 'x.js'], '--standalone takes no value'],
    ];
    for (const [argv, message] of bad) expect(() => parseRunArgs(argv, {}), argv.join(' ')).toThrow(message);
  });

  it('prints its usage with --help, and main lists the command', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      const out = await run(['--help']);
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(`${RUN_USAGE}\n`);
      expect(out.stdout).toContain('--nproc-per-node N');
      expect(await main(['--help'])).toBe(0);
      expect(lines.join('\n')).toContain('run               start a script on N processes');
      expect(await main(['run', '--nproc-per-node', '2', join(dir, 'missing.js')])).toBe(1);
      expect(lines.at(-1)).toBe(`torchnode run: no such script: ${join(dir, 'missing.js')}`);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});

describe('torchnode run: processes', () => {
  it("gives each rank torchrun's environment and the script's arguments, and prefixes its lines", async () => {
    const out = await run(['--nproc-per-node', '3', '--nnodes', '2', '--node-rank', '1', '--master-addr', '10.1.2.3', '--master-port', '4567', PRINT_ENV, 'a', '--b']);
    expect(out.code).toBe(0);
    const ranks = byRank(out.stdout);
    expect([...ranks.keys()].sort()).toEqual([3, 4, 5]);
    for (const local of [0, 1, 2]) {
      expect(ranks.get(3 + local)).toEqual({
        RANK: String(3 + local), LOCAL_RANK: String(local), WORLD_SIZE: '6', LOCAL_WORLD_SIZE: '3', GROUP_RANK: '1',
        MASTER_ADDR: '10.1.2.3', MASTER_PORT: '4567', args: ['a', '--b'],
      });
    }
    expect(out.stderr).toContain('setting OMP_NUM_THREADS=1 in each of the 3 processes');
  });

  it('keeps stdout and stderr apart, line by line, including a last line without a newline', async () => {
    const file = script('streams.js', `process.stdout.write('one\\ntw'); setTimeout(() => { process.stdout.write('o\\nthree'); process.stderr.write('é\\n'); }, 20);\n`);
    const out = await run(['--nproc-per-node', '2', file]);
    expect(out.code).toBe(0);
    for (const rank of [0, 1]) {
      expect(out.stdout.split('\n').filter((l) => l.startsWith(`[rank${rank}]`))).toEqual([`[rank${rank}]: one`, `[rank${rank}]: two`, `[rank${rank}]: three`]);
      expect(out.stderr).toContain(`[rank${rank}]: é\n`);
    }
  });

  it('--standalone picks a free port on 127.0.0.1', async () => {
    const out = await run(['--standalone', '--nproc_per_node=2', PRINT_ENV]);
    expect(out.code).toBe(0);
    const [r0, r1] = [byRank(out.stdout).get(0), byRank(out.stdout).get(1)];
    expect(r0.MASTER_ADDR).toBe('127.0.0.1');
    expect(r0.MASTER_PORT).toBe(r1.MASTER_PORT);
    expect(Number(r0.MASTER_PORT)).not.toBe(29500);
    expect(Number(r0.MASTER_PORT)).toBeGreaterThan(0);
  });

  it('when one rank fails, stops the others at once and exits 1 naming the rank and its exit code', async () => {
    const file = script('fail.js', `
      console.log(JSON.stringify({ pid: process.pid }));
      if (process.env.RANK === '1') setTimeout(() => process.exit(3), 100);
      else setInterval(() => {}, 1000); // would run forever
    `);
    const out = await run(['--nproc-per-node', '3', file]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('torchnode run: rank 1 (local rank 1 on node 0) failed with exit code 3; stopped the other 2 processes of this node.');
    expect(out.ms).toBeLessThan(15_000); // not the 30 s SIGKILL grace: SIGTERM ends them
    for (const { pid } of byRank(out.stdout).values()) expect(alive(pid)).toBe(false);
  });

  it('names the signal that killed a rank, and SIGKILLs a rank that ignores SIGTERM after --shutdown-timeout', async () => {
    // Rank 0 crashes only once rank 1 has its SIGTERM handler: under ASan, rank 1 could still be
    // starting 100 ms after rank 0, and then SIGTERM ended it before it could ignore anything.
    const ready = join(dir, 'signal-rank1.ready');
    const file = script('signal.js', `
      const fs = require('node:fs');
      process.on('SIGTERM', () => console.log(JSON.stringify({ ignored: 'SIGTERM' })));
      console.log(JSON.stringify({ pid: process.pid }));
      if (process.env.RANK === '0') {
        const crash = () => (fs.existsSync(${JSON.stringify(ready)}) ? process.kill(process.pid, 'SIGSEGV') : setTimeout(crash, 20));
        crash();
      } else {
        fs.writeFileSync(${JSON.stringify(ready)}, '');
        setInterval(() => {}, 1000);
      }
    `);
    const out = await run(['--nproc-per-node', '2', '--shutdown-timeout', '0.5', file]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('torchnode run: rank 0 (local rank 0 on node 0) was killed by signal SIGSEGV; stopped the other process of this node.');
    expect(out.stdout).toContain('[rank1]: {"ignored":"SIGTERM"}');
    expect(out.ms).toBeLessThan(15_000);
  });

  it('--no-python runs an executable, and says so when it cannot start one', async () => {
    const ok = await run(['--no-python', '--nproc-per-node', '2', 'sh', '-c', 'echo "rank $RANK of $WORLD_SIZE"']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n').sort()).toEqual(['', '[rank0]: rank 0 of 2', '[rank1]: rank 1 of 2']);
    const missing = await run(['--no-python', join(dir, 'no-such-program')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`torchnode run: rank 0 (local rank 0 on node 0) could not start: spawn ${join(dir, 'no-such-program')} ENOENT.`);
  });

  it('runs a .ts script through tsx', async () => {
    const file = script('typed.ts', `const rank: number = Number(process.env.RANK);\nconsole.log(JSON.stringify({ typed: rank * 10 }));\n`);
    const out = await run(['--nnodes', '2', '--node-rank', '1', file]);
    expect(out.code).toBe(0);
    expect(byRank(out.stdout)).toEqual(new Map([[1, { typed: 10 }]]));
  });

  it('passes SIGTERM on to every rank, SIGKILLs them on a second one, and exits 128 + 15 (launcher in its own process)', async () => {
    const file = script('trap.js', `
      process.on('SIGTERM', () => console.log(JSON.stringify({ got: 'SIGTERM', pid: process.pid }))); // and keeps running
      console.log(JSON.stringify({ ready: process.pid }));
      setInterval(() => {}, 1000);
    `);
    const launcher = spawn(process.execPath, ['--import', 'tsx', '-e', "require('./lib/cli/main').main(process.argv.slice(1)).then((c) => process.exit(c))", 'run', '--nproc-per-node', '2', file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signals = 0;
    launcher.stderr.on('data', (d) => (stderr += d));
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      launcher.stdout.on('data', (d) => {
        stdout += d;
        // the first SIGTERM once both ranks run; the second once both have seen the first
        if (signals === 0 && (stdout.match(/ready/g) ?? []).length === 2) signals += Number(launcher.kill('SIGTERM'));
        if (signals === 1 && (stdout.match(/"got"/g) ?? []).length === 2) signals += Number(launcher.kill('SIGTERM'));
      });
      launcher.on('close', (c) => resolve(c)); // 'exit' can come before the last output
    });
    expect(code).toBe(143);
    const ranks = byRank(stdout.split('\n').filter((l) => l.includes('"got"')).join('\n'));
    expect([...ranks.keys()].sort()).toEqual([0, 1]);
    for (const { pid } of ranks.values()) expect(alive(pid)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(20_000); // not the 30 s shutdown timeout
    expect(stderr).toContain('torchnode run: got SIGTERM: passing it on to the 2 running processes');
    expect(stderr).toContain('torchnode run: stopped by SIGTERM');
  });
});

// Two network namespaces stand in for two hosts; root (or CAP_NET_ADMIN + CAP_SYS_ADMIN) makes them.
function namespacesRefused(): string | null {
  try {
    execFileSync('bash', [join(ROOT, 'scripts/netns.sh'), 'check'], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e).trim();
  }
}
const refused = namespacesRefused();
if (refused) console.log(`skipping the two-host launcher test: ${refused}`);

describe('torchnode run: two nodes in two network namespaces', () => {
  const netns = { ...process.env, NETNS_PREFIX: `tnl${process.pid % 100000}` };
  const netnsScript = join(ROOT, 'scripts/netns.sh');
  afterAll(() => {
    if (!refused) execFileSync('bash', [netnsScript, 'down'], { env: netns, stdio: 'pipe' });
  });

  const title = '--nnodes 2: ranks on node 1 reach rank 0 at MASTER_ADDR across the veth';
  it.skipIf(refused)(refused ? `${title} (skipped: ${refused})` : title, async () => {
    execFileSync('bash', [netnsScript, 'up'], { env: netns, stdio: 'pipe' });
    // A miniature store: rank 0 listens on MASTER_ADDR:MASTER_PORT and collects every other
    // rank's environment; the others connect (retrying until it listens) and send theirs.
    const file = script('meet.js', `
      const net = require('node:net');
      const me = { rank: +process.env.RANK, local: +process.env.LOCAL_RANK, group: +process.env.GROUP_RANK, world: +process.env.WORLD_SIZE, local_world: +process.env.LOCAL_WORLD_SIZE };
      const [host, port] = [process.env.MASTER_ADDR, +process.env.MASTER_PORT];
      if (me.rank === 0) {
        const seen = [me];
        const server = net.createServer((s) => s.on('data', (d) => {
          seen.push(JSON.parse(String(d)));
          s.end('ok');
          if (seen.length === me.world) { console.log(JSON.stringify(seen.sort((a, b) => a.rank - b.rank))); server.close(); }
        }));
        server.listen(port, host);
      } else {
        const attempt = () => {
          const s = net.connect(port, host, () => s.write(JSON.stringify(me)));
          s.on('data', () => { console.log(JSON.stringify({ acked: me.rank })); s.end(); });
          s.on('error', () => setTimeout(attempt, 50));
        };
        attempt();
      }
      setTimeout(() => { console.error('no meeting within 20 s'); process.exit(1); }, 20000).unref();
    `);
    const node = (rank: number) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const args = ['exec', String(rank), process.execPath, '--import', 'tsx', '-e', "require('./lib/cli/main').main(process.argv.slice(1)).then((c) => process.exit(c))",
          'run', '--nnodes', '2', '--node-rank', String(rank), '--nproc-per-node', '2', '--master-addr', '10.77.0.1', '--master-port', '29531', file];
        const p = spawn('bash', [netnsScript, ...args], { cwd: ROOT, env: netns, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const [n0, n1] = await Promise.all([node(0), node(1)]);
    expect(n0.code, n0.stderr).toBe(0);
    expect(n1.code, n1.stderr).toBe(0);
    const everyone = byRank(n0.stdout).get(0);
    expect(everyone).toEqual([0, 1, 2, 3].map((rank) => ({ rank, local: rank % 2, group: rank >> 1, world: 4, local_world: 2 })));
    expect(byRank(n0.stdout).get(1)).toEqual({ acked: 1 });
    expect(byRank(n1.stdout)).toEqual(new Map([[2, { acked: 2 }], [3, { acked: 3 }]]));
  });
});
