import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDataset } from '../../research/eval/convert.ts';
import { openDataset, readGtDepth } from '../../research/eval/dataset.ts';
import { runEval } from '../../research/eval/run-eval.ts';
import { openStandInModel } from '../../research/eval/stand-in.ts';
import { dataset } from '../helpers/shared.ts';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe('stand-in models (what a better network would score through the pipeline)', () => {
  it('reproduce the ground truth without errors, and the pipeline removes their per-frame scale flicker', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'gd-standin-')), 'tartan');
    dirs.push(out);
    await convertDataset(dataset('tartanair-hospital'), out, { start: 95, count: 20 });
    const ds = await openDataset(out);

    // compress=0.5 halves log-distance from the median: a surface 4x the median depth comes out at 2x.
    const plain = await (await openStandInModel(ds, {})).predict({ index: 3, time: 3, width: ds.width, height: ds.height, data: new Uint8Array(0) });
    const squashed = await (await openStandInModel(ds, { compress: 0.5 })).predict({ index: 3, time: 3, width: ds.width, height: ds.height, data: new Uint8Array(0) });
    expect(plain.kind).toBe('metric');
    const vals = Array.from(plain.data).filter((v) => v > 0).sort((a, b) => a - b);
    const med = vals[vals.length >> 1];
    let checked = 0;
    for (let p = 0; p < plain.data.length; p++) {
      if (!(plain.data[p] > 0)) continue;
      expect(squashed.data[p] / med).toBeCloseTo(Math.sqrt(plain.data[p] / med), 1);
      checked++;
    }
    expect(checked).toBeGreaterThan(0.9 * plain.data.length);
    expect((await readGtDepth(ds, 3)).length).toBe(ds.width * ds.height);

    const exact = await runEval(out, { mvs: false, source: (d) => openStandInModel(d, {}) });
    expect(exact.perFrame.absRel).toBeLessThan(0.01);
    // Exact depth agrees with itself: fusion and the temporal filter must not average it toward the
    // estimated poses' errors (they raised TAE 1.35 -> 1.57 on the whole sequence before the averaging weight).
    expect(exact.full.tae).toBeLessThanOrEqual(exact.aligned.tae + 1e-9);
    const flicker = await runEval(out, { mvs: false, source: (d) => openStandInModel(d, { blur: 2, jitter: 0.15 }) });
    expect(flicker.perFrame.tae).toBeGreaterThan(3 * flicker.full.tae);
    expect(flicker.full.absRel).toBeLessThan(flicker.perFrame.absRel);
    expect(flicker.full.absRel).toBeLessThan(0.15);
  });

  it('eval:stand-in rejects a malformed row in one line with a non-zero exit', async () => {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'research/eval-stand-in.ts', '/nonexistent', '--row', 'blurr=2'], { encoding: 'utf8' })
      .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--row blurr=2: each part is KNOB=NUMBER/);
  });
});
