// examples/serve.ts answers correctly in each mode, and says 503 when the micro-batcher's queue
// is full. Correctness only: bench/serve_load.ts measures it under load.
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { createServer, ensureModelFile, type ServeOptions } from '../examples/serve';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-serve-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const model = ensureModelFile(path.join(dir, 'cnn_traced.pt'));
const pixels = Array.from({ length: 784 }, (_, i) => (i * 37) % 256);

async function withServer<T>(opts: Partial<ServeOptions>, fn: (url: string) => Promise<T>): Promise<T> {
  const { server } = createServer({ model, port: 0, mode: 'sync', maxBatch: 32, maxDelayMs: 2, maxQueue: 256, ...opts });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const post = (url: string, body: unknown) => fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('examples/serve.ts', () => {
  // what the model itself says for the image
  const m = torch.jit.load(model);
  const want = torch.no_grad(() => m.forward(torch.tensor(pixels, { dtype: torch.float32 }).reshape(1, 1, 28, 28).div(255).sub(0.286).div(0.353))) as torch.Tensor;
  const wantLogits = Array.from(want.flatten().toTypedArray() as Float32Array);

  for (const mode of ['sync', 'async', 'batch'] as const) {
    it(`${mode}: the model's logits and class for each of 20 concurrent requests; bad input is a 400`, async () => {
      await withServer({ mode }, async (url) => {
        const answers = await Promise.all(Array.from({ length: 20 }, () => post(url, { pixels }).then((r) => r.json() as Promise<{ class: number; logits: number[]; label: string }>)));
        for (const a of answers) {
          a.logits.forEach((v, i) => expect(Math.abs(v - wantLogits[i])).toBeLessThan(1e-5));
          expect(a.class).toBe(wantLogits.indexOf(Math.max(...wantLogits)));
          expect(a.label).toBe(torch.datasets.FashionMNIST.classes[a.class]);
        }
        const bad = await post(url, { pixels: [1, 2, 3] });
        expect(bad.status).toBe(400);
        expect(((await bad.json()) as { error: string }).error).toBe('"pixels" must be 784 numbers from 0 to 255');
        expect(await (await fetch(`${url}/health`)).text()).toBe('ok');
      });
    });
  }

  it('batch: a full queue answers 503, and the queued requests are still answered', async () => {
    await withServer({ mode: 'batch', maxQueue: 2, maxBatch: 64, maxDelayMs: 400 }, async (url) => {
      const statuses = await Promise.all(Array.from({ length: 5 }, () => post(url, { pixels }).then((r) => r.status)));
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      expect(statuses.filter((s) => s === 503)).toHaveLength(3);
      const stats = (await (await fetch(`${url}/stats`)).json()) as { batcher: { rejected: number; requests: number } };
      expect(stats.batcher.rejected).toBe(3);
      expect(stats.batcher.requests).toBe(2);
    });
  });
});
