// How install-libtorch fails: every error starts with the command's name, and sizes are
// written for people. Shared by the install, its download and its unzip.
export const PREFIX = 'torchnode install-libtorch: ';

export function fail(message: string, cause?: unknown): never {
  throw new Error(PREFIX + message, cause === undefined ? undefined : { cause });
}

export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}
