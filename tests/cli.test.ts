// The `torchnode` command (lib/cli/main.ts) in this checkout: doctor's report on the addon this
// process runs, and the command's usage and errors. The install hook and doctor's exit code where
// nothing loads are exercised in a packed install (scripts/pack_proof.sh).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../lib/cli/main';
import * as torch from '../lib/index';
import { loadPlan } from '../lib/binding';

function capture(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  return { lines, restore: () => (log.mockRestore(), error.mockRestore()) };
}

describe('npx torchnode', () => {
  let out: ReturnType<typeof capture>;
  afterEach(() => out.restore());

  it('doctor reports the platform, the addon chosen, the LibTorch loaded, BLAS, threads and CUDA, and exits 0', async () => {
    out = capture();
    expect(await main(['doctor'])).toBe(0);
    const text = out.lines.join('\n');
    expect(text).toContain(`Node ${process.version}, ${process.platform} ${process.arch}`);
    expect(text).toContain(`Node-API ${process.versions.napi}`);
    expect(text).toContain(`chosen: ${loadPlan.kind} (${loadPlan.file})`);
    expect(text).toContain(`loaded: LibTorch ${torch.version.libtorch} (built against ${torch.version.libtorch}), ${torch.version.flavour}, ${torch.version.library}`);
    // Debian's LibTorch uses the system BLAS (OpenBLAS when setup.sh installed it); pip's has MKL built in
    expect(text).toMatch(torch.version.mkl ? /MKL, built into LibTorch/ : /openblas/);
    if (/openblas-pthread/.test(text) && process.env.OPENBLAS_NUM_THREADS !== '1') expect(text).toContain('should set OPENBLAS_NUM_THREADS=1');
    expect(text).toContain(`intra-op threads: ${torch.get_num_threads()}`);
    expect(text).toContain(`LibTorch flavour ${torch.version.flavour}`);
    expect(text).toContain('No problems found: torchnode works here.');
  });

  it('prints its usage, and refuses an unknown command', async () => {
    out = capture();
    expect(await main(['--help'])).toBe(0);
    expect(out.lines.join('\n')).toContain('install-libtorch  download pytorch.org');
    expect(await main(['frobnicate'])).toBe(1);
    expect(out.lines.join('\n')).toContain("torchnode: unknown command 'frobnicate'.");
    expect(await main(['install-libtorch', '--flavor', 'rocm'])).toBe(1);
    expect(out.lines.at(-1)).toMatch(/^torchnode install-libtorch: /);
  });
});
