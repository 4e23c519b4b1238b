// The DataLoader's option names: PyTorch's keyword arguments plus this library's few additions.
// A misspelt option is an error that suggests the right name, never silently ignored.
import { editDistance } from '../../suggest';

const PYTORCH_OPTIONS = [
  'batch_size', 'shuffle', 'sampler', 'batch_sampler', 'num_workers', 'collate_fn', 'pin_memory',
  'drop_last', 'timeout', 'worker_init_fn', 'multiprocessing_context', 'generator', 'prefetch_factor',
  'persistent_workers', 'pin_memory_device', 'in_order',
] as const;
/** seed: shorthand for generator; worker_dataset: how worker threads rebuild the dataset. */
const OWN_OPTIONS = ['seed', 'worker_dataset'] as const;
const KNOWN: readonly string[] = [...PYTORCH_OPTIONS, ...OWN_OPTIONS];

export function checkOptionNames(options: object): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`DataLoader: options must be an object, got ${options}`);
  for (const name of Object.keys(options)) {
    if (KNOWN.includes(name)) continue;
    const near = closest(name);
    throw new TypeError(`DataLoader: unknown option '${name}'${near ? `; did you mean '${near}'?` : ''} (known: ${KNOWN.join(', ')})`);
  }
}

/** The known name that differs only in case and underscores, or by at most two edits. */
function closest(name: string): string | null {
  const squash = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  const same = KNOWN.find((k) => squash(k) === squash(name));
  if (same) return same;
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of KNOWN) {
    const d = editDistance(squash(name), squash(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

