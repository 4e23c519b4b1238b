// Fetching a data set's files, as torchvision's download=True does: from a list of mirrors,
// each file checked against its MD5 before it is allowed into the root. A file is written to a
// temporary name in its final folder and renamed into place only once its checksum matches, so
// a failed or corrupt download leaves nothing behind and never replaces a good file.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How a data set's files are fetched (by {@link FashionMNIST.download} and
 * {@link FashionMNIST.create} with `download: true`). torchvision has no such arguments: its
 * mirrors and checksums are class attributes (`mirrors`, `resources`) and it prints progress to
 * stdout; here each can be replaced per call.
 *
 * @see [torchvision.datasets.FashionMNIST](https://pytorch.org/vision/stable/generated/torchvision.datasets.FashionMNIST.html)
 */
export interface DownloadOptions {
  /**
   * Base URLs tried in order, each followed by the file name. Default: the data set's standard
   * mirrors, or the comma-separated list in the data set's environment variable
   * (TORCHNODE_FASHION_MNIST_MIRROR for Fashion-MNIST).
   */
  mirrors?: string[];
  /**
   * The expected MD5 of each file, by file name. Default: the published checksums of the data
   * set's files. Pass another table only for a copy you made yourself (a local mirror of
   * recompressed files, for example).
   */
  md5?: Record<string, string>;
  /** Progress lines ("downloading …"); default: stderr. */
  log?: (line: string) => void;
}

/**
 * The hex MD5 digest of a file's bytes.
 * @internal
 */
export function md5File(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

/**
 * Mirrors from an environment variable: base URLs separated by commas or whitespace.
 * @internal
 */
export function mirrorsFromEnv(name: string): string[] | undefined {
  const v = process.env[name];
  if (!v || !v.trim()) return undefined;
  return v.split(/[\s,]+/).filter((m) => m !== '');
}

function joinUrl(base: string, file: string): string {
  return base.endsWith('/') ? `${base}${file}` : `${base}/${file}`;
}

async function fetchBytes(url: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new Error(`could not connect: ${cause ?? (e as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  const length = res.headers.get('content-length');
  if (length !== null && /^\d+$/.test(length) && Number(length) !== bytes.length && !res.headers.get('content-encoding')) {
    throw new Error(`truncated: received ${bytes.length} of ${length} bytes`);
  }
  return bytes;
}

/**
 * Makes `folder/file` a copy of the file whose MD5 is `md5`: kept when it already matches,
 * otherwise fetched from the first mirror that serves the right bytes. Throws an Error naming
 * every mirror's failure when none does; the folder then holds no new or partial file.
 * @internal
 */
export async function downloadFile(folder: string, file: string, md5: string, mirrors: string[], log: (line: string) => void): Promise<string> {
  const target = join(folder, file);
  if (existsSync(target) && md5File(target) === md5) return target;
  if (mirrors.length === 0) throw new Error(`cannot download ${file}: the list of mirrors is empty`);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw new Error(`cannot download ${file}: cannot create the folder ${folder} (${(e as Error).message}); choose a root you can write to`, { cause: e });
  }
  const failures: string[] = [];
  for (const mirror of mirrors) {
    const url = joinUrl(mirror, file);
    log(`downloading ${url}`);
    let bytes: Buffer;
    try {
      bytes = await fetchBytes(url);
    } catch (e) {
      failures.push(`${url}: ${(e as Error).message}`);
      continue;
    }
    const got = createHash('md5').update(bytes).digest('hex');
    if (got !== md5) {
      failures.push(`${url}: checksum mismatch: MD5 ${got}, expected ${md5} (${bytes.length} bytes; a corrupt or different file)`);
      continue;
    }
    // Same folder, so the rename is atomic: readers see the old file or the whole new one.
    const partial = join(folder, `.${file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    try {
      writeFileSync(partial, bytes);
      renameSync(partial, target);
    } catch (e) {
      if (existsSync(partial)) unlinkSync(partial);
      throw new Error(`could not write ${target}: ${(e as Error).message}`, { cause: e });
    }
    return target;
  }
  throw new Error(`could not download ${file} into ${folder}; nothing was written there.\n  ${failures.join('\n  ')}`);
}
