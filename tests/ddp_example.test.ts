// examples/ddp.ts end to end under the launcher: two ranks train the chapter's CNN with
// DistributedDataParallel on a slice of Fashion-MNIST; rank 0's accuracy is the accuracy of the
// checkpoint it writes (loaded into a plain CNN here), and the run matches its PyTorch twin
// (scripts/ddp_cnn.py under torchrun, same LibTorch). Faults: a rank killed mid-training makes
// the survivor fail with an error (not hang) and the launcher exit non-zero. Across machines:
// one rank in each of two network namespaces (scripts/netns.sh) with --nnodes 2.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive } from './dist_procs';
import * as torch from '../lib/index';
import { CNN } from '../examples/models';
import { freePort } from '../lib/cli/run';
import { loadSplit } from '../examples/train';

const ROOT = path.join(__dirname, '..');
const DATA = '/usr/share/datasets/fashion-mnist';
const EXAMPLE = path.join(ROOT, 'examples', 'ddp.ts');
const LAUNCHER = ['--import', 'tsx', '-e', "require('./lib/cli/main').main(process.argv.slice(1)).then((c) => process.exit(c))", 'run'];
const SLOW = 180_000;
const dir = mkdtempSync(path.join(tmpdir(), 'torchnode-ddp-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ended { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }

/** A run that outlives this is stopped (its process group: SIGTERM, then SIGKILL), so a hang fails the test instead of the suite. */
const RUN_LIMIT_MS = 150_000;

/** Starts a command in the repository; `ended` resolves once it has exited and closed its output. */
function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stdout: () => string; ended: Promise<Ended> } {
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, TORCHNODE_PROGRESS_SECONDS: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const limit = setTimeout(() => {
    stderr += `\n(stopped by the test after ${RUN_LIMIT_MS} ms)\n`;
    signalGroup('SIGTERM');
    setTimeout(() => signalGroup('SIGKILL'), 5000).unref();
  }, RUN_LIMIT_MS);
  const ended = new Promise<Ended>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    }),
  );
  return { child, stdout: () => stdout, ended };
}

/** What rank 0 wrote into --out: the results and the checkpoint's path. */
function results(out: string): { json: any; checkpoint: string } {
  return { json: JSON.parse(readFileSync(path.join(out, 'ddp.json'), 'utf8')), checkpoint: path.join(out, 'ddp.pt') };
}

/** Accuracy of a plain CNN holding the checkpoint's weights, on the first `limit` test images. */
function checkpointAccuracy(checkpoint: string, limit: number): number {
  return torch.tidy(() => {
    const model = new CNN(1, 64 * 7 * 7);
    const state = torch.load(checkpoint);
    const keys = state instanceof Map ? [...state.keys()] : Object.keys(state as object);
    expect(keys.sort()).toEqual(Object.keys(model.state_dict()).sort()); // no 'module.' prefix
    model.load_state_dict(state);
    model.eval();
    const [x, y] = loadSplit(DATA, false, 'cpu', limit);
    const correct = torch.no_grad(() => model.forward(x).argmax(1).eq(y).sum().item() as number);
    x.dispose();
    y.dispose();
    return correct / limit;
  });
}

// 2 epochs of 10 steps per rank, gradients of 2 steps added up locally (ddp.no_sync) per update.
const QUICK = ['--epochs', '2', '--batch-size', '32', '--limit', '640', '--seed', '3', '--accumulate', '2'];
let quickRun: Promise<{ out: string; run: Ended }> | undefined;
/** The quick 2-rank run on loopback, started once for the tests that look at it. */
function quick(): Promise<{ out: string; run: Ended }> {
  const out = path.join(dir, 'quick');
  quickRun ??= start(process.execPath, [...LAUNCHER, '--standalone', '--nproc-per-node', '2', EXAMPLE, ...QUICK, '--out', out]).ended.then((run) => ({ out, run }));
  return quickRun;
}

describe('examples/ddp.ts on 2 ranks', () => {
  it('trains, reports loss and accuracy from rank 0, and saves a checkpoint a plain CNN loads', async () => {
    expect(existsSync(`${DATA}/train-images-idx3-ubyte.gz`), `${DATA} is missing: run scripts/setup.sh`).toBe(true);
    const { out, run: r } = await quick();
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    // Only rank 0 prints; 640 images shared by 2 ranks of batch 32: 10 steps per epoch
    expect(lines.every((l) => l.startsWith('[rank0]: ')), r.stdout).toBe(true);
    expect(lines).toContain("[rank0]: ddp: the chapter's CNN on 2 processes (gloo), DistributedDataParallel");
    expect(r.stdout).toContain('640 training and 640 test images; 2 epochs of 10 steps, batch 32 per process (64 per step, 2 steps per update), lr 0.05, seed 3, 1 thread(s) per process');
    expect(r.stdout).toMatch(/\[rank0\]: epoch 1\/2  100% 640\/640  loss \d\.\d{4}  [\d,]+ img\/s/);
    const { json, checkpoint } = results(out);
    expect(json.world_size).toBe(2);
    expect(json.libtorch).toBe(torch.version.libtorch); // the ranks load the addon this test does (TORCHNODE_ADDON)
    expect(json.epochs).toHaveLength(2);
    const [e1, e2] = json.epochs;
    expect(e2.train_loss).toBeLessThan(e1.train_loss); // it learns
    for (const e of json.epochs) {
      expect(r.stdout).toContain(`epoch ${e.epoch}/2  train loss ${e.train_loss.toFixed(4)}  train acc ${(e.train_accuracy * 100).toFixed(2)}%  test acc ${(e.test_accuracy * 100).toFixed(2)}%`);
    }
    expect(e2.test_accuracy).toBeGreaterThan(0.3); // 10 classes: chance is 0.1
    // The accuracy rank 0 reported (test split evaluated in shares, counts summed) is that of the
    // weights it saved, evaluated here in one piece.
    expect(checkpointAccuracy(checkpoint, 640)).toBeCloseTo(e2.test_accuracy, 10);
    expect(readdirSync(out).sort()).toEqual(['ddp.json', 'ddp.pt']); // nothing partial left behind
  }, SLOW);

  it('trains like its PyTorch twin under torchrun (same losses and accuracies)', async () => {
    const python = process.env.TORCHNODE_ORACLE_PYTHON || '/usr/bin/python3';
    const version = execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
    // Debian's torchrun 1.13 on Python 3.11 cannot parse its own default --redirects 0 (Std.from_str gives None)
    const workaround = version.startsWith('1.') ? ['--redirects', '1', '--tee', '1'] : [];
    const { out: ours, run: a } = await quick();
    const theirs = path.join(dir, 'twin-pytorch');
    // --monitor_interval: torchrun notices its ranks' exit sooner than its 5 s default
    const b = await start(python, ['-m', 'torch.distributed.run', '--standalone', '--monitor_interval', '0.5', '--nproc_per_node', '2', ...workaround,
      'scripts/ddp_cnn.py', ...QUICK, '--out', theirs]).ended;
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [x, y] = [results(ours).json, results(theirs).json];
    expect(y.world_size).toBe(2);
    // Same seed, same initial weights, same sampler indices, same gradients averaged: the
    // same numbers, up to float32 rounding in a different order.
    for (const [ex, ey] of x.epochs.map((e: any, i: number) => [e, y.epochs[i]])) {
      expect(Math.abs(ex.train_loss - ey.train_loss) / ey.train_loss).toBeLessThan(1e-4);
      expect(Math.abs(ex.train_accuracy - ey.train_accuracy)).toBeLessThanOrEqual(2 / 640);
      expect(Math.abs(ex.test_accuracy - ey.test_accuracy)).toBeLessThanOrEqual(2 / 640);
    }
    // The PyTorch checkpoint loads into torchnode's CNN and scores what PyTorch reported.
    expect(checkpointAccuracy(results(theirs).checkpoint, 640)).toBeCloseTo(y.epochs[1].test_accuracy, 10);
  }, SLOW);
});

/** The pids of a launcher's rank processes, by rank (read from their environment). */
function rankPids(launcherPid: number): Map<number, number> {
  const pids = new Map<number, number>();
  let children: string[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(launcherPid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // none yet
  }
  for (const pid of children) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const rank = env.find((e) => e.startsWith('RANK='));
      if (rank) pids.set(Number(rank.slice(5)), Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Resolves once `text()` matches, or rejects after `ms`. */
async function until(text: () => string, pattern: RegExp, ms: number): Promise<void> {
  const t0 = performance.now();
  while (!pattern.test(text())) {
    if (performance.now() - t0 > ms) throw new Error(`no ${pattern} within ${ms} ms; output so far:\n${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// 3 epochs of 200 steps per rank: the kill lands after the first 10% of the first epoch.
const LONG = ['--epochs', '3', '--batch-size', '16', '--limit', '6400', '--timeout', '60'];

describe('examples/ddp.ts: a rank killed mid-training', () => {
  it('under the launcher: the launcher stops the survivor and exits 1 naming the killed rank', async () => {
    const run = start(process.execPath, [...LAUNCHER, '--nproc-per-node', '2', '--master-port', String(await freePort()), EXAMPLE, ...LONG, '--out', path.join(dir, 'killed')]);
    await until(run.stdout, /\[rank0\]: epoch 1\/3  \d+% /, 90_000); // training is under way
    const pids = rankPids(run.child.pid!);
    expect([...pids.keys()].sort()).toEqual([0, 1]);
    process.kill(pids.get(1)!, 'SIGKILL');
    const killedAt = performance.now();
    const r = await run.ended;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('torchnode run: rank 1 (local rank 1 on node 0) was killed by signal SIGKILL; stopped the other process of this node.');
    expect(performance.now() - killedAt).toBeLessThan(20_000);
    expect(alive(pids.get(0)!)).toBe(false);
    expect(existsSync(path.join(dir, 'killed', 'ddp.pt'))).toBe(false);
  }, SLOW);

  it('without the launcher: the surviving rank fails with an error well within the process-group timeout', async () => {
    // The ranks started by hand, as the launcher would, so that nothing stops the survivor but its own error.
    const port = String(await freePort());
    const rank = (r: number) => start(process.execPath, ['--import', 'tsx', EXAMPLE, ...LONG, '--out', path.join(dir, 'survivor')], {
      RANK: String(r), LOCAL_RANK: String(r), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, OMP_NUM_THREADS: '1',
    });
    const [r0, r1] = [rank(0), rank(1)];
    await until(r0.stdout, /epoch 1\/3  \d+% /, 90_000);
    r1.child.kill('SIGKILL');
    const killedAt = performance.now();
    const [e0, e1] = await Promise.all([r0.ended, r1.ended]);
    expect(e1.signal).toBe('SIGKILL');
    expect(e0.code).toBe(1);
    expect(performance.now() - killedAt).toBeLessThan(20_000); // the timeout is 60 s: the peer's death is noticed, not waited out
    // one clear line from the example: which rank failed, gloo's reason, and what it means
    expect(e0.stderr, e0.stderr).toMatch(/^ddp: rank 0 of 2 failed: .*(Connection reset by peer|Connection closed by peer|Broken pipe).* \(another rank has stopped: its own output says why\)$/m);
  }, SLOW);
});

// Two network namespaces stand in for two hosts (scripts/netns.sh); root or CAP_NET_ADMIN + CAP_SYS_ADMIN makes them.
function namespacesRefused(): string | null {
  try {
    execFileSync('bash', [path.join(ROOT, 'scripts/netns.sh'), 'check'], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e).trim();
  }
}
const refused = namespacesRefused();
if (refused) console.log(`skipping the two-host DDP example test: ${refused}`);

describe('examples/ddp.ts across two network namespaces', () => {
  const prefix = `tnd${process.pid % 100000}`;
  const netns = { ...process.env, NETNS_PREFIX: prefix, NETNS_SUBNET: '10.78.0' };
  const netnsScript = path.join(ROOT, 'scripts/netns.sh');
  afterAll(() => {
    if (!refused) execFileSync('bash', [netnsScript, 'down'], { env: netns, stdio: 'pipe' });
  });

  const title = '--nnodes 2: one rank per "host", meeting at node 0\'s address over the veth';
  it.skipIf(refused)(refused ? `${title} (skipped: ${refused})` : title, async () => {
    execFileSync('bash', [netnsScript, 'up'], { env: netns, stdio: 'pipe' });
    const out = path.join(dir, 'netns');
    const node = (n: number) =>
      start('bash', [netnsScript, 'exec', String(n), process.execPath, ...LAUNCHER, '--nnodes', '2', '--node-rank', String(n), '--nproc-per-node', '1',
        '--master-addr', '10.78.0.1', '--master-port', '29541', EXAMPLE, ...QUICK, '--out', out], {
        ...netns,
        // gloo's own connections go over the veth (each namespace's end), as GLOO_SOCKET_IFNAME picks on real hosts
        GLOO_SOCKET_IFNAME: `${prefix}${n}v`,
      }).ended;
    const [n0, n1] = await Promise.all([node(0), node(1)]);
    expect(n0.code, n0.stderr).toBe(0);
    expect(n1.code, n1.stderr).toBe(0);
    expect(n0.stdout).toContain("[rank0]: ddp: the chapter's CNN on 2 processes (gloo), DistributedDataParallel");
    expect(n1.stdout).toBe(''); // rank 1 trains quietly
    const { json, checkpoint } = results(out);
    expect(json.world_size).toBe(2);
    expect(checkpointAccuracy(checkpoint, 640)).toBeCloseTo(json.epochs[1].test_accuracy, 10);
  }, SLOW);
});
