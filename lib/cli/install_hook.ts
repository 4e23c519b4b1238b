// npm's install hook (scripts/install.js). With a prebuilt addon for the LibTorch found, there
// is nothing to do. With a LibTorch but no prebuild for it, or with --build-from-source, it
// builds with cmake-js against that LibTorch, and a failed build fails the install with the
// reason. With no LibTorch at all, the install succeeds (so `npx torchnode install-libtorch`
// can run next) and says so; the reason is recorded for the first load's error message.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planLoad } from '../loader/load';
import { INSTALL_RECORD } from '../loader/remedies';
import { packageRoot } from '../loader/package_root';
import type { LibTorchInstall } from '../loader/libtorch_install';

// npm runs a dependency's install script with its output hidden unless --foreground-scripts;
// what the user must see also goes to the terminal itself.
function tell(line: string): void {
  process.stderr.write(line + '\n');
  if (process.platform === 'win32' || process.stderr.isTTY) return;
  try {
    fs.writeFileSync('/dev/tty', line + '\n');
  } catch {
    // no terminal (CI): stderr is all there is
  }
}

function record(root: string, ok: boolean, message: string): void {
  fs.writeFileSync(path.join(root, INSTALL_RECORD), JSON.stringify({ ok, message, time: new Date().toISOString() }, null, 2) + '\n');
}

/** The environment that makes CMake (cmake/FindLibTorchLocation.cmake) build against this LibTorch. */
function buildEnv(libtorch: LibTorchInstall): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.LIBTORCH;
  delete env.TORCHNODE_PYTHON;
  const prefix = path.dirname(libtorch.libDir);
  const hasConfig = ['share/cmake/Torch', 'lib/cmake/Torch'].some((d) => fs.existsSync(path.join(prefix, d, 'TorchConfig.cmake')));
  if (hasConfig) env.LIBTORCH = prefix; // a zip, a Python torch package or the cache; else the system's
  return env;
}

// Runs cmake-js (ours in a checkout, else fetched by npm exec: a prebuilt install never needs
// it) with its output shown and its last lines kept for the error.
function build(root: string, env: NodeJS.ProcessEnv): Promise<{ code: number; tail: string }> {
  const local = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'cmake-js.cmd' : 'cmake-js');
  const [cmd, args] = fs.existsSync(local)
    ? [local, ['compile', '--log-level', 'warn']]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', ['exec', '--yes', '--package=cmake-js@^8.0.0', '--', 'cmake-js', 'compile', '--log-level', 'warn']];
  return new Promise((resolve) => {
    let tail = '';
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    const keep = (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const started = Date.now();
    const beat = setInterval(() => tell(`torchnode: still building (${Math.round((Date.now() - started) / 1000)} s)...`), 30000);
    child.on('error', (e) => keep(Buffer.from(`${cmd}: ${e.message}\n`)));
    child.on('close', (code) => {
      clearInterval(beat);
      resolve({ code: code ?? 1, tail });
    });
  });
}

/**
 * The npm install hook: finds an addon to load (a prebuild or a build), else builds one from source
 * against the LibTorch found; records the outcome and returns the exit code.
 * @internal
 */
export async function installHook(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const root = packageRoot();
  if (env.TORCHNODE_SKIP_BUILD) return 0;
  const fromSource = ['true', '1', 'torchnode'].includes(String(env.npm_config_build_from_source ?? '').toLowerCase());
  if (fromSource) fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });
  const { plan, problem, search } = planLoad(root, { ...env, TORCHNODE_ADDON: '' });

  if (!fromSource && plan) {
    const what = plan.kind === 'prebuild' ? `the prebuilt addon ${plan.tag} for LibTorch ${plan.libtorch.version} (${plan.libtorch.source})` : `the addon in ${plan.file}`;
    record(root, true, `uses ${what}`);
    tell(`torchnode: uses ${what}.`);
    return 0;
  }
  const target = search?.found[0];
  if (!target) {
    const reason = problem ?? 'no LibTorch was found';
    record(root, false, 'no LibTorch was found, so nothing was built. ' + (search?.searched.join('; ') ?? ''));
    tell(reason);
    // A LibTorch-less install is not broken: `npx torchnode install-libtorch` completes it.
    // Only an explicit --build-from-source with nothing to build against fails.
    return fromSource ? 1 : 0;
  }

  tell(`torchnode: building the addon from source against LibTorch ${target.version} (${target.flavour}) from ${target.source}; this takes 3-6 minutes.`);
  const { code, tail } = await build(root, buildEnv(target));
  if (code !== 0) {
    const reason = `the build from source against LibTorch ${target.version} in ${target.libDir} failed (exit ${code}). Its last lines:\n${tail.trim().split('\n').filter((l) => l.trim()).slice(-12).join('\n')}`;
    record(root, false, reason);
    tell(`torchnode: ${reason}\nFix the cause (CMake 3.18+, a C++17 compiler and make are needed), then: npm rebuild torchnode --build-from-source --foreground-scripts\nTo install without building (and load nothing until a LibTorch with a prebuilt addon is found): TORCHNODE_SKIP_BUILD=1 npm install`);
    return 1;
  }
  record(root, true, `built from source against LibTorch ${target.version} in ${target.libDir}`);
  tell(`torchnode: built the addon against LibTorch ${target.version}.`);
  return 0;
}
