// Imported first by every bench process, before anything imports ../lib: makes ../lib/index
// resolve to the package build (dist/index.js, what `npm install torchnode` gives users) unless
// TORCHNODE_BENCH_LIBRARY=source (npm run bench -- --library source) asks for the TypeScript
// sources as tsx runs them.
//
// Why it matters: tsx compiles each source file to CommonJS on its own, and esbuild exports each
// file's bindings as getters that read the module's exports object by key. Every use of an
// imported function (call, adopt, native, ...) then goes through one shared getter whose keyed
// load V8 sees with every key of every module (megamorphic), on the path of every op. The
// package build is one bundle in which those references are plain variables: a 1-element add
// took 1,321-1,686 ns there against 1,495-1,818 ns from the sources (six paired runs, both CPUs).
import Module from 'node:module';
import * as path from 'node:path';

if (process.env.TORCHNODE_BENCH_LIBRARY !== 'source') {
  const built = path.join(__dirname, '..', 'dist', 'index.js');
  const sources = require.resolve('../lib/index');
  const m = new Module(sources, module);
  m.filename = sources;
  m.exports = require(built);
  m.loaded = true;
  require.cache[sources] = m;
}
