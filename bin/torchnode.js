#!/usr/bin/env node
// `npx torchnode <command>`: doctor, install-libtorch (lib/cli/main.ts).
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
