// Live-tensor counts for leak checks. Tensors no scope owns are freed by GC-time finalizers, so a
// collection in the middle of a test could lower a plain count taken earlier. Counting after a
// full collection leaves only tensors something still holds: counts taken this way are exact.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as torch from '../lib/index';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** torch.memory_stats().live_tensors after a full garbage collection. */
export function liveTensors(): number {
  gc();
  return torch.memory_stats().live_tensors;
}

/**
 * The live count once collections have settled: a graph node freed by one collection releases
 * its JS callback (an autograd.Function's backward, a tensor hook), whose own tensors go at the
 * next one; WeakRefs clear only between jobs.
 */
export async function settledLiveTensors(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    liveTensors();
  }
  return liveTensors();
}
