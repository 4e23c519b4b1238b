// torch.load against files built to attack it (tests/fixtures/hostile/, written by
// scripts/gen_hostile_files.py with what each must give in manifest.json): each one loads
// correctly or fails with a clear TorchError that names the file, within bounded CPU time
// and memory. The loads run in one child process (tests/hostile_probe.ts), so a hang, a crash
// or a memory blow-up shows up here as a finding rather than taking vitest down, and so the
// child's resident memory is the loads' own.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as torch from '../lib/index';
import { ZipReader } from '../lib/serialization/zip';

const DIR = path.join(__dirname, 'fixtures', 'hostile');
const TSX = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
const PROBE = path.join(__dirname, 'hostile_probe.ts');

interface Expectation {
  file: string;
  what: string;
  outcome: 'error' | 'load';
  error?: string;
  options?: Record<string, unknown>;
  check?: string;
  [key: string]: unknown;
}
interface ProbeResult {
  file: string;
  ms: number;
  cpuMs: number;
  peakGrowthMB: number;
  outcome: 'error' | 'load';
  class?: string;
  message?: string;
  summary?: Record<string, unknown>;
}

const manifest: { files: Expectation[] } = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8'));

// Generous bounds: the old loader took over a minute (huge integers) and 3 GB (zip bombs).
const CPU_BOUND_MS = 2000;
const MEMORY_BOUND_MB = 256;
// Internals that must never reach a user: our error classes, Node's error codes, stack frames.
const JUNK = /ZipFormatError|PickleError|RangeError|TypeError|ERR_[A-Z_]+|\n\s+at |Maximum call stack|undefined|\[object /;

const results = new Map<string, ProbeResult>();

beforeAll(() => {
  const jobs = manifest.files.map((e) => ({ file: path.join(DIR, e.file), options: e.options }));
  const out = execFileSync(TSX, ['--expose-gc', PROBE, JSON.stringify(jobs)], {
    encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20,
  });
  for (const line of out.trim().split('\n')) {
    const r = JSON.parse(line) as ProbeResult;
    results.set(r.file, r);
  }
  // The figures, for the record (README, reports): the worst CPU time and memory per file.
  const worstCpu = [...results.values()].reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  const worstMem = [...results.values()].reduce((a, b) => (b.peakGrowthMB > a.peakGrowthMB ? b : a));
  console.log(`[hostile] ${results.size} files; worst CPU ${worstCpu.cpuMs.toFixed(0)} ms (${worstCpu.file}); ` +
    `worst peak RSS growth bound ${worstMem.peakGrowthMB.toFixed(0)} MB (${worstMem.file})`);
  for (const r of results.values()) console.log(`[hostile] ${r.file}: ${r.outcome}, ${r.cpuMs.toFixed(1)} ms CPU, ${r.ms.toFixed(1)} ms wall, <= ${r.peakGrowthMB.toFixed(1)} MB`);
}, 320_000);

describe('the hostile corpus', () => {
  it('the manifest lists every file in the folder', () => {
    const onDisk = fs.readdirSync(DIR).filter((f) => f !== 'manifest.json').sort();
    expect(manifest.files.map((e) => e.file).sort()).toEqual(onDisk);
    expect(onDisk.length).toBeGreaterThanOrEqual(50);
  });

  for (const e of manifest.files) {
    it(`${e.file}: ${e.what}`, () => {
      const r = results.get(e.file);
      expect(r, `no result for ${e.file}: the probe died before reaching it`).toBeDefined();
      const file = path.join(DIR, e.file);
      if (e.outcome === 'error') {
        expect(r!.outcome).toBe('error');
        expect(r!.class).toBe('TorchError');
        expect(r!.message!.startsWith(`torch.load: ${file}`)).toBe(true);
        expect(r!.message).toContain(e.error);
        expect(r!.message).not.toMatch(JUNK);
        expect(r!.message!.length).toBeLessThan(600);
      } else {
        expect(r!.message).toBeUndefined();
        expect(r!.outcome).toBe('load');
        checkSummary(e, r!.summary!);
      }
      expect(r!.cpuMs).toBeLessThan(CPU_BOUND_MS);
      expect(r!.peakGrowthMB).toBeLessThan(MEMORY_BOUND_MB);
    });
  }

  it('a 256 KiB integer (LONG4) decodes in linear time: well under 100 ms', () => {
    const r = results.get('huge_int_long4.pt')!;
    expect(r.summary!.bits).toBeGreaterThan(256 * 1024 * 8 - 8);
    expect(r.cpuMs).toBeLessThan(100);
  });
});

function checkSummary(e: Expectation, s: Record<string, unknown>): void {
  switch (e.check) {
    case 'bigint':
      expect(s.type).toBe('bigint');
      expect(s.bits).toBeGreaterThan((e.bytes as number) * 8 - 8);
      break;
    case 'list_of_bigints':
      expect(s).toMatchObject({ type: 'array', length: e.count, all_bigints: true });
      break;
    case 'depth':
      expect(s.depth).toBeGreaterThanOrEqual(e.depth as number);
      expect(s.depth).toBeLessThanOrEqual((e.depth as number) + 1);
      break;
    case 'length':
      expect(s).toMatchObject({ type: 'array', length: e.length });
      break;
    case 'self_cycle':
      expect(s).toMatchObject({ type: 'array', length: 1, self_cycle: true });
      break;
    case 'tensor':
      expect(s.tensor).toEqual(e.values);
      break;
    default:
      throw new Error(`manifest: unknown check ${e.check}`);
  }
}

describe('max_bytes bounds what a load may read', () => {
  const good = path.join(DIR, 'good_reference.pt');

  it('refuses a file whose records need more, before reading them', () => {
    expect(() => torch.load(good, { max_bytes: 16 })).toThrow(
      new RegExp(`^torch\\.load: ${good}: record 'archive/data\\.pkl' needs \\d+ bytes, more than max_bytes \\(16\\) allows$`),
    );
    // data.pkl fits, its storage (2 float32) does not: the storage is refused before it is read
    const zip = ZipReader.open(good);
    const pkl = zip.entries.get('archive/data.pkl')!.size;
    zip.close();
    const fits = (max: number) => {
      try {
        torch.load(good, { max_bytes: max });
        return 'loads';
      } catch (e) {
        return (e as Error).message;
      }
    };
    let least = pkl;
    while (fits(least) !== 'loads') least++;
    const refusals = Array.from({ length: 120 }, (_, i) => fits(least - 1 - i));
    expect(refusals.some((m) => m.startsWith(`torch.load: ${good}: storage 'archive/data/0' needs 8 bytes, more than max_bytes (`))).toBe(true);
    expect(refusals.every((m) => m.startsWith(`torch.load: ${good}: `) && / needs \d+ bytes, more than max_bytes \(\d+\) allows/.test(m))).toBe(true);
  });

  it('loads a file that fits', () => {
    expect((torch.load(good, { max_bytes: 4096 }) as Record<string, torch.Tensor>).w.tolist()).toEqual([1.5, -3]);
  });

  it('checks the zip bomb against its declared size without inflating it', () => {
    const bomb = path.join(DIR, 'zip_bomb_declared.pt');
    const t0 = performance.now();
    expect(() => torch.load(bomb, { max_bytes: 1 << 20 })).toThrow(/needs 268435456 bytes, more than max_bytes \(1048576\)/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('rejects a max_bytes that is not a number', () => {
    expect(() => torch.load(good, { max_bytes: -1 })).toThrow(RangeError);
    expect(() => torch.load(good, { max_bytes: '5' as unknown as number })).toThrow(/max_bytes must be a non-negative number/);
  });
});

describe('weights_only', () => {
  it('is accepted either way, and code-running globals are refused either way', () => {
    const good = path.join(DIR, 'good_reference.pt');
    const evil = path.join(DIR, 'reduce_os_system.pt');
    for (const weights_only of [true, false]) {
      expect((torch.load(good, { weights_only }) as Record<string, torch.Tensor>).w.tolist()).toEqual([1.5, -3]);
      expect(() => torch.load(evil, { weights_only })).toThrow(weights_only
        ? /Weights only load failed: Trying to load unsupported GLOBAL os\.system whose module os is blocked/
        : /cannot load objects of type 'os\.system'/);
    }
    // The default is weights_only: true, as in PyTorch 2.6 and later.
    expect(() => torch.load(evil)).toThrow(/Weights only load failed/);
    expect(fs.existsSync('/tmp/torchnode-pwned')).toBe(false);
  });
});

describe('max_bytes also bounds the objects a pickle makes', () => {
  it('10^6 nested tuples (a 1 MB pickle) are refused under max_bytes 10 MB, before they are all made', () => {
    const file = path.join(DIR, 'deep_tuples1.pt');
    expect(() => torch.load(file, { max_bytes: 10e6 })).toThrow(
      new RegExp(`^torch\\.load: ${file}: the objects in data\\.pkl needs 100 bytes, more than max_bytes \\(10000000\\) allows after the \\d+ already read$`),
    );
    expect(torch.load(file, { max_bytes: 200e6 })).toHaveLength(1);
  });

  it('a state_dict needs little beyond its storages', () => {
    const file = path.join(DIR, 'good_reference.pt');
    expect((torch.load(file, { max_bytes: 2048 }) as Record<string, torch.Tensor>).w.tolist()).toEqual([1.5, -3]);
  });
});
