// Public PyTorch programs ported line by line (examples/ports/<name>.ts) against the PyTorch run
// of the original (scripts/ports/<name>.py, written to tests/fixtures/torch-X.Y/ports/<name>.json
// by scripts/ports/gen_ports_fixtures.py): the same printed lines, character for character, and
// the same losses, outputs and final weights, bit for bit (exact float equality, no tolerance).
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { readFixture } from './oracle';
import type { PortRun } from '../examples/ports/python';
import { main as regression } from '../examples/ports/regression';
import { main as polynomial_nn } from '../examples/ports/polynomial_nn';
import { main as sequence_models } from '../examples/ports/sequence_models';
import { main as deep_learning } from '../examples/ports/deep_learning';
import { main as polynomial_custom_function } from '../examples/ports/polynomial_custom_function';
import { main as time_sequence_prediction } from '../examples/ports/time_sequence_prediction';
import { main as word_embeddings } from '../examples/ports/word_embeddings';
import { main as advanced_bilstm_crf } from '../examples/ports/advanced_bilstm_crf';

interface PortFixture { torch: string; stdout: string[]; results: unknown }

const ports: Record<string, () => PortRun<unknown>> = { regression, polynomial_nn, sequence_models, deep_learning, polynomial_custom_function, time_sequence_prediction, word_embeddings, advanced_bilstm_crf };

/** Fixtures spell NaN and the infinities as strings (scripts/fixture_dir.py json_number). */
function fromFixture(v: unknown): unknown {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (Array.isArray(v)) return v.map(fromFixture);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromFixture(x)]));
  return v;
}

/** Every place where got and want differ: path, both values. Numbers compare with Object.is. */
function differences(got: unknown, want: unknown, path = 'results', out: string[] = []): string[] {
  if (out.length >= 10) return out;
  if (typeof want === 'number') {
    if (!Object.is(got, want)) out.push(`${path}: torchnode ${got}, PyTorch ${want}`);
  } else if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) out.push(`${path}: torchnode length ${Array.isArray(got) ? got.length : typeof got}, PyTorch ${want.length}`);
    else want.forEach((w, i) => differences(got[i], w, `${path}[${i}]`, out));
  } else if (want !== null && typeof want === 'object') {
    const g = got as Record<string, unknown>;
    const keys = Object.keys(want);
    if (got === null || typeof got !== 'object' || JSON.stringify(Object.keys(g)) !== JSON.stringify(keys)) {
      out.push(`${path}: torchnode keys ${got && typeof got === 'object' ? Object.keys(g).join(',') : typeof got}, PyTorch ${keys.join(',')}`);
    } else {
      for (const k of keys) differences(g[k], (want as Record<string, unknown>)[k], `${path}.${k}`, out);
    }
  } else if (got !== want) {
    out.push(`${path}: torchnode ${String(got)}, PyTorch ${String(want)}`);
  }
  return out;
}

// The oracle ran on one thread (gen_ports_fixtures.py): the same reduction order here.
beforeAll(() => torch.set_num_threads(1));

describe.each(Object.keys(ports))('port %s', (name) => {
  const want: PortFixture = readFixture(`ports/${name}.json`);
  let run: PortRun<unknown>;
  beforeAll(() => {
    run = ports[name]();
  }, 120_000);

  it('prints what the PyTorch program prints', () => {
    expect(run.stdout).toEqual(want.stdout);
  });

  it('computes PyTorch\'s values bit for bit', () => {
    expect(differences(run.results, fromFixture(want.results))).toEqual([]);
  });
});

describe('the parity check', () => {
  it('finds a difference of one ulp', () => {
    const want = { losses: [0.1, 0.2], w: [[1.5]] };
    const got = { losses: [0.1, 0.2], w: [[1.5 + Number.EPSILON]] };
    expect(differences(got, want)).toEqual([`results.w[0][0]: torchnode ${1.5 + Number.EPSILON}, PyTorch 1.5`]);
    expect(differences({ losses: [0.1], w: [[1.5]] }, want)).toEqual(['results.losses: torchnode length 1, PyTorch 2']);
  });
});
