// The per-parameter step count and the foreach switch, where PyTorch 1.13 and 2.x differ.
import { Tensor } from '../tensor';
import { isPytorch2 } from '../pytorch_version';
import { OptimizerState, ParamGroup, newStepTensor } from './optimizer';

/**
 * Adadelta's and Rprop's step: a plain number in PyTorch 1.13, a 0-dim tensor in 2.x.
 * @internal
 */
export function initVersionedStep(state: OptimizerState): void {
  state.step = isPytorch2 ? newStepTensor() : 0;
}

/**
 * Adds one to a versioned step (a number or a 0-dim tensor).
 * @internal
 */
export function bumpVersionedStep(state: OptimizerState): void {
  if (state.step instanceof Tensor) state.step.add_(1);
  else state.step += 1;
}

/**
 * Whether a group steps with the _foreach_ kernels: foreach: true asks for them; null (the
 * default) means what PyTorch picks: never in 1.13, and in 2.x only when every parameter is on
 * CUDA (the CPU has no fast foreach kernels, so the single-tensor loop stays the CPU default).
 * @internal
 */
export function useForeach(group: ParamGroup): boolean {
  if (group.foreach === true) return true;
  if (group.foreach === false || !isPytorch2) return false;
  return group.params.every((p) => p.device.type === 'cuda');
}
