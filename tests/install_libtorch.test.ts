// `npx torchnode install-libtorch` against a loopback HTTP server serving zips built here from real LibTorch
// files (libc10.so from the local PyTorch 2.13 wheel), so download, checksum, unpack and the failure paths are
// exercised without the network.
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installLibTorch,
  parseInstallLibTorchArgs,
  pickLibTorchBuild,
  type LibTorchBuild,
  type LibTorchDownloadTable,
} from '../lib/cli/install_libtorch';
import realTable from '../lib/cli/libtorch_downloads.json';
import { cachedLibTorchDir } from '../lib/loader/cache_dir';

const WHEEL_TORCH = path.join(__dirname, '..', '.venv', 'torch-2.13', 'lib', 'python3.11', 'site-packages', 'torch');
const WHEEL_LIB = path.join(WHEEL_TORCH, 'lib');
const haveWheel = fs.existsSync(path.join(WHEEL_LIB, 'libc10.so'));
const haveZip = spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
const PLATFORM = 'test-x64';

const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

interface Fixture {
  tmp: string;
  src: string; // the libtorch/ tree that good.zip was made from
  zips: Record<string, Buffer>;
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function zipDir(cwd: string, out: string, entries: string[]): Buffer {
  execFileSync('zip', ['-q', '-r', '-y', out, ...entries], { cwd });
  return fs.readFileSync(out);
}

function buildFixture(): Fixture {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-install-'));
  const src = path.join(tmp, 'good', 'libtorch');
  fs.mkdirSync(path.join(src, 'lib'), { recursive: true });
  fs.copyFileSync(path.join(WHEEL_LIB, 'libc10.so'), path.join(src, 'lib', 'libc10.so'));
  fs.chmodSync(path.join(src, 'lib', 'libc10.so'), 0o755);
  fs.symlinkSync('libc10.so', path.join(src, 'lib', 'libc10.so.2'));
  write(path.join(src, 'build-version'), '2.13.0+cpu\n');
  write(path.join(src, 'include', 'torch', 'version.h'),
    '#pragma once\n#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 13\n#define TORCH_VERSION_PATCH 0\n' +
    '#define TORCH_VERSION "2.13.0"\n');
  const cmakeSrc = path.join(WHEEL_TORCH, 'share', 'cmake', 'Torch', 'TorchConfigVersion.cmake');
  const cmakeDst = path.join(src, 'share', 'cmake', 'Torch', 'TorchConfigVersion.cmake');
  fs.mkdirSync(path.dirname(cmakeDst), { recursive: true });
  if (fs.existsSync(cmakeSrc)) fs.copyFileSync(cmakeSrc, cmakeDst);
  else fs.writeFileSync(cmakeDst, 'set(PACKAGE_VERSION "2.13.0")\n');

  const zips: Record<string, Buffer> = {};
  zips.good = zipDir(path.join(tmp, 'good'), path.join(tmp, 'good.zip'), ['libtorch']);

  // A forged zip whose second entry climbs out of the destination.
  const evilWork = path.join(tmp, 'evil', 'work');
  write(path.join(evilWork, 'libtorch', 'lib', 'a.txt'), 'a\n');
  write(path.join(tmp, 'evil', 'evil'), 'pwned\n');
  zips.evil = zipDir(evilWork, path.join(tmp, 'evil.zip'), ['libtorch', '../evil']);

  // A symlink whose target lies outside the tree.
  const linkWork = path.join(tmp, 'badlink');
  write(path.join(linkWork, 'libtorch', 'lib', 'a.txt'), 'a\n');
  fs.symlinkSync('../../../outside.txt', path.join(linkWork, 'libtorch', 'lib', 'escape'));
  zips.badlink = zipDir(linkWork, path.join(tmp, 'badlink.zip'), ['libtorch']);

  // Not a LibTorch distribution at all.
  write(path.join(tmp, 'nolib', 'something', 'readme.txt'), 'hello\n');
  zips.nolib = zipDir(path.join(tmp, 'nolib'), path.join(tmp, 'nolib.zip'), ['something']);
  return { tmp, src, zips };
}

describe.skipIf(!haveWheel || !haveZip)(
  `install-libtorch over loopback HTTP (needs the PyTorch 2.13 wheel at ${WHEEL_LIB} and the zip command)`,
  () => {
    let fx: Fixture;
    let server: http.Server;
    let base: string;
    const hits = new Map<string, number>();
    const hitCount = (p: string): number => hits.get(`/lt/${p}`) ?? 0;

    beforeAll(async () => {
      fx = buildFixture();
      server = http.createServer((req, res) => {
        const url = req.url ?? '';
        hits.set(url, (hits.get(url) ?? 0) + 1);
        const serveZip = (body: Buffer): void => {
          res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(body.length) });
          res.end(body);
        };
        const zipName = /^\/lt\/(?:cpu|cu\d+)\/(\w+)\.zip$/.exec(url)?.[1];
        if (zipName && fx.zips[zipName]) return serveZip(fx.zips[zipName]);
        if (url === '/lt/redirect/good.zip') {
          res.writeHead(302, { location: '/lt/hop/good.zip' }); // relative, resolved against the request
          return res.end();
        }
        if (url === '/lt/hop/good.zip') {
          res.writeHead(307, { location: `${base}/cpu/good.zip` }); // absolute
          return res.end();
        }
        if (url === '/lt/loop.zip') {
          res.writeHead(302, { location: '/lt/loop.zip' });
          return res.end();
        }
        if (url === '/lt/truncated.zip') {
          // Promise the whole zip, send half, then drop the connection.
          const body = fx.zips.good;
          res.writeHead(200, { 'content-length': String(body.length) });
          res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
          return;
        }
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lt`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(fx.tmp, { recursive: true, force: true });
    });

    const tableOf = (...builds: Array<Partial<LibTorchBuild> & { path: string }>): LibTorchDownloadTable => ({
      about: 'test table',
      mirror: 'http://127.0.0.1:9/never-used', // TORCHNODE_LIBTORCH_MIRROR must win over this
      default: { version: '2.13.0', flavour: 'cpu' },
      builds: builds.map((b) => ({ platform: PLATFORM, version: '2.13.0', flavour: 'cpu', sha256: null, ...b })),
    });
    const goodEntry = () => ({ path: 'cpu/good.zip', sha256: sha256(fx.zips.good) });

    function freshEnv(): NodeJS.ProcessEnv {
      return { TORCHNODE_CACHE: fs.mkdtempSync(path.join(fx.tmp, 'cache-')), TORCHNODE_LIBTORCH_MIRROR: base };
    }
    const cacheOf = (env: NodeJS.ProcessEnv): string => env.TORCHNODE_CACHE as string;
    const run = (table: LibTorchDownloadTable, env: NodeJS.ProcessEnv, extra: { sha256?: string; force?: boolean } = {}) => {
      const lines: string[] = [];
      const promise = installLibTorch({ table, env, platform: PLATFORM, log: (l) => lines.push(l), ...extra });
      return { promise, lines };
    };

    it('installs a zip with the right checksum, byte for byte, and reuses it afterwards', async () => {
      const env = freshEnv();
      const table = tableOf(goodEntry());
      const first = run(table, env);
      const dest = await first.promise;
      expect(dest).toBe(cachedLibTorchDir('2.13.0', 'cpu', env));
      expect(dest).toBe(path.join(cacheOf(env), 'libtorch-2.13.0-cpu', 'libtorch'));
      for (const rel of ['lib/libc10.so', 'build-version', 'include/torch/version.h', 'share/cmake/Torch/TorchConfigVersion.cmake']) {
        expect(fs.readFileSync(path.join(dest, rel)).equals(fs.readFileSync(path.join(fx.src, rel))), rel).toBe(true);
      }
      expect(fs.statSync(path.join(dest, 'lib', 'libc10.so')).mode & 0o111).not.toBe(0);
      expect(fs.lstatSync(path.join(dest, 'lib', 'libc10.so.2')).isSymbolicLink()).toBe(true);
      expect(fs.readlinkSync(path.join(dest, 'lib', 'libc10.so.2'))).toBe('libc10.so');
      expect(hitCount('cpu/good.zip')).toBe(1);
      expect(fs.readdirSync(cacheOf(env))).toEqual(['libtorch-2.13.0-cpu']); // no temporary files left
      expect(first.lines.some((l) => l.includes(`${base}/cpu/good.zip`))).toBe(true);
      expect(first.lines.at(-1)).toContain('2.13.0+cpu');

      const second = run(table, env);
      expect(await second.promise).toBe(dest);
      expect(hitCount('cpu/good.zip')).toBe(1); // not downloaded again
      expect(second.lines.join('\n')).toMatch(/already installed/);
    });

    it('rejects a checksum mismatch, naming both values, and leaves nothing behind', async () => {
      const env = freshEnv();
      const wrong = 'ab'.repeat(32);
      const { promise } = run(tableOf({ path: 'cpu/good.zip', sha256: wrong }), env);
      await expect(promise).rejects.toThrow(/^torchnode install-libtorch: checksum mismatch/);
      await expect(promise).rejects.toThrow(`expected sha256 ${wrong}, got ${sha256(fx.zips.good)}`);
      expect(fs.existsSync(cachedLibTorchDir('2.13.0', 'cpu', env))).toBe(false);
      expect(fs.readdirSync(cacheOf(env))).toEqual([]);
    });

    it('rejects a truncated download with the byte counts', async () => {
      const env = freshEnv();
      const { promise } = run(tableOf({ path: 'truncated.zip', sha256: sha256(fx.zips.good) }), env);
      const err: Error = await promise.then(() => { throw new Error('resolved'); }, (e: Error) => e);
      expect(err.message).toMatch(/^torchnode install-libtorch: the download from .*truncated\.zip was truncated/);
      const [, received, total] = /received (\d+) of (\d+) bytes/.exec(err.message) ?? [];
      expect(Number(total)).toBe(fx.zips.good.length);
      expect(Number(received)).toBeLessThan(fx.zips.good.length);
      expect(fs.readdirSync(cacheOf(env))).toEqual([]);
    });

    it('reports HTTP 404 with the URL', async () => {
      const env = freshEnv();
      const { promise } = run(tableOf({ path: 'cpu/missing.zip', sha256: 'cd'.repeat(32) }), env);
      await expect(promise).rejects.toThrow(`torchnode install-libtorch: download failed: HTTP 404 Not Found for ${base}/cpu/missing.zip`);
      expect(fs.readdirSync(cacheOf(env))).toEqual([]);
    });

    it('follows redirects, relative and absolute', async () => {
      const env = freshEnv();
      const before = hitCount('cpu/good.zip');
      const dest = await run(tableOf({ path: 'redirect/good.zip', sha256: sha256(fx.zips.good) }), env).promise;
      expect(fs.readFileSync(path.join(dest, 'lib', 'libc10.so')).equals(fs.readFileSync(path.join(fx.src, 'lib', 'libc10.so')))).toBe(true);
      expect(hitCount('redirect/good.zip')).toBe(1);
      expect(hitCount('hop/good.zip')).toBe(1);
      expect(hitCount('cpu/good.zip')).toBe(before + 1);
    });

    it('gives up after 5 redirects', async () => {
      const env = freshEnv();
      const { promise } = run(tableOf({ path: 'loop.zip', sha256: 'cd'.repeat(32) }), env);
      await expect(promise).rejects.toThrow(/too many redirects \(more than 5\)/);
      expect(hitCount('loop.zip')).toBe(6);
    });

    it('refuses a zip-slip entry (../evil)', async () => {
      const env = freshEnv();
      const { promise } = run(tableOf({ path: 'cpu/evil.zip', sha256: sha256(fx.zips.evil) }), env);
      await expect(promise).rejects.toThrow(/^torchnode install-libtorch: refusing .*\.\.\/evil/);
      // The zip is unpacked into <cache>/.<tag>.unpacking/, so ../evil would have landed in <cache>.
      expect(fs.readdirSync(cacheOf(env))).toEqual([]);
    });

    it('refuses a symlink pointing outside the tree', async () => {
      const env = freshEnv();
      const { promise } = run(tableOf({ path: 'cpu/badlink.zip', sha256: sha256(fx.zips.badlink) }), env);
      await expect(promise).rejects.toThrow(/refusing zip entry "libtorch\/lib\/escape".*symlink to "\.\.\/\.\.\/\.\.\/outside\.txt"/);
      expect(fs.readdirSync(cacheOf(env))).toEqual([]);
    });

    it('refuses a zip without libtorch/lib', async () => {
      const env = freshEnv();
      const { promise } = run(tableOf({ path: 'cpu/nolib.zip', sha256: sha256(fx.zips.nolib) }), env);
      await expect(promise).rejects.toThrow(/has no libtorch\/lib folder/);
      expect(fs.readdirSync(cacheOf(env))).toEqual([]);
    });

    it('refuses an entry without a pinned checksum unless --sha256 is given', async () => {
      const env = freshEnv();
      const table = tableOf({ path: 'cpu/good.zip', sha256: null });
      const before = hitCount('cpu/good.zip');
      await expect(run(table, env).promise).rejects.toThrow(/has no pinned checksum.*pass it with --sha256/);
      expect(hitCount('cpu/good.zip')).toBe(before); // refused before any download
      const dest = await run(table, env, { sha256: sha256(fx.zips.good).toUpperCase() }).promise;
      expect(fs.readFileSync(path.join(dest, 'build-version'), 'utf8')).toBe('2.13.0+cpu\n');
      expect(hitCount('cpu/good.zip')).toBe(before + 1);
    });

    it('refuses a --sha256 that contradicts the pinned one', async () => {
      const env = freshEnv();
      await expect(run(tableOf(goodEntry()), env, { sha256: 'ef'.repeat(32) }).promise)
        .rejects.toThrow(/--sha256 efef.* disagrees with the checksum pinned/);
    });

    it('--force replaces an install; a failed --force keeps the old one', async () => {
      const env = freshEnv();
      const dest = await run(tableOf(goodEntry()), env).promise;
      const marker = path.join(dest, 'marker.txt');
      fs.writeFileSync(marker, 'old install');

      const before = hitCount('cpu/good.zip');
      expect(await run(tableOf(goodEntry()), env, { force: true }).promise).toBe(dest);
      expect(hitCount('cpu/good.zip')).toBe(before + 1);
      expect(fs.existsSync(marker)).toBe(false); // a fresh tree
      expect(fs.existsSync(path.join(dest, 'lib', 'libc10.so'))).toBe(true);
      expect(fs.readdirSync(cacheOf(env))).toEqual(['libtorch-2.13.0-cpu']);

      fs.writeFileSync(marker, 'second install');
      const bad = run(tableOf({ path: 'cpu/good.zip', sha256: '12'.repeat(32) }), env, { force: true });
      await expect(bad.promise).rejects.toThrow(/checksum mismatch/);
      await expect(run(tableOf({ path: 'truncated.zip', sha256: sha256(fx.zips.good) }), env, { force: true }).promise)
        .rejects.toThrow(/truncated/);
      await expect(run(tableOf({ path: 'cpu/evil.zip', sha256: sha256(fx.zips.evil) }), env, { force: true }).promise)
        .rejects.toThrow(/refusing/);
      expect(fs.readFileSync(marker, 'utf8')).toBe('second install');
      expect(fs.readFileSync(path.join(dest, 'lib', 'libc10.so')).equals(fs.readFileSync(path.join(fx.src, 'lib', 'libc10.so')))).toBe(true);
      expect(fs.readdirSync(cacheOf(env))).toEqual(['libtorch-2.13.0-cpu']);
    });

    it('uses opts.mirror when TORCHNODE_LIBTORCH_MIRROR is not set, and refuses other protocols', async () => {
      const env = { TORCHNODE_CACHE: fs.mkdtempSync(path.join(fx.tmp, 'cache-')) };
      const dest = await installLibTorch({ table: tableOf(goodEntry()), env, platform: PLATFORM, mirror: `${base}/`, log: () => {} });
      expect(fs.existsSync(path.join(dest, 'lib', 'libc10.so'))).toBe(true);
      await expect(installLibTorch({
        table: tableOf(goodEntry()), platform: PLATFORM, log: () => {},
        env: { ...env, TORCHNODE_LIBTORCH_MIRROR: 'ftp://example.org/libtorch' }, force: true,
      })).rejects.toThrow(/TORCHNODE_LIBTORCH_MIRROR must be an http:\/\/ or https:\/\/ URL/);
    });
  },
);

describe('choosing a build', () => {
  const table: LibTorchDownloadTable = {
    about: 'test',
    mirror: 'https://example.org/libtorch',
    default: { version: '2.13.0', flavour: 'cpu' },
    builds: [
      { platform: 'linux-x64', version: '2.13.0', flavour: 'cpu', path: 'a.zip', sha256: null },
      { platform: 'linux-x64', version: '2.13.0', flavour: 'cu130', path: 'b.zip', sha256: null },
      { platform: 'linux-x64', version: '2.10.0', flavour: 'cpu', path: 'c.zip', sha256: null },
      { platform: 'darwin-arm64', version: '2.13.0', flavour: 'cpu', path: 'd.zip', sha256: null },
    ],
  };

  it('defaults to the table default and finds exact matches', () => {
    expect(pickLibTorchBuild(table, 'linux-x64').path).toBe('a.zip');
    expect(pickLibTorchBuild(table, 'linux-x64', undefined, 'cu130').path).toBe('b.zip');
    expect(pickLibTorchBuild(table, 'linux-x64', '2.10.0').path).toBe('c.zip');
    expect(pickLibTorchBuild(table, 'darwin-arm64').path).toBe('d.zip');
  });

  it('lists what this platform has for an unknown combination', () => {
    expect(() => pickLibTorchBuild(table, 'linux-x64', '2.13.0', 'cu126')).toThrow(
      'torchnode install-libtorch: no LibTorch 2.13.0 cu126 download is known for linux-x64. ' +
      'Available for linux-x64: 2.13.0 cpu, 2.13.0 cu130, 2.10.0 cpu. Pick one with --version and --flavor.');
    expect(() => pickLibTorchBuild(table, 'darwin-arm64', undefined, 'cu130')).toThrow(/Available for darwin-arm64: 2\.13\.0 cpu\./);
    expect(() => pickLibTorchBuild(table, 'linux-arm64')).toThrow(
      /no LibTorch download is known for linux-arm64 \(pytorch\.org publishes LibTorch zips for linux-x64, darwin-arm64\)/);
  });
});

describe('the pinned download table', () => {
  const t = realTable as LibTorchDownloadTable;

  it('is well formed: known platforms, pytorch.org paths, checksums with sources or null', () => {
    expect(t.mirror).toBe('https://download.pytorch.org/libtorch');
    const keys = new Set<string>();
    for (const b of t.builds) {
      const key = `${b.platform} ${b.version} ${b.flavour}`;
      expect(keys.has(key), `duplicate ${key}`).toBe(false);
      keys.add(key);
      expect(['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64']).toContain(b.platform);
      expect(b.path.startsWith(`${b.flavour}/`), key).toBe(true);
      expect(b.path, key).toContain(b.version);
      if (b.platform === 'darwin-arm64') expect(b.path).toBe(`cpu/libtorch-macos-arm64-${b.version}.zip`);
      if (b.platform === 'win32-x64') expect(b.path).toBe(`${b.flavour}/libtorch-win-shared-with-deps-${b.version}%2B${b.flavour}.zip`);
      if (b.platform === 'linux-x64') expect(b.path).toBe(`${b.flavour}/libtorch-shared-with-deps-${b.version}%2B${b.flavour}.zip`);
      if (b.sha256 === null) {
        expect(b.sha256_source, key).toBeUndefined();
      } else {
        expect(b.sha256, key).toMatch(/^[0-9a-f]{64}$/);
        expect(b.sha256_source, key).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[0-9a-f]{40}\//);
      }
    }
    expect(keys.has(`linux-x64 ${t.default.version} ${t.default.flavour}`)).toBe(true);
    const dflt = t.builds.find((b) => b.platform === 'linux-x64' && b.version === t.default.version && b.flavour === t.default.flavour);
    expect(dflt?.sha256).toBe('edbf4cbed78433d803e90a65f1752e57783d164bce66c95c0872b2ab8f5c159e');
  });
});

describe('parseInstallLibTorchArgs', () => {
  it('reads every option, in both --name value and --name=value forms', () => {
    expect(parseInstallLibTorchArgs([])).toEqual({ force: false, help: false });
    expect(parseInstallLibTorchArgs(['--flavor', 'cu130', '--version', '2.12.0', '--force'])).toEqual(
      { flavour: 'cu130', version: '2.12.0', force: true, help: false });
    expect(parseInstallLibTorchArgs(['--flavour=CU126', `--sha256=${'AB'.repeat(32)}`, '--mirror', 'http://10.0.0.1/lt/'])).toEqual(
      { flavour: 'cu126', sha256: 'ab'.repeat(32), mirror: 'http://10.0.0.1/lt', force: false, help: false });
    expect(parseInstallLibTorchArgs(['--help']).help).toBe(true);
    expect(parseInstallLibTorchArgs(['-h']).help).toBe(true);
  });

  it('says what is wrong', () => {
    const bad: Array<[string[], RegExp]> = [
      [['--flavor'], /^torchnode install-libtorch: --flavor needs a value/],
      [['--version', '--force'], /--version needs a value/],
      [['--version='], /--version needs a value/],
      [['--flavor', 'gpu'], /--flavor wants cpu or a CUDA build such as cu126 or cu130, not "gpu"/],
      [['--version', '2.13'], /--version wants a release number like 2\.13\.0, not "2\.13"/],
      [['--sha256', 'abc'], /--sha256 wants the zip's SHA-256 as 64 hex digits, not "abc"/],
      [['--mirror', 'ftp://x/y'], /--mirror must be an http:\/\/ or https:\/\/ URL/],
      [['--mirror', 'not a url'], /--mirror is not a URL/],
      [['--force=yes'], /--force takes no value/],
      [['--cuda'], /unknown option --cuda\. Run `npx torchnode install-libtorch --help`/],
      [['cu130'], /unexpected argument "cu130"/],
    ];
    for (const [argv, message] of bad) expect(() => parseInstallLibTorchArgs(argv), argv.join(' ')).toThrow(message);
  });
});
