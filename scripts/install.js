// npm's install hook for a consumer of the package (lib/cli/install_hook.ts): use the prebuilt
// addon that matches the LibTorch found, else build from source with visible progress, and fail
// loudly when that build fails. A source checkout builds through scripts/setup.sh instead.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
if (fs.existsSync(path.join(root, '.git')) || !fs.existsSync(path.join(root, 'dist', 'cli.js'))) process.exit(0);
require('../dist/cli.js')
  .main(['install'])
  .then((code) => process.exit(code));
