import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { writeEsmWrapper } from './scripts/esm_wrapper';

// The library is built once, as CommonJS (dist/index.js), with its typings (dist/index.d.ts).
// The ES module entry (dist/index.mjs, dist/index.d.mts) is a generated wrapper that re-exports
// that build (scripts/esm_wrapper.ts), so import and require get the same classes and state: a
// second, ESM copy of the library would reject the first one's tensors and keep its own default
// dtype. The `torchnode` command (dist/cli.js, run by bin/torchnode.js and the npm install hook)
// is CommonJS only. The native addon stays outside.

/** The build into `outDir` (tests/package.test.ts builds a private copy with it). */
export function libraryBuild(outDir: string): Options {
  return {
    entry: { index: 'lib/index.ts', cli: 'lib/cli/main.ts' },
    outDir,
    format: ['cjs'],
    dts: { entry: { index: 'lib/index.ts' } },
    shims: true,
    // The output folder is emptied below rather than by tsup's `clean`: that option also makes
    // the declaration build delete every .d.mts when it starts, racing with the ESM wrapper's.
    clean: false,
    target: 'node20',
    // No source maps: they were half the package, and the output is not minified, so a stack
    // trace into dist/index.js already shows readable code with the original names.
    sourcemap: false,
    // Class names appear in error messages ("not a Tensor, got Linear"): without this, bundling
    // renames clashing ones (_Tensor), and users would see internal names.
    keepNames: true,
    // The module is its own default export, so `import torch from 'torchnode'` is the object
    // require() returns, in Node and in bundlers (they read .default of a module marked
    // __esModule). Not enumerable, so Object.keys(torch) lists the library only. Not written in
    // lib/index.ts: a module that imports itself breaks the declaration bundle.
    footer: { js: "Object.defineProperty(module.exports, 'default', { value: module.exports });" },
    onSuccess: () => writeEsmWrapper(process.cwd(), 'lib/index.ts', 'index', outDir),
  };
}

export default defineConfig((overrides) => {
  const outDir = path.resolve(overrides.outDir ?? 'dist');
  fs.rmSync(outDir, { recursive: true, force: true });
  return libraryBuild(outDir);
});
