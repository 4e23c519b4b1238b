// How install-libtorch fails: every error starts with the command's name, and sizes are
// written for people. Shared by the install, its download and its unzip.
/**
 * The prefix of every install-libtorch error.
 * @internal
 */
export const PREFIX = 'torchnode install-libtorch: ';

/**
 * Throws an Error with the install-libtorch prefix.
 * @internal
 */
export function fail(message: string, cause?: unknown): never {
  throw new Error(PREFIX + message, cause === undefined ? undefined : { cause });
}

/**
 * A byte count for people (KB, MB, GB).
 * @internal
 */
export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}
