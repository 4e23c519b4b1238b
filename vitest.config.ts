import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // One native LibTorch per process is plenty on a 2-core machine; forks isolate crashes.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
