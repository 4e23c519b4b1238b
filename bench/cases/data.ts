// Data movement between JS TypedArrays and tensors. In: torch.from_typed_array (one copy, as
// torch.tensor(typedArray) but without its option handling); out: t.toTypedArray() (one copy into a
// fresh ArrayBuffer). The PyTorch twins are the numpy equivalents: from_numpy(a).clone() and
// t.numpy().copy(), each also one copy into fresh memory.
import * as torch from '../../lib/index';
import { Case, once, timed } from '../cases';

const floats = (mb: number) => mb * 2 ** 18; // float32 elements in mb MiB

function copyIn(mb: number, iterations: number): Case {
  const data = once(() => torch.rand(floats(mb)).toTypedArray() as Float32Array);
  return {
    name: `Float32Array → tensor, ${mb} MB`,
    python: `copy_in_${mb}mb`,
    description: 'torch.from_typed_array(a, [n]), disposed at once',
    iterations,
    run: (n) => {
      const a = data();
      return timed(n, 'cpu', () => torch.from_typed_array(a, [a.length]).dispose());
    },
  };
}

function copyOut(mb: number, iterations: number): Case {
  const x = once(() => torch.rand(floats(mb)));
  return {
    name: `tensor → Float32Array, ${mb} MB`,
    python: `copy_out_${mb}mb`,
    description: 't.toTypedArray(); the array is left to the GC, as any JS array is',
    iterations,
    run: (n) => {
      const t = x();
      return timed(n, 'cpu', () => t.toTypedArray());
    },
  };
}

function copyOutInto(mb: number, iterations: number): Case {
  const x = once(() => torch.rand(floats(mb)));
  const out = once(() => new Float32Array(floats(mb)));
  return {
    name: `tensor → existing Float32Array, ${mb} MB`,
    python: `copy_out_into_${mb}mb`,
    description: 't.toTypedArray(out) into one reused array; PyTorch: np.copyto(out, t.numpy())',
    iterations,
    run: (n) => {
      const t = x();
      const a = out();
      return timed(n, 'cpu', () => t.toTypedArray(a));
    },
  };
}

function shareOut(mb: number, iterations: number): Case {
  const x = once(() => torch.rand(floats(mb)));
  return {
    name: `tensor → Float32Array sharing its memory, ${mb} MB`,
    python: `share_out_${mb}mb`,
    description: 't.asTypedArray(), no copy; PyTorch: t.numpy()',
    iterations,
    run: (n) => {
      const t = x();
      return timed(n, 'cpu', () => t.asTypedArray());
    },
  };
}

export const dataCases: Case[] = [
  copyIn(1, 2000), copyIn(64, 20), copyOut(1, 2000), copyOut(64, 20), copyOutInto(1, 2000), copyOutInto(64, 20),
  shareOut(1, 20000), shareOut(64, 20000),
];
