// `npx torchnode install-libtorch`: an opt-in download of pytorch.org's LibTorch zip into torchnode's cache.
//
// Nothing here runs at `npm install` time: LibTorch is 100 MB to 4 GB, so the user asks for it. The zip is
// pinned by sha256 in libtorch_downloads.json, streamed to a temporary file while it is hashed, checked, then
// unpacked into a temporary folder next to the destination and renamed into place, so a failed or interrupted
// install never leaves half a LibTorch where the loader looks, and never destroys a working one.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot, cachedLibTorchDir } from '../loader/cache_dir';
import pinnedTable from './libtorch_downloads.json';
import { download, progressReporter, type Progress } from './download';
import { PREFIX, fail, formatBytes } from './install_failure';
import { extractZip } from './unzip';

/**
 * One downloadable LibTorch zip: `${mirror}/${path}`, for `${process.platform}-${process.arch}`.
 * @internal
 */
export interface LibTorchBuild {
  platform: string;
  version: string;
  flavour: string;
  /** Path under the mirror, already URL-encoded as pytorch.org spells it (`+` is `%2B`). */
  path: string;
  /** Lower-case hex, or null where no public checksum was found: then the user must pass --sha256. */
  sha256: string | null;
  /** Where the checksum was published. */
  sha256_source?: string;
}

/**
 * libtorch_downloads.json: the mirror, the default build and every known build.
 * @internal
 */
export interface LibTorchDownloadTable {
  about: string;
  mirror: string;
  default: { version: string; flavour: string };
  builds: LibTorchBuild[];
}

/**
 * The options of installLibTorch().
 * @internal
 */
export interface InstallLibTorchOptions {
  version?: string;
  flavour?: string;
  /** The zip's sha256, for a build whose table entry has none. */
  sha256?: string;
  /** Base URL instead of the table's; TORCHNODE_LIBTORCH_MIRROR in `env` wins over it. */
  mirror?: string;
  /** `${process.platform}-${process.arch}` by default. */
  platform?: string;
  /** Download and replace an existing install. */
  force?: boolean;
  /** Receives each message and progress line. Default: stdout, with one updating line on a terminal. */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The download table; libtorch_downloads.json by default (tests pass their own). */
  table?: LibTorchDownloadTable;
}

/**
 * install-libtorch's parsed command line.
 * @internal
 */
export interface InstallLibTorchArgs {
  version?: string;
  flavour?: string;
  sha256?: string;
  mirror?: string;
  force: boolean;
  help: boolean;
}

/**
 * install-libtorch's --help text.
 * @internal
 */
export const INSTALL_LIBTORCH_USAGE = `Usage: npx torchnode install-libtorch [options]

Downloads pytorch.org's LibTorch zip, checks its sha256 and unpacks it into torchnode's cache
(TORCHNODE_CACHE, else your user cache folder), where torchnode finds it.

Options:
  --flavor, --flavour <name>  cpu (default), cu126, cu128, cu130: the build to fetch
  --version <x.y.z>           LibTorch version (default ${pinnedTable.default.version})
  --sha256 <hex>              the zip's sha256, for a build with no pinned checksum
  --mirror <url>              base URL instead of ${pinnedTable.mirror}
  --force                     download again and replace an existing install
  --help                      show this text

Environment:
  TORCHNODE_LIBTORCH_MIRROR   base URL that overrides --mirror (e.g. an internal file server)
  TORCHNODE_CACHE             where LibTorch is unpacked`;


/**
 * `${process.platform}-${process.arch}`.
 * @internal
 */
export function currentPlatform(): string {
  return `${process.platform}-${process.arch}`;
}

// ---------------------------------------------------------------------------------------------------------
// Command line

const VERSION_RE = /^\d+\.\d+\.\d+$/;
const FLAVOUR_RE = /^(cpu|cu\d{3}|rocm\d+(\.\d+)*)$/;
const SHA256_RE = /^[0-9a-fA-F]{64}$/;

/**
 * Parses the arguments after `install-libtorch`; throws an Error that says what is wrong.
 * @internal
 */
export function parseInstallLibTorchArgs(argv: string[]): InstallLibTorchArgs {
  const args: InstallLibTorchArgs = { force: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Both `--version 2.13.0` and `--version=2.13.0` are accepted.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) {
        if (inline === '') fail(`${name} needs a value, e.g. ${name}=${exampleValue(name)}.`);
        return inline;
      }
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) fail(`${name} needs a value, e.g. ${name} ${exampleValue(name)}.`);
      i++;
      return next;
    };
    const noValue = (): void => {
      if (inline !== undefined) fail(`${name} takes no value.`);
    };
    switch (name) {
      case '--flavor':
      case '--flavour':
        args.flavour = checkFlavour(value());
        break;
      case '--version':
        args.version = checkVersion(value());
        break;
      case '--sha256':
        args.sha256 = checkSha256(value());
        break;
      case '--mirror':
        args.mirror = checkMirror(value(), '--mirror');
        break;
      case '--force':
        noValue();
        args.force = true;
        break;
      case '--help':
      case '-h':
        noValue();
        args.help = true;
        break;
      default:
        fail(arg.startsWith('-')
          ? `unknown option ${name}. Run \`npx torchnode install-libtorch --help\` for the options.`
          : `unexpected argument "${arg}". Options start with --; run \`npx torchnode install-libtorch --help\`.`);
    }
  }
  return args;
}

function exampleValue(option: string): string {
  if (option === '--version') return pinnedTable.default.version;
  if (option === '--sha256') return '<64 hex digits>';
  if (option === '--mirror') return 'https://example.org/libtorch';
  return 'cpu';
}

function checkVersion(version: string): string {
  if (!VERSION_RE.test(version)) fail(`--version wants a release number like ${pinnedTable.default.version}, not "${version}".`);
  return version;
}

function checkFlavour(flavour: string): string {
  const f = flavour.toLowerCase();
  if (!FLAVOUR_RE.test(f)) fail(`--flavor wants cpu or a CUDA build such as cu126 or cu130, not "${flavour}".`);
  return f;
}

function checkSha256(hex: string): string {
  if (!SHA256_RE.test(hex)) fail(`--sha256 wants the zip's SHA-256 as 64 hex digits, not "${hex}".`);
  return hex.toLowerCase();
}

function checkMirror(base: string, from: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    fail(`${from} is not a URL: "${base}". It should look like https://download.pytorch.org/libtorch.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(`${from} must be an http:// or https:// URL, not ${url.protocol}//... ("${base}").`);
  }
  return base.replace(/\/+$/, '');
}

/**
 * The CLI entry: parse, then print the usage or install and print where LibTorch now is.
 * @internal
 */
export async function runInstallLibTorch(argv: string[], log: (line: string) => void = defaultLog): Promise<string | undefined> {
  const args = parseInstallLibTorchArgs(argv);
  if (args.help) {
    log(INSTALL_LIBTORCH_USAGE);
    return undefined;
  }
  return installLibTorch({ ...args, log: log === defaultLog ? undefined : log });
}

// ---------------------------------------------------------------------------------------------------------
// Choosing the build

function describeBuild(b: { version: string; flavour: string }): string {
  return `${b.version} ${b.flavour}`;
}

/**
 * The table entry for platform + version + flavour, or an Error listing what this platform has.
 * @internal
 */
export function pickLibTorchBuild(table: LibTorchDownloadTable, platform: string, version?: string, flavour?: string): LibTorchBuild {
  const want = { version: version ?? table.default.version, flavour: flavour ?? table.default.flavour };
  const here = table.builds.filter((b) => b.platform === platform);
  const build = here.find((b) => b.version === want.version && b.flavour === want.flavour);
  if (build) return build;
  if (here.length === 0) {
    const platforms = [...new Set(table.builds.map((b) => b.platform))].join(', ');
    fail(`no LibTorch download is known for ${platform} (pytorch.org publishes LibTorch zips for ${platforms}). ` +
      'Install LibTorch some other way (for example from source) and point torchnode at it.');
  }
  const available = here.map(describeBuild).join(', ');
  fail(`no LibTorch ${describeBuild(want)} download is known for ${platform}. ` +
    `Available for ${platform}: ${available}. Pick one with --version and --flavor.`);
}

function expectedSha256(build: LibTorchBuild, given: string | undefined, table: LibTorchDownloadTable): string {
  const user = given === undefined ? undefined : checkSha256(given);
  if (build.sha256 === null) {
    if (user === undefined) {
      fail(`LibTorch ${describeBuild(build)} for ${build.platform} has no pinned checksum: no published sha256 ` +
        'was found for this zip, and torchnode does not install unverified downloads. If you trust a checksum ' +
        '(for example from your own earlier download, `sha256sum <zip>`), pass it with --sha256 <hex>; ' +
        `otherwise use the default build (${describeBuild(table.default)}).`);
    }
    return user;
  }
  if (user !== undefined && user !== build.sha256) {
    fail(`--sha256 ${user} disagrees with the checksum pinned for LibTorch ${describeBuild(build)} ` +
      `(${build.sha256}${build.sha256_source ? `, from ${build.sha256_source}` : ''}). Drop --sha256 to use the pinned one.`);
  }
  return build.sha256;
}

function downloadUrl(build: LibTorchBuild, table: LibTorchDownloadTable, mirror: string | undefined, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.TORCHNODE_LIBTORCH_MIRROR;
  const base = fromEnv ? checkMirror(fromEnv, 'TORCHNODE_LIBTORCH_MIRROR')
    : mirror ? checkMirror(mirror, '--mirror')
    : checkMirror(table.mirror, 'the download table\'s mirror');
  return `${base}/${build.path.replace(/^\/+/, '')}`;
}

// ---------------------------------------------------------------------------------------------------------
// Install

/**
 * Downloads, verifies and unpacks one LibTorch zip; returns the unpacked `libtorch` folder
 * (`<cache>/libtorch-<version>-<flavour>/libtorch`, with lib/, include/, share/cmake/Torch and build-version).
 * @internal
 */
export async function installLibTorch(opts: InstallLibTorchOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? defaultLog;
  const table = opts.table ?? tableFrom(env);
  const build = pickLibTorchBuild(table, opts.platform ?? currentPlatform(), opts.version, opts.flavour);
  const dest = cachedLibTorchDir(build.version, build.flavour, env);
  const label = `LibTorch ${build.version} (${build.flavour}, ${build.platform})`;

  if (!opts.force && isInstalled(dest)) {
    log(`${label} is already installed at ${dest}${buildVersionNote(dest)}; pass --force to download it again.`);
    return dest;
  }
  const sha256 = expectedSha256(build, opts.sha256, table);
  const url = downloadUrl(build, table, opts.mirror, env);
  try {
    await downloadAndUnpack({ url, sha256, dest, label, env, log, progress: progressReporter(log, opts.log === undefined) });
  } catch (err) {
    throw asInstallError(err, cacheRoot(env));
  }
  log(`${label} is ready at ${dest}${buildVersionNote(dest)}.`);
  return dest;
}

// TORCHNODE_LIBTORCH_TABLE names a table of the same format for a private mirror that serves
// its own builds, pinned by whoever runs it; otherwise the table shipped with torchnode.
function tableFrom(env: NodeJS.ProcessEnv): LibTorchDownloadTable {
  const file = env.TORCHNODE_LIBTORCH_TABLE;
  if (!file) return pinnedTable as LibTorchDownloadTable;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LibTorchDownloadTable;
  } catch (e) {
    fail(`TORCHNODE_LIBTORCH_TABLE is '${file}', which is not a readable download table (${(e as Error).message}).`);
  }
}

function isInstalled(dest: string): boolean {
  return fs.existsSync(path.join(dest, 'lib'));
}

function buildVersionNote(dest: string): string {
  try {
    return ` (build-version ${fs.readFileSync(path.join(dest, 'build-version'), 'utf8').trim()})`;
  } catch {
    return '';
  }
}

// Errors from the file system (a read-only cache, a full disk) get the prefix and a hint, keeping the cause.
function asInstallError(err: unknown, root: string): Error {
  if (err instanceof Error && err.message.startsWith(PREFIX)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new Error(`${PREFIX}${detail}. Check that ${root} is writable and has room (LibTorch needs up to a few GB), ` +
    'or set TORCHNODE_CACHE to another folder.', { cause: err });
}

interface Job {
  url: string;
  sha256: string;
  dest: string;
  label: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  progress: Progress;
}

async function downloadAndUnpack(job: Job): Promise<void> {
  const root = cacheRoot(job.env);
  const installDir = path.dirname(job.dest);
  await fs.promises.mkdir(root, { recursive: true });
  // Temporary names live in the cache root, on the same file system as installDir, so the final step is a
  // rename; the dot keeps them out of the way, and the random part keeps concurrent installs apart.
  const tag = `.${path.basename(installDir)}.${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const zipFile = path.join(root, `${tag}.zip.part`);
  const unpackDir = path.join(root, `${tag}.unpacking`);
  try {
    job.log(`Downloading ${job.label} from ${job.url}`);
    const got = await download(job.url, zipFile, job.progress);
    if (got.sha256 !== job.sha256) {
      fail(`checksum mismatch for ${job.url}: expected sha256 ${job.sha256}, got ${got.sha256} ` +
        `(${formatBytes(got.bytes)} received). The file was deleted and nothing was installed. ` +
        'Run the command again; if it keeps failing, the mirror serves a different file than the one pinned.');
    }
    job.log(`Checksum OK (sha256 ${got.sha256}). Unpacking...`);
    await extractZip(zipFile, unpackDir, job.url);
    await fs.promises.rm(zipFile, { force: true }); // free the space before the tree takes its place
    checkLayout(unpackDir, job.url);
    await moveIntoPlace(unpackDir, installDir, root);
  } finally {
    await fs.promises.rm(zipFile, { force: true });
    await fs.promises.rm(unpackDir, { recursive: true, force: true });
  }
}

function checkLayout(unpackDir: string, url: string): void {
  if (!fs.existsSync(path.join(unpackDir, 'libtorch', 'lib'))) {
    fail(`the zip from ${url} has no libtorch/lib folder, so it is not a LibTorch distribution; nothing was installed. ` +
      'Check the mirror (TORCHNODE_LIBTORCH_MIRROR / --mirror).');
  }
}

// The new tree goes in with one rename. An existing folder (a --force reinstall, or leftovers of a manual
// install) is first renamed aside and only deleted once the new one is in place, or put back if that fails.
async function moveIntoPlace(unpackDir: string, installDir: string, root: string): Promise<void> {
  if (!fs.existsSync(installDir)) {
    await fs.promises.rename(unpackDir, installDir);
    return;
  }
  const aside = path.join(root, `.${path.basename(installDir)}.old-${crypto.randomBytes(4).toString('hex')}`);
  await fs.promises.rename(installDir, aside);
  try {
    await fs.promises.rename(unpackDir, installDir);
  } catch (err) {
    await fs.promises.rename(aside, installDir);
    throw err;
  }
  await fs.promises.rm(aside, { recursive: true, force: true });
}

function defaultLog(line: string): void {
  process.stdout.write(`${line}\n`);
}
