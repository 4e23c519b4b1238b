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
