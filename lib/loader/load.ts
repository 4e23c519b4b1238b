// Chooses and loads the native addon. In order:
//   1. TORCHNODE_ADDON: one addon file, used as is (builds against another LibTorch, ASan);
//   2. build/Release/torchnode.node: a build from source (`npm rebuild torchnode
//      --build-from-source`, or a checkout), linked to the LibTorch it was built against;
//   3. a prebuild for the LibTorch found on this machine (find_libtorch.ts): its libraries are
//      loaded from where they are here, then the addon built for that major.minor and flavour.
// Every failure is an Error whose message says what happened and what to run about it
// (remedies.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { findLibTorch, type Search } from './find_libtorch';
import type { LibTorchInstall } from './libtorch_install';
import { prebuildFile, prebuildFolders, prebuildTag, type PrebuildFolder } from './prebuilds';
import { loadFailure, noLibTorch, noPrebuild, explicitUnusable } from './remedies';

/**
 * Which addon file the loader will load, and why.
 * @internal
 */
export type LoadPlan =
  | { kind: 'TORCHNODE_ADDON'; file: string }
  | { kind: 'build from source'; file: string }
  | { kind: 'prebuild'; file: string; preload: string; libtorch: LibTorchInstall; tag: string };

/**
 * The loader's plan, or the problem that prevents one.
 * @internal
 */
export interface Plan {
  plan: LoadPlan | null;
  /** why there is no plan: the message the loader throws */
  problem: string | null;
  search: Search | null;
  prebuilds: { folders: PrebuildFolder[]; looked: string[] };
}

/**
 * The addon a build from source leaves: build/Release/torchnode.node.
 * @internal
 */
export function localBuild(root: string): string {
  return path.join(root, 'build', 'Release', 'torchnode.node');
}

/**
 * Chooses the addon to load: TORCHNODE_ADDON, a build from source, or a prebuild for the LibTorch found.
 * @internal
 */
export function planLoad(root: string, env: NodeJS.ProcessEnv = process.env): Plan {
  const prebuilds = { folders: [] as PrebuildFolder[], looked: [] as string[] };
  if (env.TORCHNODE_ADDON) return { plan: { kind: 'TORCHNODE_ADDON', file: path.resolve(env.TORCHNODE_ADDON) }, problem: null, search: null, prebuilds };
  if (fs.existsSync(localBuild(root))) return { plan: { kind: 'build from source', file: localBuild(root) }, problem: null, search: null, prebuilds };

  Object.assign(prebuilds, prebuildFolders(root));
  const hasPrebuild = (t: LibTorchInstall) => prebuilds.folders.some((f) => f.hasPreload && f.tags.includes(prebuildTag(t)));
  const search = findLibTorch(env, hasPrebuild);
  if (search.explicitError) return { plan: null, problem: explicitUnusable(search, root), search, prebuilds };
  if (search.found.length === 0) return { plan: null, problem: noLibTorch(search, prebuilds, root), search, prebuilds };
  for (const libtorch of search.found) {
    const tag = prebuildTag(libtorch);
    const folder = prebuilds.folders.find((f) => f.hasPreload && f.tags.includes(tag));
    if (folder) {
      const plan: LoadPlan = { kind: 'prebuild', file: prebuildFile(folder, tag), preload: path.join(folder.dir, 'torchnode_preload.node'), libtorch, tag };
      return { plan, problem: null, search, prebuilds };
    }
    if (libtorch.explicit) break;
  }
  return { plan: null, problem: noPrebuild(search, prebuilds, root), search, prebuilds };
}

// RTLD_NOW: an addon whose symbols this LibTorch lacks fails here, with the symbol named,
// instead of ending the process at the first call that needs it (lazy binding).
function dlopenNow(file: string): unknown {
  const module = { exports: {} as unknown };
  const flags = process.platform === 'win32' ? undefined : os.constants.dlopen.RTLD_NOW;
  process.dlopen(module, file, flags);
  return module.exports;
}

/**
 * Loads the addon the plan names; throws an Error saying what to do when it cannot.
 * @internal
 */
export function loadNative<T>(root: string, env: NodeJS.ProcessEnv = process.env): { binding: T; plan: LoadPlan } {
  const { plan, problem } = planLoad(root, env);
  if (!plan) throw new Error(problem!);
  try {
    if (plan.kind !== 'prebuild') return { binding: createRequire(path.join(root, 'package.json'))(plan.file) as T, plan };
    const preloader = dlopenNow(plan.preload) as { preload(paths: string[]): void };
    preloader.preload(plan.libtorch.libraries);
    return { binding: dlopenNow(plan.file) as T, plan };
  } catch (e) {
    throw new Error(loadFailure(plan, (e as Error).message, root));
  }
}
