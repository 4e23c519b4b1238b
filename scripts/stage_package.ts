// npm run package: the tarballs to publish, in dist-package/. torchnode's own package gets its
// optionalDependencies on the platform packages here, at pack time: in the repository they would
// put packages that are not published yet (and, in a workspace, packages for other platforms)
// into the lock file, and `npm ci` would refuse it. Each platform package is packed when its
// prebuilds/ holds addons (npm run prebuilds, or the CI workflow's artifacts).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist-package');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

// `scripts` false for the staged copy: npm pack runs the package's prepack (the tsup build), which
// only the repository can run; its dist/ is already in the copy.
const pack = (dir: string, scripts = true): string => {
  const args = ['pack', dir, '--json', '--pack-destination', out, ...(scripts ? [] : ['--ignore-scripts'])];
  const [info] = JSON.parse(execFileSync(npm, args, { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' })) as { filename: string }[];
  return path.join(out, info.filename);
};

const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const platforms: Record<string, string> = {};
for (const name of fs.readdirSync(path.join(root, 'npm'))) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'npm', name, 'package.json'), 'utf8')) as { name: string; version: string };
  if (manifest.version !== version) throw new Error(`npm/${name} is at ${manifest.version}, torchnode at ${version}: keep them equal`);
  const prebuilds = path.join(root, 'npm', name, 'prebuilds');
  const addons = fs.existsSync(prebuilds) ? fs.readdirSync(prebuilds).filter((f) => f.endsWith('.node')) : [];
  if (addons.some((f) => f.startsWith('torchnode.libtorch-')) && addons.includes('torchnode_preload.node')) {
    console.log(`${path.basename(pack('./' + path.posix.join('npm', name)))}: ${addons.join(', ')}`);
    platforms[manifest.name] = version; // only packages that exist: npm would try to fetch the others
  }
}

// torchnode itself: pack (prepack builds dist/), unpack, add the optional dependencies, pack again.
const first = pack('.');
const stage = path.join(out, 'stage');
fs.mkdirSync(stage);
execFileSync('tar', ['-xzf', first, '-C', stage]);
fs.rmSync(first);
const manifestFile = path.join(stage, 'package', 'package.json');
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
manifest.optionalDependencies = platforms;
fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
console.log(`${path.basename(pack(path.join(stage, 'package'), false))}: optionalDependencies ${Object.keys(platforms).join(', ')}`);
fs.rmSync(stage, { recursive: true });
