// The loader's failures, each matched to its remedy, as sharp does: what happened, what was
// looked at, and commands that work from the project that depends on torchnode.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot } from './cache_dir';
import downloads from '../cli/libtorch_downloads.json';
import type { Search } from './find_libtorch';
import { describeFound } from './libtorch_install';
import type { LoadPlan } from './load';
import { platformPackage, type PrebuildFolder } from './prebuilds';

type Prebuilds = { folders: PrebuildFolder[]; looked: string[] };

const REBUILD = 'npm rebuild torchnode --build-from-source --foreground-scripts';
const REBUILD_NEEDS = 'needs CMake 3.18+, a C++17 compiler and make; it builds against the LibTorch found as above';

/**
 * What install.js recorded when it could not make the addon (scripts/install.js writes it).
 * @internal
 */
export const INSTALL_RECORD = 'install-record.json';

function installRecord(root: string): string[] {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(root, INSTALL_RECORD), 'utf8')) as { ok: boolean; message: string; time: string };
    return r.ok ? [] : [`At install time (${r.time}): ${r.message}`];
  } catch {
    return [];
  }
}

function message(root: string, what: string[], details: string[], solutions: string[]): string {
  return [
    'torchnode: the native addon could not be loaded.',
    ...what,
    ...details.map((d) => `  ${d}`),
    ...installRecord(root),
    'Possible solutions:',
    ...solutions.map((s) => `- ${s}`),
    '- Run `npx torchnode doctor` for the whole picture.',
  ].join('\n');
}

/**
 * How to get a LibTorch on this platform.
 * @internal
 */
export function getLibTorchSolutions(): string[] {
  const solutions = [`Download pytorch.org's LibTorch into ${cacheRoot()}: \`npx torchnode install-libtorch\` (add --flavor cu126 or cu130 for CUDA).`];
  if (process.platform === 'linux') solutions.unshift('Debian 12 / Ubuntu: `sudo apt-get install libtorch-dev libopenblas0-pthread` (LibTorch 1.13).');
  solutions.push('Use a Python torch: `pip install torch` in a virtual environment and activate it, or set TORCHNODE_PYTHON to that python.');
  solutions.push('Point at an unpacked LibTorch zip: `export TORCHNODE_LIBTORCH=/path/to/libtorch`.');
  return solutions;
}

function available(prebuilds: Prebuilds): string {
  const tags = [...new Set(prebuilds.folders.flatMap((f) => f.tags))];
  return tags.length ? tags.join(', ') : 'none';
}

function noPlatformPackage(prebuilds: Prebuilds): string[] {
  if (prebuilds.folders.some((f) => f.tags.length)) return [];
  return [
    `No prebuilt addons for ${platformPackage()} are installed (the optional dependency @torchnode/${platformPackage()}). ` +
      'If optional dependencies were omitted, `npm install --include=optional`; otherwise this platform has none and the addon is built from source.',
  ];
}

/**
 * The message for an explicitly named LibTorch that cannot be used.
 * @internal
 */
export function explicitUnusable(search: Search, root: string): string {
  return message(root, [`The LibTorch you named is not usable: ${search.explicitError}.`], [], [
    'Point TORCHNODE_LIBTORCH (or LIBTORCH) at a folder that holds lib/ with LibTorch\'s libraries (an unpacked LibTorch zip, or a Python torch package folder), or TORCHNODE_PYTHON at a python that has torch.',
    'Unset them to let torchnode search (install-libtorch cache, the python on PATH, the system).',
  ]);
}

/**
 * The message when no LibTorch was found, with what to run about it.
 * @internal
 */
export function noLibTorch(search: Search, prebuilds: Prebuilds, root: string): string {
  return message(root, ['No LibTorch was found. Searched:'], search.searched, [
    ...getLibTorchSolutions(),
    ...noPlatformPackage(prebuilds),
    `This torchnode has prebuilt addons for: ${available(prebuilds)}.`,
  ]);
}

// The install-libtorch commands that give a LibTorch some prebuild here fits.
function downloadsWithPrebuilds(prebuilds: Prebuilds): string[] {
  const tags = new Set(prebuilds.folders.flatMap((f) => f.tags));
  const platform = `${process.platform}-${process.arch}`;
  return (downloads.builds as { platform: string; version: string; flavour: string }[])
    .filter((b) => b.platform === platform && tags.has(`libtorch-${b.version.split('.').slice(0, 2).join('.')}-${b.flavour}`))
    .map((b) => `\`npx torchnode install-libtorch --version ${b.version} --flavor ${b.flavour}\``);
}

/**
 * The message when no prebuild matches the LibTorch found, with what to run about it.
 * @internal
 */
export function noPrebuild(search: Search, prebuilds: Prebuilds, root: string): string {
  const found = search.found.map((f) => `${describeFound(f)} from ${f.source}`);
  const fitting = downloadsWithPrebuilds(prebuilds);
  return message(root, [`No prebuilt addon matches the LibTorch found:`], [...found, `prebuilt addons: ${available(prebuilds)}; looked in ${prebuilds.looked.join('; ') || 'nowhere'}`], [
    `Build the addon for this LibTorch: \`${REBUILD}\` (${REBUILD_NEEDS}).`,
    ...noPlatformPackage(prebuilds),
    fitting.length
      ? `Or download a LibTorch that has a prebuilt addon: ${fitting.join(' or ')}.`
      : 'Or point TORCHNODE_LIBTORCH at a LibTorch that has a prebuilt addon.',
  ]);
}

function missingLibrarySolutions(reason: string): string[] {
  if (/blas|lapack/i.test(reason)) return ['LibTorch needs a BLAS: `sudo apt-get install libopenblas0-pthread` (Debian/Ubuntu).'];
  if (/libcu|libnv|cudart|cudnn|nccl/i.test(reason))
    return ['This is a CUDA LibTorch and the CUDA runtime libraries it needs are not found: install them (the nvidia-* pip wheels beside torch, or the CUDA toolkit), or use a CPU LibTorch (`npx torchnode install-libtorch --flavor cpu`).'];
  return ['Install the library named above, or use a complete LibTorch (pytorch.org\'s "shared-with-deps" zip: `npx torchnode install-libtorch`).'];
}

/**
 * The message when loading the addon failed, with what to run about it.
 * @internal
 */
export function loadFailure(plan: LoadPlan, reason: string, root: string): string {
  if (plan.kind === 'TORCHNODE_ADDON')
    return message(root, [`TORCHNODE_ADDON names ${plan.file}, which did not load:`], [reason], ['Point TORCHNODE_ADDON at a built torchnode.node, or unset it.']);
  if (plan.kind === 'build from source')
    return message(root, [`The addon built from source (${plan.file}) did not load:`], [reason], [
      `Rebuild it against the LibTorch you have now: \`${REBUILD}\` (${REBUILD_NEEDS}).`,
      `Or delete ${path.dirname(path.dirname(plan.file))} to use the prebuilt addons.`,
    ]);
  const where = `${describeFound(plan.libtorch)} in ${plan.libtorch.libDir}, found via ${plan.libtorch.source}`;
  if (/built against LibTorch/.test(reason)) return message(root, [reason], [], [`Build the addon for this LibTorch: \`${REBUILD}\` (${REBUILD_NEEDS}).`]);
  if (/undefined symbol: _?(napi|node_api)_/.test(reason))
    return message(root, [`The prebuilt addon ${path.basename(plan.file)} needs a Node-API function this Node.js (${process.version}) lacks.`], [reason], [
      'Use the Node.js version the prebuilds were made with (Node.js 20 or later; see the package\'s engines field).',
      `Or build the addon for this Node.js: \`${REBUILD}\` (${REBUILD_NEEDS}).`,
    ]);
  if (/undefined symbol|symbol not found|procedure could not be found/i.test(reason))
    return message(root, [`The prebuilt addon ${path.basename(plan.file)} does not fit ${where}: a symbol it needs is missing (a different C++ ABI or build of LibTorch).`], [reason], [
      `Build the addon for this LibTorch: \`${REBUILD}\` (${REBUILD_NEEDS}).`,
      'Or use pytorch.org\'s LibTorch of that version: `npx torchnode install-libtorch`.',
    ]);
  return message(root, [`LibTorch's libraries could not be loaded from ${where}:`], [reason], missingLibrarySolutions(reason));
}
