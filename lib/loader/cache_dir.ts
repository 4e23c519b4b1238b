// Where `npx torchnode install-libtorch` unpacks LibTorch, and where the loader looks for it.
// TORCHNODE_CACHE overrides the platform's usual per-user cache folder.
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * torchnode's cache folder: TORCHNODE_CACHE, else the platform's per-user cache folder.
 * @internal
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TORCHNODE_CACHE) return path.resolve(env.TORCHNODE_CACHE);
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local'), 'torchnode');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'torchnode');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'torchnode');
}

/**
 * The folder one LibTorch download is unpacked into: <cache>/libtorch-<version>-<flavour>/libtorch.
 * @internal
 */
export function cachedLibTorchDir(version: string, flavour: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `libtorch-${version}-${flavour}`, 'libtorch');
}
