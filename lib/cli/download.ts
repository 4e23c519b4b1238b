// install-libtorch's download: HTTP(S) with redirects, streamed to a file while it is hashed,
// with Content-Length checked against what arrived, and progress for people.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PREFIX, fail, formatBytes } from './install_failure';

const MAX_REDIRECTS = 5;
// A stalled connection should fail in reasonable time rather than hang the terminal forever.
const IDLE_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------
// Download

interface Downloaded {
  bytes: number;
  sha256: string;
}

/**
 * Downloads url to file, following redirects, hashing as it streams; checks Content-Length.
 * @internal
 */
export async function download(url: string, file: string, progress: Progress): Promise<Downloaded> {
  const { res, finalUrl } = await openFollowingRedirects(url);
  const total = contentLength(res);
  const hash = crypto.createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      progress.update(received, total);
      done(null, chunk);
    },
  });
  const out = fs.createWriteStream(file, { flags: 'wx' });
  let diskError: Error | undefined;
  out.on('error', (err) => { diskError = err; });
  try {
    await pipeline(res, meter, out);
  } catch (err) {
    if (diskError) throw diskError; // reported with the cache-folder hint by asInstallError
    if (total !== undefined && received < total) fail(truncated(finalUrl, received, total));
    fail(`the download from ${finalUrl} failed after ${formatBytes(received)}: ${(err as Error).message}. ` +
      'Nothing was installed; run the command again.', err);
  } finally {
    progress.done(received, total);
  }
  // A server can also end the response cleanly but early; Content-Length is the only way to tell.
  if (total !== undefined && received !== total) fail(truncated(finalUrl, received, total));
  return { bytes: received, sha256: hash.digest('hex') };
}

function truncated(url: string, received: number, total: number): string {
  return `the download from ${url} was truncated: received ${received} of ${total} bytes ` +
    `(${formatBytes(received)} of ${formatBytes(total)}) before the connection closed. ` +
    'The partial file was deleted and nothing was installed; run the command again.';
}

function contentLength(res: http.IncomingMessage): number | undefined {
  const header = res.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

async function openFollowingRedirects(url: string): Promise<{ res: http.IncomingMessage; finalUrl: string }> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const res = await get(current);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      res.resume(); // discard the body so the socket is released
      if (redirects === MAX_REDIRECTS) {
        fail(`too many redirects (more than ${MAX_REDIRECTS}) while downloading ${url}; the last one pointed to ` +
          `${new URL(location, current).href}. Check the mirror (TORCHNODE_LIBTORCH_MIRROR / --mirror).`);
      }
      current = new URL(location, current);
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      const hint = status === 404
        ? 'That file does not exist there: check --version and --flavor, and if you set ' +
          'TORCHNODE_LIBTORCH_MIRROR or --mirror, that the mirror has this path.'
        : 'Try again later, or use another mirror with TORCHNODE_LIBTORCH_MIRROR.';
      fail(`download failed: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} for ${current.href}. ${hint}`);
    }
    return { res, finalUrl: current.href };
  }
}

function get(url: URL): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) fail(`cannot download ${url.href}: only http:// and https:// URLs are supported.`);
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers: { 'user-agent': 'torchnode-install-libtorch' } }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => {
      req.destroy(new Error(`no data from ${url.host} for ${IDLE_TIMEOUT_MS / 1000} seconds`));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(`${PREFIX}could not download ${url.href}: ${err.message}. Check your network connection, ` +
        'or set TORCHNODE_LIBTORCH_MIRROR to a mirror you can reach.', { cause: err }));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Output


/**
 * Receives download progress.
 * @internal
 */
export interface Progress {
  update(received: number, total: number | undefined): void;
  done(received: number, total: number | undefined): void;
}

// On a terminal (default log) one line is rewritten in place; anywhere else (a custom log, CI output) a line
// every few seconds is enough to show the download is alive without flooding the log.
/**
 * Progress lines: one updating line on a terminal, else a line every few seconds.
 * @internal
 */
export function progressReporter(log: (line: string) => void, useTerminal: boolean): Progress {
  const tty = useTerminal && process.stdout.isTTY === true;
  const interval = tty ? 250 : 3000;
  let last = Date.now();
  let shown = false;
  const show = (line: string): void => {
    shown = true;
    if (tty) process.stdout.write(`\r${line.padEnd(60)}`);
    else log(line);
  };
  return {
    update(received, total) {
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      show(progressLine(received, total));
    },
    done(received, total) {
      if (!shown) return;
      show(progressLine(received, total));
      if (tty) process.stdout.write('\n');
    },
  };
}

function progressLine(received: number, total: number | undefined): string {
  if (total === undefined || total === 0) return `  ${formatBytes(received)} downloaded`;
  const percent = Math.floor((received / total) * 100);
  return `  ${formatBytes(received)} of ${formatBytes(total)} (${percent}%)`;
}
