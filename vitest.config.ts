import { defineConfig } from 'vitest/config';

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
