// `npx torchnode run`: torchrun for torchnode. Starts --nproc-per-node copies of a script on this
// node with the environment torch.distributed's env:// initialization reads (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT, ...), prefixes every line they print with their rank, forwards the
// signals it gets, and when one rank fails stops the others and exits non-zero.
//
// Only a static rendezvous, as torchrun's default (--rdzv-backend static): every node is told the
// node count and its own rank, and the ranks meet at MASTER_ADDR:MASTER_PORT, where global rank 0
// hosts the TCPStore. It imports nothing that loads LibTorch, so it starts at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, constants as osConstants } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const PREFIX = 'torchnode run:';

export const RUN_USAGE = `Usage: npx torchnode run [options] script [script args...]
Starts the script on each of nproc-per-node processes of this node, as torchrun does, with RANK,
LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and MASTER_PORT set for
torch.distributed.init_process_group's env:// method. A .ts script runs through tsx, a .js with node.

  --nproc-per-node N   processes on this node: a number, or 'cpu' for one per core (default 1)
  --nnodes M           nodes taking part, each started with its own --node-rank (default 1)
  --node-rank K        this node's rank, 0 to M-1; its processes get ranks K*N to K*N+N-1 (default 0)
  --master-addr A      address of node 0, where rank 0 listens (default 127.0.0.1)
  --master-port P      port rank 0 listens on (default 29500)
  --standalone         a single node on a free port of 127.0.0.1 (no --master-addr/--master-port)
  --no-python          run the script as an executable instead of with node (torchrun's name)
  --shutdown-timeout S seconds the other ranks get to exit after SIGTERM before SIGKILL (default 30)
  -h, --help           this text

Every line a process prints comes out prefixed with its rank ("[rank1]: ..."). When a process
fails, the others are stopped and the command exits with 1, naming the rank and how it ended.
Options also read torchrun's PET_<NAME> environment variables (PET_NPROC_PER_NODE=4).
Each option may be spelled with '-' or '_' (--nproc_per_node), and take its value after '='.`;

/** What `torchnode run` starts: parsed from its command line. */
export interface LaunchConfig {
  nproc_per_node: number;
  nnodes: number;
  node_rank: number;
  master_addr: string;
  /** undefined with --standalone until a free port is picked. */
  master_port: number | undefined;
  standalone: boolean;
  no_python: boolean;
  shutdown_timeout: number;
  script: string;
  script_args: string[];
}

type OptionName = 'nproc_per_node' | 'nnodes' | 'node_rank' | 'master_addr' | 'master_port' | 'standalone' | 'no_python' | 'shutdown_timeout' | 'help';
const FLAGS = new Set<OptionName>(['standalone', 'no_python', 'help']);
const OPTIONS = new Set<OptionName>(['nproc_per_node', 'nnodes', 'node_rank', 'master_addr', 'master_port', 'standalone', 'no_python', 'shutdown_timeout', 'help']);

function usageError(message: string): Error {
  return new Error(`${PREFIX} ${message} (see npx torchnode run --help)`);
}

function optionName(arg: string): OptionName {
  if (arg === '-h') return 'help';
  const name = arg.replace(/^--/, '').replace(/-/g, '_') as OptionName;
  if (!arg.startsWith('--') || !OPTIONS.has(name)) throw usageError(`unknown option '${arg}'`);
  return name;
}

function integer(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw usageError(`--${name.replace(/_/g, '-')} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got '${text}'`);
  }
  return value;
}

function seconds(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw usageError(`--${name.replace(/_/g, '-')} must be a number of seconds, got '${text}'`);
  return value;
}

/** torchrun's --nnodes: "M", or "MIN:MAX", which only an elastic rendezvous can honour. */
function parseNnodes(text: string): number {
  const parts = text.split(':');
  if (parts.length > 2) throw usageError(`--nnodes must be M or MIN:MAX, got '${text}'`);
  const [min, max] = parts.map((p) => integer('nnodes', p, 1));
  if (max !== undefined && max !== min) {
    throw usageError(`--nnodes ${text}: a range of nodes needs an elastic rendezvous, which torchnode run does not have; give a fixed number`);
  }
  return min;
}

function parseNproc(text: string): number {
  if (text === 'cpu') return availableParallelism();
  if (text === 'gpu' || text === 'auto' || text === 'xpu') {
    throw usageError(`--nproc-per-node ${text}: the launcher does not load LibTorch to count devices; give the number of processes`);
  }
  return integer('nproc_per_node', text, 1);
}

/** Parses `torchnode run`'s arguments; 'help' when they ask for the usage. */
export function parseRunArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LaunchConfig | 'help' {
  const given = new Map<OptionName, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break; // the script: everything after it is its own
    const eq = arg.indexOf('=');
    const name = optionName(eq < 0 ? arg : arg.slice(0, eq));
    if (FLAGS.has(name)) {
      if (eq >= 0) throw usageError(`${arg.slice(0, eq)} takes no value`);
      given.set(name, '1');
    } else if (eq >= 0) {
      given.set(name, arg.slice(eq + 1));
    } else {
      if (i + 1 >= argv.length) throw usageError(`${arg} needs a value`);
      given.set(name, argv[++i]);
    }
  }
  if (given.has('help')) return 'help';
  // torchrun's `env` action: an option not on the command line comes from PET_<NAME>.
  const value = (name: OptionName): string | undefined => given.get(name) ?? env[`PET_${name.toUpperCase()}`];
  const script = argv[i];
  if (script === undefined) throw usageError('no script to run');

  const nnodes = parseNnodes(value('nnodes') ?? '1');
  const standalone = (value('standalone') ?? '0') !== '0';
  if (standalone && nnodes !== 1) throw usageError(`--standalone runs a single node, but --nnodes is ${nnodes}`);
  const port = value('master_port');
  return {
    nproc_per_node: parseNproc(value('nproc_per_node') ?? '1'),
    nnodes,
    node_rank: integer('node_rank', value('node_rank') ?? '0', 0, nnodes - 1),
    // torchrun ignores the master address and port with --standalone: it picks its own.
    master_addr: standalone ? '127.0.0.1' : (value('master_addr') ?? '127.0.0.1'),
    master_port: standalone ? undefined : port === undefined ? 29500 : integer('master_port', port, 1, 65535),
    standalone,
    no_python: (value('no_python') ?? '0') !== '0',
    shutdown_timeout: seconds('shutdown_timeout', value('shutdown_timeout') ?? '30'),
    script,
    script_args: argv.slice(i + 1),
  };
}

/** A port nobody listens on now (the kernel's pick), for --standalone. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** tsx's ESM loader (for `node --import`), found from the script, the working folder, or torchnode. */
function tsxLoader(script: string): string {
  for (const from of [dirname(script), process.cwd(), __dirname]) {
    try {
      return pathToFileURL(createRequire(join(from, 'noop.js')).resolve('tsx')).href;
    } catch {
      // not installed there: try the next place
    }
  }
  throw new Error(`${PREFIX} ${script} is TypeScript, which runs through tsx: install it (npm install --save-dev tsx), or run the compiled .js`);
}

/** The command line that runs the script: node, node with tsx, or the script itself. */
export function scriptCommand(config: Pick<LaunchConfig, 'script' | 'script_args' | 'no_python'>): string[] {
  if (config.no_python) return [config.script, ...config.script_args];
  const script = resolve(config.script);
  if (!existsSync(script)) throw new Error(`${PREFIX} no such script: ${config.script}`);
  const node = process.execPath;
  if (TYPESCRIPT.has(extname(script))) return [node, '--import', tsxLoader(script), script, ...config.script_args];
  return [node, script, ...config.script_args];
}

/** The environment of one process, as torchrun's local agent sets it. */
export function rankEnv(config: LaunchConfig, local_rank: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const n = config.nproc_per_node;
  const world = n * config.nnodes;
  const rank = config.node_rank * n + local_rank;
  return {
    ...base,
    RANK: String(rank),
    LOCAL_RANK: String(local_rank),
    WORLD_SIZE: String(world),
    LOCAL_WORLD_SIZE: String(n),
    GROUP_RANK: String(config.node_rank),
    GROUP_WORLD_SIZE: String(config.nnodes),
    ROLE_NAME: 'default',
    ROLE_RANK: String(rank),
    ROLE_WORLD_SIZE: String(world),
    MASTER_ADDR: config.master_addr,
    MASTER_PORT: String(config.master_port),
    TORCHELASTIC_RESTART_COUNT: '0',
    TORCHELASTIC_MAX_RESTARTS: '0',
    TORCHELASTIC_RUN_ID: 'none',
    TORCH_NCCL_ASYNC_ERROR_HANDLING: base.TORCH_NCCL_ASYNC_ERROR_HANDLING ?? '1',
  };
}

/** Writes what a stream carries to `out` line by line, each line behind `prefix`. */
function prefixLines(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WritableStream): void {
  let pending = '';
  stream.setEncoding('utf8'); // keeps a multi-byte character split across chunks whole
  stream.on('data', (chunk: string) => {
    const text = pending + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      pending = text;
      return;
    }
    pending = text.slice(end + 1);
    out.write(text.slice(0, end).split('\n').map((line) => `${prefix}${line}\n`).join(''));
  });
  stream.on('end', () => {
    if (pending) out.write(`${prefix}${pending}\n`);
    pending = '';
  });
}

interface Rank {
  rank: number;
  local_rank: number;
  child: ChildProcess;
  exited: boolean;
  /** resolves once the process has exited and its output has been written out. */
  done: Promise<void>;
}

function describeEnd(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by signal ${signal}` : `failed with exit code ${code}`;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export interface LaunchIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Starts the processes of one node and waits for them: 0 when all exit with 0; 1 when one fails
 * (the others are sent SIGTERM, then SIGKILL after shutdown_timeout); 128 + the signal's number
 * when the launcher itself is interrupted (the signal goes on to every process).
 */
export async function launch(config: LaunchConfig, io: LaunchIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const note = (text: string) => io.stderr.write(`${PREFIX} ${text}\n`);
  const master_port = config.master_port ?? (await freePort(config.master_addr));
  const resolved: LaunchConfig = { ...config, master_port };
  const command = scriptCommand(resolved);
  const base = { ...process.env };
  if (base.OMP_NUM_THREADS === undefined && resolved.nproc_per_node > 1) {
    // torchrun's default too: N processes each with one thread per core would oversubscribe.
    base.OMP_NUM_THREADS = '1';
    note(`setting OMP_NUM_THREADS=1 in each of the ${resolved.nproc_per_node} processes so they do not overload the machine; set it to tune.`);
  }

  let failure: string | undefined;
  let interrupted: NodeJS.Signals | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const ranks: Rank[] = [];

  // Each process leads its own process group (torchrun's start_new_session), so a signal
  // reaches the processes it started too, and a terminal's Ctrl-C reaches them once, through us.
  const signalAll = (signal: NodeJS.Signals) => {
    for (const r of ranks) {
      if (r.exited || r.child.pid === undefined) continue;
      try {
        process.kill(-r.child.pid, signal);
      } catch {
        // exited between the check and the kill
      }
    }
  };
  const stopAll = (signal: NodeJS.Signals) => {
    signalAll(signal);
    if (!killTimer) {
      killTimer = setTimeout(() => signalAll('SIGKILL'), resolved.shutdown_timeout * 1000);
      killTimer.unref();
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return signalAll('SIGKILL'); // a second Ctrl-C: no more waiting
    interrupted = signal;
    note(`got ${signal}: passing it on to the ${ranks.filter((r) => !r.exited).length} running processes`);
    stopAll(signal);
  };
  const killOnExit = () => signalAll('SIGKILL');
  for (const s of FORWARDED) process.on(s, onSignal);
  process.on('exit', killOnExit);

  try {
    for (let local_rank = 0; local_rank < resolved.nproc_per_node; local_rank++) {
      const env = rankEnv(resolved, local_rank, base);
      const rank = Number(env.RANK);
      const child = spawn(command[0], command.slice(1), { env, stdio: ['inherit', 'pipe', 'pipe'], detached: true });
      const entry: Rank = { rank, local_rank, child, exited: false, done: Promise.resolve() };
      prefixLines(child.stdout!, `[rank${rank}]: `, io.stdout);
      prefixLines(child.stderr!, `[rank${rank}]: `, io.stderr);
      const ended = (code: number | null, signal: NodeJS.Signals | null, why?: string) => {
        if (entry.exited) return;
        entry.exited = true;
        if ((code !== 0 || signal) && !failure && !interrupted) {
          failure = `rank ${rank} (local rank ${local_rank} on node ${resolved.node_rank}) ${why ?? describeEnd(code, signal)}`;
          stopAll('SIGTERM');
        }
      };
      entry.done = new Promise<void>((done) => {
        child.on('error', (e) => {
          ended(null, null, `could not start: ${e.message}`);
          done();
        });
        child.on('exit', (code, signal) => ended(code, signal));
        child.on('close', (code, signal) => {
          ended(code, signal);
          done();
        });
      });
      ranks.push(entry);
    }
    await Promise.all(ranks.map((r) => r.done));
  } finally {
    if (killTimer) clearTimeout(killTimer);
    for (const s of FORWARDED) process.off(s, onSignal);
    process.off('exit', killOnExit);
  }

  if (failure) {
    const n = ranks.length - 1;
    const others = n === 0 ? '' : n === 1 ? '; stopped the other process of this node' : `; stopped the other ${n} processes of this node`;
    note(`${failure}${others}.`);
    return 1;
  }
  if (interrupted) {
    note(`stopped by ${interrupted}`);
    return 128 + (osConstants.signals[interrupted] ?? 0);
  }
  return 0;
}

/** `npx torchnode run ...`: parses the arguments, then launches. */
export async function runLauncher(argv: readonly string[], io?: LaunchIO): Promise<number> {
  const config = parseRunArgs(argv);
  if (config === 'help') {
    (io?.stdout ?? process.stdout).write(`${RUN_USAGE}\n`);
    return 0;
  }
  return launch(config, io);
}
