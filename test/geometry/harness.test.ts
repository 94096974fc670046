import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDataset } from '../../src-main/eval/convert.ts';
import { openDataset, readGtDepth } from '../../src-main/eval/dataset.ts';
import { formatEvalTable, runEval } from '../../src-main/eval/run-eval.ts';
import { dataset } from '../helpers/shared.ts';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

/** The tartanair slice the harness test runs (a full run is `npm run eval`). */
const SLICE = { start: Number(process.env.GEOM_TEST_START ?? 95), count: 30 };

describe('accuracy harness on the shared datasets', () => {
  it('tartanair-hospital slice: the default pipeline (poses + alignment) beats the per-frame model on AbsRel, delta1 and TAE', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'gd-eval-')), 'tartan');
    dirs.push(out);
    await convertDataset(dataset('tartanair-hospital'), out, SLICE);
    const ds = await openDataset(out);
    expect(ds.frames).toHaveLength(30);
    expect(ds.K).toMatchObject({ fx: 320, fy: 320, cx: 320, cy: 240 });
    const r = await runEval(out);
    console.log(formatEvalTable(r));
    // `aligned` is what analyze writes by default: it must beat the model on every metric.
    expect(r.aligned.absRel).toBeLessThan(r.perFrame.absRel);
    expect(r.aligned.delta1).toBeGreaterThan(r.perFrame.delta1);
    expect(r.aligned.tae).toBeLessThan(r.perFrame.tae);
    // KNOWN GAP (issue 4), the strongest true claim for the opt-in multi-view refinement: it beats the
    // model on AbsRel and delta1 but NOT on TAE (measured 6.09 vs 4.69) while estimated poses are
    // ~0.2-0.4 deg/frame off; that is why it is off by default. Assert what holds, so a regression shows.
    expect(r.full.absRel).toBeLessThan(r.perFrame.absRel);
    expect(r.full.delta1).toBeGreaterThan(r.perFrame.delta1);
    expect(r.poses.ate / r.poses.pathLength).toBeLessThan(0.05);
    expect(r.shots).toBe(1);
  }, 240_000);

  it('kinect-room-5: converts (PGM depth, poses) and runs end to end with finite scores', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'gd-eval-')), 'kinect');
    dirs.push(out);
    await convertDataset(dataset('kinect-room-5'), out);
    const ds = await openDataset(out);
    const gt = await readGtDepth(ds, 0);
    const valid = gt.filter((v) => v > 0);
    expect(valid.length).toBeGreaterThan(gt.length / 2);
    expect(valid.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(10);
    const r = await runEval(out);
    console.log(formatEvalTable(r));
    for (const v of [r.perFrame.absRel, r.full.absRel, r.full.tae, r.poses.ate]) expect(Number.isFinite(v)).toBe(true);
    expect(r.frames).toBe(5);
  }, 120_000);
});
