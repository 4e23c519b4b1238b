import { defineConfig } from 'tsup';

// ESM and CommonJS builds with typings; the native addon stays outside the bundle.
export default defineConfig({
  entry: ['lib/index.ts'],
  format: ['cjs', 'esm'],
  dts: true,
  shims: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
});
