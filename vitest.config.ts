import { defineConfig } from 'vitest/config';

// The committed fixtures hold PyTorch's results bit for bit, and OpenBLAS picks its kernels by
// CPU: on an AVX-512 machine (an AMD Zen 4 reports as Cooperlake) QR and the CNN's matmuls round
// differently from the AVX2 kernels the fixtures were written with, in PyTorch and torchnode
// alike. Tests (and scripts/fixtures.sh) therefore run OpenBLAS's Haswell (AVX2) kernels on every
// x86-64 CPU; the workers and the Python oracles they start inherit this. A value set by the
// caller wins.
if (process.arch === 'x64') process.env.OPENBLAS_CORETYPE ??= 'Haswell';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // One native LibTorch per process is plenty on a 2-core machine; forks isolate crashes.
    pool: 'forks',
    testTimeout: 60_000,
    // The public API's types (tests/types/*.test-d.ts: expectTypeOf and @ts-expect-error lines)
    // are checked by tsc as part of every run; nothing in them executes.
    typecheck: {
      enabled: true,
      include: ['tests/types/**/*.test-d.ts'],
      tsconfig: './tests/types/tsconfig.json',
    },
  },
});
