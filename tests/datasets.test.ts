// FashionMNIST's download, as torchvision's download=True: against a loopback HTTP server that
// serves the local copy of Fashion-MNIST (Debian's dataset-fashion-mnist). Debian recompressed
// the .gz files, so their MD5s are not the published ones: the tests pass a table computed here
// for the local files, and one test checks that the default table is the published one (the
// local files fail it). Expected values (first labels, pixel sums) come from reading the same
// files with Python's gzip and numpy.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';

const { FashionMNIST, FASHION_MNIST_MD5 } = torch.datasets;
const LOCAL = '/usr/share/datasets/fashion-mnist';
const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const quiet = () => {};

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const bytes: Record<string, Buffer> = {};
const localMd5: Record<string, string> = {};
let server: http.Server;
let base = '';
const requests: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'torchnode-datasets-'));
let n = 0;
const freshRoot = () => join(dir, `root${n++}`);

beforeAll(async () => {
  // scripts/setup.sh installs Debian's dataset-fashion-mnist; without it this is a setup error.
  expect(existsSync(join(LOCAL, FILES[0])), `${LOCAL} is missing: run scripts/setup.sh`).toBe(true);
  for (const f of FILES) {
    bytes[f] = readFileSync(join(LOCAL, f));
    localMd5[f] = md5(bytes[f]);
  }
  // /good/ serves the files, /corrupt/ the same length of wrong bytes, anything else is a 404.
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const [, kind, name] = (req.url ?? '').split('/');
    const file = bytes[name];
    if (!file || (kind !== 'good' && kind !== 'corrupt')) {
      res.writeHead(404).end('not here');
      return;
    }
    const body = kind === 'good' ? file : Buffer.alloc(file.length, 0x5a);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('FashionMNIST download', () => {
  it('downloads the four files into root/FashionMNIST/raw, and the dataset loads from them', async () => {
    const root = freshRoot();
    requests.length = 0;
    const train = await FashionMNIST.create(root, { download: true, mirrors: [`${base}/good/`], md5: localMd5, log: quiet });
    const raw = join(root, 'FashionMNIST', 'raw');
    expect(readdirSync(raw).sort()).toEqual([...FILES].sort());
    for (const f of FILES) expect(md5(readFileSync(join(raw, f)))).toBe(localMd5[f]);
    expect(requests.sort()).toEqual(FILES.map((f) => `/good/${f}`).sort());

    expect(train.length).toBe(60000);
    expect(train.data.shape).toEqual([60000, 28, 28]);
    const [image, label] = train.getItem(0);
    expect(label).toBe(9);
    expect(image.sum().item()).toBe(76247);
    expect(train.targets.sum().item()).toBe(270000);

    // Present and valid: nothing is fetched again.
    requests.length = 0;
    const test = await FashionMNIST.create(root, { train: false, download: true, mirrors: [`${base}/good/`], md5: localMd5, log: quiet });
    expect(requests).toEqual([]);
    expect(test.length).toBe(10000);
    expect(test.getItem(0)[1]).toBe(9);
    expect(test.getItem(1)[1]).toBe(2);
    expect(test.data.select(0, 0).sum().item()).toBe(33456);
  });

  it('a corrupt download is a clear error and leaves no file', async () => {
    const root = freshRoot();
    const err = await FashionMNIST.download(root, { mirrors: [`${base}/corrupt/`], md5: localMd5, log: quiet }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('could not download train-images-idx3-ubyte.gz');
    expect((err as Error).message).toContain(`${base}/corrupt/train-images-idx3-ubyte.gz: checksum mismatch`);
    expect((err as Error).message).toContain(`expected ${localMd5['train-images-idx3-ubyte.gz']}`);
    expect(readdirSync(join(root, 'FashionMNIST', 'raw'))).toEqual([]);
    expect(() => new FashionMNIST(root)).toThrow('Fashion-MNIST not found');
  });

  it('a failed download keeps the file that was there; the next mirror is tried', async () => {
    const root = freshRoot();
    const raw = join(root, 'FashionMNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    const old = Buffer.from('an older copy');
    writeFileSync(join(raw, 'train-images-idx3-ubyte.gz'), old);
    const mirrors = [`${base}/missing/`, `${base}/corrupt/`];
    const err = (await FashionMNIST.download(root, { mirrors, md5: localMd5, log: quiet }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(`${base}/missing/train-images-idx3-ubyte.gz: HTTP 404`);
    expect(err.message).toContain(`${base}/corrupt/train-images-idx3-ubyte.gz: checksum mismatch`);
    expect(readFileSync(join(raw, 'train-images-idx3-ubyte.gz'))).toEqual(old);
    expect(readdirSync(raw)).toEqual(['train-images-idx3-ubyte.gz']); // no partial files

    // A good mirror after a bad one: the file is replaced by the verified one.
    const lines: string[] = [];
    await FashionMNIST.download(root, { mirrors: [`${base}/corrupt/`, `${base}/good/`], md5: localMd5, log: (l) => lines.push(l) });
    expect(md5(readFileSync(join(raw, 'train-images-idx3-ubyte.gz')))).toBe(localMd5['train-images-idx3-ubyte.gz']);
    expect(readdirSync(raw).sort()).toEqual([...FILES].sort());
    expect(lines).toContain(`downloading ${base}/good/train-images-idx3-ubyte.gz`);
  });

  it('an unreachable mirror names itself', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const root = freshRoot();
    await expect(FashionMNIST.download(root, { mirrors: [`http://127.0.0.1:${port}/`], md5: localMd5, log: quiet })).rejects.toThrow(
      `http://127.0.0.1:${port}/train-images-idx3-ubyte.gz: could not connect`,
    );
  });

  it('by default the published checksums apply: the recompressed local files fail them', async () => {
    expect(FASHION_MNIST_MD5).toEqual({
      'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
      't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
      't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
    });
    expect(torch.datasets.FASHION_MNIST_MIRRORS[0]).toBe('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/');
    const root = freshRoot();
    await expect(FashionMNIST.download(root, { mirrors: [`${base}/good/`], log: quiet })).rejects.toThrow(
      'checksum mismatch: MD5 ' + localMd5['train-images-idx3-ubyte.gz'] + ', expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    );
    expect(readdirSync(join(root, 'FashionMNIST', 'raw'))).toEqual([]);
  });

  it('TORCHNODE_FASHION_MNIST_MIRROR replaces the mirrors; TORCHNODE_DATA is the default root', async () => {
    const root = freshRoot();
    const saved = { mirror: process.env.TORCHNODE_FASHION_MNIST_MIRROR, data: process.env.TORCHNODE_DATA };
    try {
      process.env.TORCHNODE_FASHION_MNIST_MIRROR = `${base}/missing/, ${base}/good/`;
      process.env.TORCHNODE_DATA = root;
      expect(torch.datasets.default_fashion_mnist_root()).toBe(root);
      await FashionMNIST.download(undefined, { md5: localMd5, log: quiet });
      const test = new FashionMNIST(undefined, { train: false });
      expect(test.root).toBe(root);
      expect(test.length).toBe(10000);
    } finally {
      for (const [k, v] of [['TORCHNODE_FASHION_MNIST_MIRROR', saved.mirror], ['TORCHNODE_DATA', saved.data]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('files already in root (Debian\'s layout) are used as they are: nothing is fetched or written', async () => {
    requests.length = 0;
    await FashionMNIST.download(LOCAL, { mirrors: [`${base}/good/`], log: quiet });
    expect(requests).toEqual([]);
    expect(existsSync(join(LOCAL, 'FashionMNIST'))).toBe(false);
  });

  it('download: true in the constructor points to FashionMNIST.create when files are missing', () => {
    expect(() => new FashionMNIST(freshRoot(), { download: true })).toThrow('await FashionMNIST.create(root, { download: true })');
  });
});
