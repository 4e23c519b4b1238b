// Loss and accuracy curves as an SVG file, drawn by vega-lite (no canvas needed for SVG).
import * as fs from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { EpochRecord } from './train';

export async function writePlot(file: string, title: string, steps: { step: number; loss: number }[], epochs: EpochRecord[]): Promise<void> {
  // At most ~500 points of the running loss keep the SVG small.
  const stride = Math.max(1, Math.floor(steps.length / 500));
  const lossPoints = steps.filter((_, i) => i % stride === 0);
  const accPoints = epochs.flatMap((e) => [
    { epoch: e.epoch, split: 'train', accuracy: e.train_accuracy },
    { epoch: e.epoch, split: 'test', accuracy: e.test_accuracy },
  ]);
  const spec: vl.TopLevelSpec = {
    title: `${title}: Fashion-MNIST`,
    hconcat: [
      {
        title: 'running training loss',
        width: 360,
        height: 240,
        data: { values: lossPoints },
        mark: 'line',
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'loss', type: 'quantitative', title: 'loss' },
        },
      },
      {
        title: 'accuracy per epoch',
        width: 240,
        height: 240,
        data: { values: accPoints },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'ordinal', title: 'epoch' },
          y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { zero: false } },
          color: { field: 'split', type: 'nominal' },
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  fs.writeFileSync(file, await view.toSVG());
}
