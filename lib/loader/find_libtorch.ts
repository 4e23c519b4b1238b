// Finds the LibTorch installs on this machine, in the order the loader tries them:
//   1. TORCHNODE_LIBTORCH, then LIBTORCH: a LibTorch folder (a pytorch.org zip unpacked, a
//      Python torch package folder, or a folder holding the libraries themselves);
//   2. TORCHNODE_PYTHON: that interpreter's torch;
//   3. what `npx torchnode install-libtorch` put in the cache;
//   4. the torch of the active virtual environment or conda environment (VIRTUAL_ENV,
//      CONDA_PREFIX), read from its site-packages without running Python;
//   5. the system's (Debian's libtorch-dev and the usual library folders);
//   6. the torch of the python3 on PATH, which takes running it (a few hundred ms behind a pyenv
//      shim), so it comes last and only when nothing before it was taken.
// The first two are explicit: when they name something unusable, that is an error, not a reason
// to use another LibTorch.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot } from './cache_dir';
import { describeFound, describeLibTorch, libraryFile, type LibTorchInstall } from './libtorch_install';

/**
 * The loader's search for LibTorch: what it found and everywhere it looked.
 * @internal
 */
export interface Search {
  /** usable installs, in preference order */
  found: LibTorchInstall[];
  /** every place looked at, with what was there: for messages and `torchnode doctor` */
  searched: string[];
  /** an explicitly named LibTorch that is unusable: the loader stops here */
  explicitError: string | null;
}

// Finds torch's package folder without importing torch (which takes seconds).
const FIND_TORCH = "import importlib.util as u; s = u.find_spec('torch'); print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')";

function pythonTorchDir(python: string): { dir: string | null; why: string } {
  const r = spawnSync(python, ['-c', FIND_TORCH], { encoding: 'utf8', timeout: 15000, windowsHide: true });
  if (r.error) return { dir: null, why: `${python} could not be run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { dir: null, why: `${python} failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  const dir = r.stdout.trim();
  return dir ? { dir, why: '' } : { dir: null, why: `${python} has no torch package` };
}

/** torch in an environment's site-packages: lib/python3.X/site-packages (POSIX) or Lib/site-packages (Windows). */
function environmentTorchDirs(prefix: string): string[] {
  const dirs = [path.join(prefix, 'Lib', 'site-packages', 'torch')];
  try {
    for (const d of fs.readdirSync(path.join(prefix, 'lib'))) {
      if (/^python3\.\d+$/.test(d)) dirs.push(path.join(prefix, 'lib', d, 'site-packages', 'torch'));
    }
  } catch {
    // no lib/ folder
  }
  return dirs.filter((d) => fs.existsSync(d));
}

function systemLibDirs(): string[] {
  if (process.platform === 'linux') {
    const multiarch = process.arch === 'x64' ? 'x86_64-linux-gnu' : process.arch === 'arm64' ? 'aarch64-linux-gnu' : null;
    return [multiarch && `/usr/lib/${multiarch}`, '/usr/lib64', '/usr/lib', '/usr/local/lib'].filter((d): d is string => !!d);
  }
  if (process.platform === 'darwin') return ['/opt/homebrew/lib', '/usr/local/lib'];
  return [];
}

function cachedInstalls(env: NodeJS.ProcessEnv): string[] {
  try {
    return fs
      .readdirSync(cacheRoot(env))
      .filter((d) => d.startsWith('libtorch-'))
      .sort()
      .reverse() // the newest version first
      .map((d) => path.join(cacheRoot(env), d, 'libtorch'));
  } catch {
    return [];
  }
}

/**
 * Searches in the order above. `enough` ends the search early once an install it accepts is
 * found (the loader: one with a prebuild), so the costly places are looked at only when needed.
 * @internal
 */
export function findLibTorch(env: NodeJS.ProcessEnv = process.env, enough: (t: LibTorchInstall) => boolean = () => false): Search {
  const search: Search = { found: [], searched: [], explicitError: null };
  let done = false;
  const consider = (prefix: string, source: string, explicit: boolean, libDir?: string): void => {
    if (done) return;
    const result = describeLibTorch(prefix, source, explicit, libDir);
    if (typeof result === 'string') {
      search.searched.push(`${source}: ${result}`);
      if (explicit) search.explicitError = `${source}: ${result}`;
      return;
    }
    search.searched.push(`${source}: ${describeFound(result)} in ${result.libDir}`);
    if (!search.found.some((f) => f.libDir === result.libDir)) search.found.push(result);
    done = enough(result);
  };

  for (const name of ['TORCHNODE_LIBTORCH', 'LIBTORCH']) {
    const value = env[name];
    if (!value) continue;
    consider(path.resolve(value), `${name}=${value}`, true);
    return search; // explicit: nothing else is considered
  }

  if (env.TORCHNODE_PYTHON) {
    const { dir, why } = pythonTorchDir(env.TORCHNODE_PYTHON);
    const source = `TORCHNODE_PYTHON=${env.TORCHNODE_PYTHON}`;
    if (dir) consider(dir, source, true);
    else {
      search.searched.push(`${source}: ${why}`);
      search.explicitError = `${source}: ${why}`;
    }
    return search;
  }

  const cached = cachedInstalls(env);
  if (cached.length === 0) search.searched.push(`the install-libtorch cache (${cacheRoot(env)}): empty`);
  for (const prefix of cached) consider(prefix, `npx torchnode install-libtorch (${path.dirname(prefix)})`, false);

  for (const name of ['VIRTUAL_ENV', 'CONDA_PREFIX']) {
    const prefix = env[name];
    if (!prefix) continue;
    const dirs = environmentTorchDirs(prefix);
    if (dirs.length === 0) search.searched.push(`${name}=${prefix}: no torch in its site-packages`);
    for (const dir of dirs) consider(dir, `the torch of ${name}=${prefix}`, false);
  }

  const systemDirs = systemLibDirs();
  for (const libDir of systemDirs) {
    if (libraryFile(libDir, 'torch_cpu')) consider(path.dirname(libDir), `the system (${libDir})`, false, libDir);
  }
  if (systemDirs.length && !done) search.searched.push(`the system folders: ${systemDirs.join(', ')}`);

  if (!done) {
    const python = process.platform === 'win32' ? 'python' : 'python3';
    const { dir, why } = pythonTorchDir(python);
    if (dir) consider(dir, `the torch of ${python} on PATH`, false);
    else search.searched.push(`the torch of ${python} on PATH: ${why}`);
  }
  return search;
}
