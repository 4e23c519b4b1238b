// Prebuilt addons, sharp style: one npm package per platform (@torchnode/linux-x64-gnu...),
// declared in optionalDependencies with os/cpu/libc so npm installs only the matching one. It
// holds one addon per LibTorch major.minor and flavour, side by side:
//   prebuilds/torchnode.libtorch-2.13-cpu.node, prebuilds/torchnode.libtorch-1.13-cpu.node, ...
// and torchnode_preload.node, which loads LibTorch's libraries before the addon.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { LibTorchInstall } from './libtorch_install';

/**
 * The platform package's name without the scope: linux-x64-gnu, darwin-arm64, win32-x64-msvc.
 * @internal
 */
export function platformPackage(): string {
  if (process.platform === 'linux') {
    const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
    return `linux-${process.arch}-${glibc ? 'gnu' : 'musl'}`;
  }
  if (process.platform === 'win32') return `win32-${process.arch}-msvc`;
  return `${process.platform}-${process.arch}`;
}

/**
 * The tag of the addon built for a LibTorch: libtorch-2.13-cpu (-precxx11 for the old libstdc++ ABI).
 * @internal
 */
export function prebuildTag(t: Pick<LibTorchInstall, 'majorMinor' | 'flavour' | 'cxx11Abi'>): string {
  return `libtorch-${t.majorMinor}-${t.flavour}${t.cxx11Abi === false ? '-precxx11' : ''}`;
}

/**
 * A folder of prebuilt addons and the tags they were built for.
 * @internal
 */
export interface PrebuildFolder {
  dir: string;
  /** the tags of the addons in it */
  tags: string[];
  hasPreload: boolean;
}

/**
 * The folders that may hold prebuilds for this platform: the installed platform package, and in
 * a source checkout the package folder scripts/prebuild.ts writes to (npm/<platform>/).
 * @internal
 */
export function prebuildFolders(packageRoot: string): { folders: PrebuildFolder[]; looked: string[] } {
  const name = platformPackage();
  const candidates: string[] = [];
  try {
    const pkgJson = createRequire(path.join(packageRoot, 'package.json')).resolve(`@torchnode/${name}/package.json`);
    candidates.push(path.join(path.dirname(pkgJson), 'prebuilds'));
  } catch {
    // not installed: an unsupported platform, or optional dependencies omitted
  }
  candidates.push(path.join(packageRoot, 'npm', name, 'prebuilds'));
  const folders: PrebuildFolder[] = [];
  const looked: string[] = [];
  for (const dir of candidates) {
    let files: string[];
    try {
      files = fs.readdirSync(dir);
    } catch {
      looked.push(`${dir} (absent)`);
      continue;
    }
    const tags = files.filter((f) => /^torchnode\.libtorch-.+\.node$/.test(f)).map((f) => f.slice('torchnode.'.length, -'.node'.length));
    looked.push(`${dir} (${tags.length ? tags.join(', ') : 'no addons'})`);
    folders.push({ dir, tags, hasPreload: files.includes('torchnode_preload.node') });
  }
  return { folders, looked };
}

/**
 * The addon file for a tag in a prebuild folder.
 * @internal
 */
export function prebuildFile(folder: PrebuildFolder, tag: string): string {
  return path.join(folder.dir, `torchnode.${tag}.node`);
}
