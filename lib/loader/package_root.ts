// The package root holds package.json; code runs from lib/ or lib/<folder>/ (sources, tests)
// or from dist/ (built), so the root is found by walking up, not by a fixed number of levels.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The folder holding package.json, found by walking up from `from`.
 * @internal
 */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
  return dir;
}
