// onnxruntime-node as a third engine for chapter-CNN inference. The Python side writes the seed-0
// CNN as a state_dict and as ONNX; our model loads the state_dict (torch.load), and before timing
// both engines must give the same logits for the same input.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as torch from '../../lib/index';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Case, PySide } from '../cases';

type Ort = typeof import('onnxruntime-node');
type OurState = () => { model: torch.nn.Module; x: torch.Tensor };

let exported: Promise<string> | undefined;

/** Asks the Python side to export the CNN once; removes the folder when the process exits. */
function exportOnce(py: PySide): Promise<string> {
  exported ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-bench-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const answer = await py.request(`export_cnn ${dir}`);
    if (answer !== 'ok') throw new Error(`export_cnn: unexpected answer ${answer}`);
    return dir;
  })();
  return exported;
}

function loadOrt(): Ort | null {
  try {
    return require('onnxruntime-node') as Ort;
  } catch (e) {
    console.warn(`onnxruntime-node is not installed (${(e as Error).message.split('\n')[0]}); skipping its column`);
    return null;
  }
}

export function onnxPeer(batch: number, ours: OurState): Pick<Case, 'prepare' | 'peer'> {
  let session: InferenceSession | undefined;
  let feeds: Record<string, OrtTensor> = {};
  return {
    async prepare(py) {
      const ort = loadOrt();
      if (!ort) return;
      const dir = await exportOnce(py);
      const { model, x } = ours();
      model.load_state_dict(torch.load(path.join(dir, 'cnn.pt')));
      const threads = torch.get_num_threads();
      session = await ort.InferenceSession.create(path.join(dir, 'cnn.onnx'), {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      });
      feeds = { input: new ort.Tensor('float32', x.toTypedArray() as Float32Array, x.shape) };
      const theirs = (await session.run(feeds)).logits.data as Float32Array;
      const mine = torch.no_grad(() => torch.tidy(() => (model.forward(x) as torch.Tensor).toTypedArray())) as Float32Array;
      const diff = Math.max(...mine.map((v, i) => Math.abs(v - theirs[i])));
      if (mine.length !== theirs.length || !(diff < 1e-4)) throw new Error(`CNN batch ${batch}: torchnode and onnxruntime disagree (max |diff| ${diff})`);
    },
    peer: {
      name: 'onnxruntime',
      async run(n) {
        if (!session) return NaN;
        const t = process.hrtime.bigint();
        for (let i = 0; i < n; i++) await session.run(feeds);
        return Number(process.hrtime.bigint() - t);
      },
    },
  };
}
