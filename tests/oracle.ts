// The PyTorch oracle the tests compare against, matched to the LibTorch this build runs on:
// fixtures come from tests/fixtures/torch-<major.minor>/ (written by scripts/gen_*.py under that
// PyTorch), and live checks run the Python whose torch has the same major.minor.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../lib/index';

/** 'torch-2.13' for LibTorch 2.13.x: the fixture folder of the running LibTorch. */
export const torchTag = `torch-${torch.version.libtorch.split('.').slice(0, 2).join('.')}`;

/** A JSON fixture made by the PyTorch of the running LibTorch's version. */
export function readFixture<T = any>(name: string): T {
  const file = join(__dirname, 'fixtures', torchTag, name);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`no fixture ${file} for LibTorch ${torch.version.libtorch}: run npm run fixtures with that PyTorch (${(e as Error).message})`);
  }
}

/**
 * The Python interpreter whose torch matches the running LibTorch: TORCHNODE_ORACLE_PYTHON,
 * else TORCHNODE_PYTHON (the one the build found LibTorch through), else Debian's /usr/bin/python3.
 */
export const oraclePython: string = process.env.TORCHNODE_ORACLE_PYTHON || process.env.TORCHNODE_PYTHON || '/usr/bin/python3';

/**
 * The environment for running the oracle Python: without `npm run test:asan`'s AddressSanitizer
 * preload, which is there for torchnode's addon. PyTorch's own C++ exceptions trip ASan's
 * __cxa_throw interceptor in a Python process that was not built for it.
 */
export function oracleEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  delete env.ASAN_OPTIONS;
  return env;
}

let checked = false;
/** Throws unless the oracle's torch has the running LibTorch's major.minor. */
export function checkOracle(): void {
  if (checked) return;
  const v = execFileSync(oraclePython, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env: oracleEnv() }).trim();
  const want = torch.version.libtorch.split('.').slice(0, 2).join('.');
  if (!v.startsWith(want + '.')) {
    throw new Error(`the oracle ${oraclePython} has PyTorch ${v}, but torchnode runs on LibTorch ${torch.version.libtorch}: set TORCHNODE_ORACLE_PYTHON`);
  }
  checked = true;
}
