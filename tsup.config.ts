import { defineConfig } from 'tsup';

// ESM and CommonJS builds with typings: the library (dist/index.*) and the `torchnode` command
// (dist/cli.*, run by bin/torchnode.js and the npm install hook). The native addon stays outside.
export default defineConfig({
  entry: { index: 'lib/index.ts', cli: 'lib/cli/main.ts' },
  format: ['cjs', 'esm'],
  dts: true,
  shims: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  // Class names appear in error messages ("not a Tensor, got Linear"): without this, bundling
  // renames clashing ones (_Tensor), and users would see internal names.
  keepNames: true,
});
