// A file written atomically, as torch.save writes: a fresh `.<name>.<pid>.<random>.tmp` in the
// same folder (so the rename is atomic), fsynced, renamed over the target, the folder fsynced.
// Until commit() the old file is untouched; abort() removes the temporary file.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { resolveTarget, syncFolder, tempPathFor } from '../serialization/save';

/**
 * Writes a file atomically: to a temporary file in the same folder, then fsync and rename over the target.
 * @internal
 */
export class AtomicFile {
  private readonly target: string;
  private readonly temp: string;
  private fd: number | null;
  private position = 0;

  constructor(path: string) {
    this.target = resolveTarget(path); // writes through a symlink, as an in-place write would
    this.temp = tempPathFor(this.target);
    this.fd = fs.openSync(this.temp, 'wx');
    try {
      // an existing file keeps its permissions, as it would if it were overwritten in place
      const mode = statMode(this.target);
      if (mode !== undefined) fs.fchmodSync(this.fd, mode);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  write(buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) done += fs.writeSync(this.fd!, buf, done, buf.length - done, this.position + done);
    this.position += buf.length;
  }

  /** Flushes the file to disk and renames it over the target. */
  commit(): void {
    const fd = this.fd!;
    fs.fsyncSync(fd);
    this.fd = null;
    fs.closeSync(fd);
    fs.renameSync(this.temp, this.target);
    syncFolder(nodePath.dirname(this.target));
  }

  /** Closes and removes the temporary file (after a failure). */
  abort(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing is all that is left to do
      }
      this.fd = null;
    }
    fs.rmSync(this.temp, { force: true });
  }
}

function statMode(target: string): number | undefined {
  try {
    return fs.statSync(target).mode & 0o7777;
  } catch {
    return undefined;
  }
}
