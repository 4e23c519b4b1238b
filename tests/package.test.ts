// The package as a process loads it: one library, whether a dependency imports torchnode (the ES
// module entry, dist/index.mjs) or requires it (dist/index.js), or both in one process. A second
// copy would reject the first one's tensors ("must be a Tensor, not _Tensor") and keep its own
// default dtype. The tarball's metadata and typings are checked by publint and arethetypeswrong
// (scripts/pack_proof_lint.sh).
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'tsup';
import { libraryBuild } from '../tsup.config';

const root = path.join(__dirname, '..');
const BUILD_INPUTS = ['lib', 'tsup.config.ts', 'scripts/esm_wrapper.ts', 'package.json'];

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** dist/ when it is built from the current sources, else a private JavaScript-only build. */
async function packageUnderTest(): Promise<string> {
  const built = ['dist/index.js', 'dist/index.mjs'].map((f) => path.join(root, f));
  if (built.every(fs.existsSync)) {
    const oldest = Math.min(...built.map((f) => fs.statSync(f).mtimeMs));
    if (oldest >= Math.max(...BUILD_INPUTS.map((p) => newestMtime(path.join(root, p))))) return root;
  }
  // Not into dist/: other test files may be reading it. The copy is a package of its own (its
  // package.json, so `import 'torchnode'` resolves to it) that loads the repository's addon.
  const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-package-'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  fs.symlinkSync(path.join(root, 'build'), path.join(pkg, 'build'));
  const outDir = path.join(pkg, 'dist');
  await build({ ...libraryBuild(outDir), dts: false, silent: true, config: false });
  return pkg;
}

// One process: imports the package by name, requires it, and mixes the two.
const MIXED = `
import torch, * as ns from 'torchnode';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const cjs = require('torchnode');
const r = {};
r.resolved = [import.meta.resolve('torchnode'), require.resolve('torchnode')];
r.defaultIsRequired = torch === cjs;
r.requiredDefault = cjs.default === cjs;
r.esmNames = Object.keys(ns).filter((k) => k !== 'default').sort();
r.cjsNames = Object.keys(cjs).sort();
r.differing = r.cjsNames.filter((k) => ns[k] !== cjs[k]);
r.sameClasses = [ns.Tensor === cjs.Tensor, ns.nn === cjs.nn, ns.nn.Linear === cjs.nn.Linear, ns.TorchError === cjs.TorchError];
const a = ns.tensor([1, 2, 3]);
r.esmTensorInCjs = [a instanceof cjs.Tensor, cjs.is_tensor(a), cjs.add(a, 1).tolist()];
r.cjsTensorInEsm = ns.mul(cjs.ones(2), 3).tolist();
cjs.manual_seed(0);
const lin = new cjs.nn.Linear(3, 2);
const y = ns.nn.functional.relu(lin.forward(ns.ones(4, 3)));
r.linear = [y.shape, y instanceof ns.Tensor];
r.dtypeBefore = String(ns.get_default_dtype());
cjs.set_default_dtype(cjs.float64);
r.dtypeSetThroughRequire = [String(ns.get_default_dtype()), String(ns.zeros(1).dtype), String(torch.tensor([0.5]).dtype)];
ns.set_default_dtype(ns.float32);
r.dtypeSetThroughImport = [String(cjs.get_default_dtype()), String(cjs.zeros(1).dtype)];
r.var = [ns.var === cjs.var, ns.var(ns.tensor([1.0, 2.0, 3.0, 4.0], { dtype: ns.float32 })).item()];
r.defaultSum = torch.arange(5).sum().item();
try { cjs.zeros(2).matmul(ns.zeros(3)); } catch (e) { r.error = [e instanceof ns.TorchError, e instanceof torch.TorchError]; }
console.log(JSON.stringify(r));
`;

describe('one library for import and require', () => {
  let pkg = '';
  let r: Record<string, unknown> & { cjsNames: string[]; var: [boolean, number] };
  let wrapper = '';
  let real = '';
  beforeAll(async () => {
    pkg = await packageUnderTest();
    real = fs.realpathSync(pkg);
    const script = path.join(pkg, `.mixed-${process.pid}.mjs`);
    fs.writeFileSync(script, MIXED);
    wrapper = fs.readFileSync(path.join(pkg, 'dist', 'index.mjs'), 'utf8');
    try {
      r = JSON.parse(execFileSync(process.execPath, [script], { cwd: pkg, encoding: 'utf8' }));
    } finally {
      fs.rmSync(script, { force: true });
      if (pkg !== root) fs.rmSync(pkg, { recursive: true, force: true });
    }
  }, 120_000);

  it('resolves import to the ES module wrapper and require to the CommonJS build', () => {
    expect(r.resolved).toEqual([`file://${real}/dist/index.mjs`, `${real}/dist/index.js`]);
  });

  it('exports the same names and the same objects both ways', () => {
    const names = r.cjsNames;
    expect(names.length).toBeGreaterThan(500);
    expect(names).toContain('Tensor');
    expect(names).toContain('var');
    expect(names).not.toContain('default');
    expect(r.esmNames).toEqual(names);
    expect(r.differing).toEqual([]);
    expect(r.sameClasses).toEqual([true, true, true, true]);
  });

  it('the default export is the module require() returns', () => {
    expect(r.defaultIsRequired).toBe(true);
    expect(r.requiredDefault).toBe(true);
    expect(r.defaultSum).toBe(10);
  });

  it('a tensor from one is accepted by the other', () => {
    expect(r.esmTensorInCjs).toEqual([true, true, [2, 3, 4]]);
    expect(r.cjsTensorInEsm).toEqual([3, 3]);
    expect(r.linear).toEqual([[4, 2], true]);
    expect(r.error).toEqual([true, true]);
  });

  it('set_default_dtype through one is seen by the other', () => {
    expect(r.dtypeBefore).toBe('torch.float32');
    expect(r.dtypeSetThroughRequire).toEqual(['torch.float64', 'torch.float64', 'torch.float64']);
    expect(r.dtypeSetThroughImport).toEqual(['torch.float32', 'torch.float32']);
  });

  it('torch.var, a reserved word, is exported too', () => {
    expect(r.var[0]).toBe(true);
    expect(r.var[1]).toBeCloseTo(5 / 3, 6);
  });

  it('the ES module entry is a thin wrapper, not a second copy of the library', () => {
    expect(wrapper).toMatch(/^\/\/ Generated by scripts\/esm_wrapper\.ts/);
    expect(wrapper).toContain("import torch from './index.js';");
    expect(wrapper).not.toMatch(/class Tensor\b/);
    expect(wrapper.length).toBeLessThan(32_000);
  });
});
