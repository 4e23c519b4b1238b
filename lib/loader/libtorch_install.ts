// What a LibTorch folder is: its version, flavour (cpu or cuXXX), C++ ABI, and the library files
// to load, read from the files themselves, without loading anything. A LibTorch comes as a
// pytorch.org zip (build-version), a Python torch package (version.py), or a system install
// (versioned library names and headers).
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A LibTorch folder as read from its files: version, flavour, C++ ABI and libraries.
 * @internal
 */
export interface LibTorchInstall {
  /** the folder holding LibTorch's libraries */
  libDir: string;
  /** the full version when known ("2.13.0+cpu", "1.13.0a0"), else major.minor */
  version: string;
  /** "2.13" */
  majorMinor: string;
  /** "cpu", "cu130"...; "cuda" when a CUDA build does not say which CUDA */
  flavour: string;
  /** libstdc++'s C++11 ABI (Linux); null where the notion does not apply or is unknown */
  cxx11Abi: boolean | null;
  /** the library files to load, in dependency order */
  libraries: string[];
  /** how it was found, e.g. "TORCHNODE_LIBTORCH=/opt/libtorch" */
  source: string;
  /** named by the user (an environment variable): never passed over for another one */
  explicit: boolean;
}

const LIB_PREFIX = process.platform === 'win32' ? '' : 'lib';
const LIB_SUFFIX = process.platform === 'win32' ? '.dll' : process.platform === 'darwin' ? '.dylib' : '.so';
// Load order: each library's LibTorch dependencies come first. The CUDA ones are loaded when
// present so that their static initialisers register the CUDA kernels.
const LIBRARY_NAMES = ['c10', 'c10_cuda', 'torch_cpu', 'torch_cuda', 'torch'];

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The file for one LibTorch library in dir: the plain name, else the highest versioned one (Debian: libc10.so.1.13).
 * @internal
 */
export function libraryFile(dir: string, name: string): string | null {
  const plain = path.join(dir, LIB_PREFIX + name + LIB_SUFFIX);
  if (fs.existsSync(plain)) return fs.realpathSync(plain);
  if (process.platform !== 'linux') return null;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const versioned = entries
    .filter((f) => f.startsWith(`lib${name}.so.`) && /^[0-9.]+$/.test(f.slice(`lib${name}.so.`.length)))
    .sort((a, b) => a.length - b.length);
  return versioned.length ? fs.realpathSync(path.join(dir, versioned[0])) : null;
}

function flavourFromCuda(cuda: string | null | undefined): string | null {
  return cuda ? 'cu' + cuda.replace(/\./g, '') : null;
}

/** "2.13.0+cu130" → { version, flavour: "cu130" }; no local tag → flavour null */
function splitVersion(full: string): { version: string; flavour: string | null } {
  const tag = full.trim().split('+')[1];
  return { version: full.trim(), flavour: tag && /^(cpu|cu\d+)$/.test(tag) ? tag : null };
}

function majorMinorOf(version: string): string | null {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? `${m[1]}.${m[2]}` : null;
}

function headerVersion(prefix: string): string | null {
  for (const rel of ['include/torch/csrc/api/include/torch/version.h', 'torch/csrc/api/include/torch/version.h']) {
    const text = readText(path.join(prefix, rel));
    if (!text) continue;
    const part = (k: string) => new RegExp(`#define TORCH_VERSION_${k}\\s+(\\d+)`).exec(text)?.[1];
    if (part('MAJOR') && part('MINOR')) return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH') ?? 0}`;
  }
  return null;
}

/**
 * libstdc++'s new ABI mangles std::string as std::__cxx11::basic_string; c10's exported
 * functions take strings, so the marker's presence in libc10 tells which ABI it was built with.
 */
function cxx11AbiOf(c10: string): boolean | null {
  if (process.platform !== 'linux') return null;
  try {
    return fs.readFileSync(c10).includes('St7__cxx11');
  } catch {
    return null;
  }
}

/**
 * "LibTorch 2.13.0+cpu", "LibTorch 1.13.0 (cpu)": the flavour when the version does not carry it.
 * @internal
 */
export function describeFound(f: LibTorchInstall): string {
  const notes = [f.version.includes('+') ? '' : f.flavour, f.cxx11Abi === false ? 'pre-C++11 ABI' : ''].filter(Boolean);
  return `LibTorch ${f.version}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/**
 * Describes the LibTorch whose prefix is given (a folder with lib/, a Python torch package, or a
 * folder holding the libraries themselves), or returns why it is not one.
 * @internal
 */
export function describeLibTorch(prefix: string, source: string, explicit: boolean, libDir?: string): LibTorchInstall | string {
  if (!fs.existsSync(prefix)) return `${prefix} does not exist`;
  libDir ??= libraryFile(path.join(prefix, 'lib'), 'torch_cpu') || !libraryFile(prefix, 'torch_cpu') ? path.join(prefix, 'lib') : prefix;
  // Each library looked up once: the lookup lists the folder (Debian's versioned names).
  const files = new Map(LIBRARY_NAMES.map((n) => [n, libraryFile(libDir, n)]));
  const libraries = [...files.values()].filter((f): f is string => f !== null);
  const has = (n: string) => files.get(n) != null;
  if (!has('c10') || !has('torch_cpu')) return `${libDir} has no ${LIB_PREFIX}torch_cpu${LIB_SUFFIX} and ${LIB_PREFIX}c10${LIB_SUFFIX}`;

  let version: string | null = null;
  let flavour: string | null = null;
  const versionPy = readText(path.join(prefix, 'version.py'));
  if (versionPy) {
    version = /__version__\s*=\s*['"]([^'"]+)['"]/.exec(versionPy)?.[1] ?? null;
    flavour = flavourFromCuda(/^cuda\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]/m.exec(versionPy)?.[1]);
    if (version && !flavour) flavour = splitVersion(version).flavour;
  }
  const buildVersion = readText(path.join(prefix, 'build-version'));
  if (!version && buildVersion) ({ version, flavour } = splitVersion(buildVersion));
  if (!version) version = headerVersion(prefix) ?? headerVersion(path.join(path.dirname(libDir), '..', 'include'));
  if (!version) {
    // Debian names its libraries with the version: libtorch_cpu.so.1.13
    const m = /\.so\.(\d+\.\d+)/.exec(files.get('torch_cpu') ?? '');
    version = m ? m[1] : null;
  }
  const majorMinor = version ? majorMinorOf(version) : null;
  if (!version || !majorMinor) return `the version of the LibTorch in ${prefix} could not be read (no version.py, build-version, torch/version.h or versioned library name)`;
  if (!flavour) flavour = has('torch_cuda') ? 'cuda' : 'cpu';
  return { libDir, version, majorMinor, flavour, cxx11Abi: cxx11AbiOf(files.get('c10')!), libraries, source, explicit };
}
