// `npx torchnode doctor`: what this machine offers torchnode, what it loads, and each problem
// with its fix. Exits 1 when torchnode cannot work here.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planLoad } from '../loader/load';
import { packageRoot } from '../loader/package_root';
import { findLibTorch } from '../loader/find_libtorch';
import { platformPackage, prebuildTag } from '../loader/prebuilds';

type Binding = typeof import('../binding');

function glibc(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  if (process.platform !== 'linux') return '';
  return header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'musl';
}

/** The BLAS libraries mapped into this process, from /proc/self/maps (Linux). */
function mappedBlas(): string[] {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const files = new Set(maps.split('\n').map((l) => l.split(/\s+/)[5]).filter((f) => f && /blas|lapack|mkl/i.test(path.basename(f))));
    return [...files].map((f) => fs.realpathSync(f));
  } catch {
    return [];
  }
}

/**
 * `npx torchnode doctor`: prints what the loader finds and loads; returns the exit code.
 * @internal
 */
export async function doctor(): Promise<number> {
  const problems: string[] = [];
  const out = (line = '') => console.log(line);
  const root = packageRoot();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

  out(`torchnode ${pkg.version} (${root})`);
  out(`  Node ${process.version}, ${process.platform} ${process.arch}${glibc() ? ', ' + glibc() : ''}, Node-API ${process.versions.napi}`);
  out(`  platform package: @torchnode/${platformPackage()}`);

  const { plan, problem, prebuilds } = planLoad(root);
  // Everything there is, not just up to the first LibTorch the loader can take.
  const search = plan?.kind === 'prebuild' || !plan ? findLibTorch() : null;
  out('LibTorch');
  if (search) {
    for (const line of search.searched) out(`  searched ${line}`);
    for (const f of search.found)
      out(`  found ${f.version}: flavour ${f.flavour}, ${f.cxx11Abi === null ? 'ABI n/a' : f.cxx11Abi ? 'C++11 ABI' : 'pre-C++11 ABI'}, prebuild tag ${prebuildTag(f)}, in ${f.libDir} via ${f.source}`);
  } else out(`  not searched: ${plan?.kind} names the addon (${plan?.file})`);
  out('Addon');
  for (const line of prebuilds.looked) out(`  prebuilds in ${line}`);
  if (plan) out(`  chosen: ${plan.kind === 'prebuild' ? `prebuild ${plan.tag} (${plan.file})` : `${plan.kind} (${plan.file})`}`);

  let binding: Binding | null = null;
  try {
    binding = await import('../binding');
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (!plan && problem && !problems.length) problems.push(problem);

  if (binding) {
    const lt = binding.native.libtorch;
    out(`  loaded: LibTorch ${lt.version} (built against ${lt.builtAgainst}), ${lt.flavour}, ${lt.library}`);
    out('BLAS');
    const blas = mappedBlas();
    if (lt.mkl) out('  MKL, built into LibTorch');
    for (const f of blas) out(`  ${f}`);
    if (!lt.mkl && blas.some((f) => /\/blas\/libblas/.test(f)) && !blas.some((f) => /openblas/i.test(f))) {
      problems.push(
        'LibTorch uses the reference BLAS, which makes matrix products about 11x slower. Fix: `sudo apt-get install libopenblas0-pthread` (Debian/Ubuntu), or select OpenBLAS with `sudo update-alternatives --config libblas.so.3-' +
          (process.arch === 'x64' ? 'x86_64' : 'aarch64') + '-linux-gnu`.',
      );
    }
    if (blas.some((f) => /openblas.*pthread|libopenblasp/i.test(f)) && process.env.OPENBLAS_NUM_THREADS !== '1') {
      // Measured with the chapter's CNN: ten forward_async calls in flight took 2.1-3.5 ms each
      // instead of 0.4 ms (README, Serving).
      out('  note: this OpenBLAS has its own thread pool; a server running forwards from several threads');
      out('  (forward_async, torch.serving.MicroBatcher) should set OPENBLAS_NUM_THREADS=1');
    }
    out('Threads');
    out(`  intra-op threads: ${binding.native.getNumThreads()} (OMP_NUM_THREADS=${process.env.OMP_NUM_THREADS ?? 'unset'}), CPU cores: ${os.availableParallelism()}`);
    out('CUDA');
    const available = binding.native.cuda.isAvailable();
    out(`  LibTorch flavour ${lt.flavour}${lt.cuda ? ` (CUDA ${lt.cuda})` : ''}; available: ${available}; devices: ${available ? binding.native.cuda.deviceCount() : 0}`);
    if (lt.flavour === 'cpu') out('  (a CPU LibTorch; for CUDA: `npx torchnode install-libtorch --flavor cu130`, or a CUDA torch wheel)');
    else if (!available) out('  (a CUDA LibTorch, but no usable GPU or driver here: tensors stay on the CPU)');
  }

  out();
  if (problems.length === 0) {
    out('No problems found: torchnode works here.');
    return 0;
  }
  out(`Problems (${problems.length}):`);
  for (const p of problems) out(p.split('\n').map((l, i) => (i === 0 ? `* ${l}` : `  ${l}`)).join('\n'));
  return binding ? 0 : 1;
}
