// install-libtorch's unzip: every entry inside the target folder (no absolute or `..` names, no
// symbolic link out of the tree), executable bits kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yauzl from 'yauzl';
import { pipeline } from 'node:stream/promises';
import { PREFIX, fail } from './install_failure';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const ZIP_MADE_BY_UNIX = 3;

// ---------------------------------------------------------------------------------------------------------
// Unpack

/**
 * Unpacks a zip into a folder, refusing entries that would land outside it.
 * @internal
 */
export async function extractZip(zipFile: string, intoDir: string, url: string): Promise<void> {
  await fs.promises.mkdir(intoDir);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipFile, { autoClose: true, validateEntrySizes: true });
  } catch (err) {
    fail(`the zip from ${url} cannot be opened (${(err as Error).message}); nothing was installed.`, err);
  }
  try {
    // yauzl itself rejects absolute and `..` names (it ends the iteration with an error); safeEntryPath
    // repeats the check so that no entry is ever written outside intoDir whatever the reader does.
    for await (const entry of zip.eachEntry()) {
      await extractEntry(zip, entry, intoDir, url);
    }
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(PREFIX)) throw err;
    fail(`refusing to unpack the zip from ${url}: ${(err as Error).message}. A genuine LibTorch zip has only ` +
      'relative paths under libtorch/; nothing was installed.', err);
  } finally {
    if (zip.isOpen) zip.close();
  }
}

async function extractEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, intoDir: string, url: string): Promise<void> {
  const target = path.join(intoDir, safeEntryPath(entry.fileName, url));
  if (entry.fileName.endsWith('/')) {
    await fs.promises.mkdir(target, { recursive: true });
    return;
  }
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  // Unix permissions live in the high half of the external attributes, for zips made on Unix.
  const mode = (entry.versionMadeBy >> 8) === ZIP_MADE_BY_UNIX ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
  const stream = await zip.openReadStreamPromise(entry);
  if ((mode & S_IFMT) === S_IFLNK) {
    // A symlink entry's data is its target (zip -y keeps .so version links this way).
    const linkTarget = (await readAll(stream)).toString('utf8');
    checkLinkTarget(entry.fileName, linkTarget, target, intoDir, url);
    await fs.promises.symlink(linkTarget, target);
    return;
  }
  // Keep the executable bit (bin/ tools, shared libraries); everything else gets ordinary file permissions.
  await pipeline(stream, fs.createWriteStream(target, { mode: mode & 0o111 ? 0o755 : 0o644 }));
}

function safeEntryPath(name: string, url: string): string {
  const parts = name.split('/');
  if (name === '' || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.includes('\\') ||
      name.includes('\0') || parts.includes('..')) {
    fail(`refusing zip entry "${name}" from ${url}: it would be written outside the LibTorch folder (zip-slip). ` +
      'This is not a genuine LibTorch zip; nothing was installed.');
  }
  return path.join(...parts.filter((p) => p !== '' && p !== '.'));
}

function checkLinkTarget(name: string, linkTarget: string, linkPath: string, intoDir: string, url: string): void {
  const resolved = path.resolve(path.dirname(linkPath), linkTarget);
  const rel = path.relative(intoDir, resolved);
  if (path.isAbsolute(linkTarget) || rel.startsWith('..') || path.isAbsolute(rel)) {
    fail(`refusing zip entry "${name}" from ${url}: it is a symlink to "${linkTarget}", outside the LibTorch ` +
      'folder. This is not a genuine LibTorch zip; nothing was installed.');
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
