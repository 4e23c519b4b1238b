// The glibc malloc settings torchnode gives itself when it loads (native/tensor_table.cc,
// tuneMalloc), given to the PyTorch side of a benchmark too, unless the caller chose malloc
// settings or turned that tuning off. With glibc's defaults PyTorch's speed depended on what its
// process had allocated before: glibc raises its mmap threshold only after freeing a mapped
// block, so a case whose blocks were still above it mapped and faulted them afresh each step.
// Measured on the MultiheadAttention step in stand-alone scripts (2026-12-04, pinned, 350 steps):
// 4.2-5.8 ms in 27 processes of 29 (85,000-131,000 page faults where counted), 2.7-2.85 ms in the
// other two; with these settings 2.55-2.60 ms and 34,000 faults in each of three, against
// torchnode's 2.8-3.0 ms. In the bench's one PyTorch process the mode followed the cases run
// before (the 10-op chain: 2.5 or 5.7 ms).
export const MALLOC_SETTINGS = { MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20) };

/** Whether the caller chose its own malloc settings or turned torchnode's off (then both sides run with the caller's). */
function callerSetMalloc(env: NodeJS.ProcessEnv): boolean {
  return ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'GLIBC_TUNABLES'].some((v) => env[v] !== undefined) || env.TORCHNODE_MALLOC_TUNING === '0';
}

/** `env` with MALLOC_SETTINGS added, on Linux, where the caller did not choose otherwise. */
export function withSharedMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return process.platform === 'linux' && !callerSetMalloc(env) ? { ...env, ...MALLOC_SETTINGS } : env;
}

/** For a results header: ", both sides with ..." where `env` holds MALLOC_SETTINGS, or ''. */
export function mallocSettingsClause(env: NodeJS.ProcessEnv): string {
  if (!Object.entries(MALLOC_SETTINGS).every(([k, v]) => env[k] === v)) return '';
  return `, both sides with torchnode's glibc malloc settings (${Object.entries(MALLOC_SETTINGS).map(([k, v]) => `${k}=${Number(v) / 2 ** 20} MB`).join(', ')})`;
}
