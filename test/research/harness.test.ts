import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDataset } from '../../research/eval/convert.ts';
import { openDataset, readGtDepth } from '../../research/eval/dataset.ts';
import { formatEvalTable, runEval } from '../../research/eval/run-eval.ts';
import { dataset } from '../helpers/shared.ts';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

/** The tartanair slice the harness test runs (a full run is `npm run eval`). */
const SLICE = { start: Number(process.env.GEOM_TEST_START ?? 95), count: 30 };

const evalStereo = (dir: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'research/eval-stereo.ts', dir, '--json', ...args], { encoding: 'utf8' });

describe('accuracy harness on the shared datasets', () => {
  it('tartanair-hospital slice: the default pipeline beats the per-frame model on AbsRel, delta1 and TAE', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'gd-eval-')), 'tartan');
    dirs.push(out);
    await convertDataset(dataset('tartanair-hospital'), out, SLICE);
    const ds = await openDataset(out);
    expect(ds.frames).toHaveLength(30);
    expect(ds.K).toMatchObject({ fx: 320, fy: 320, cx: 320, cy: 240 });
    const r = await runEval(out, { mvs: false });
    console.log(formatEvalTable(r));
    // `full` is what analyze writes by default. Measured on this slice: per-frame 0.229 / 0.495 / 4.76,
    // default 0.203 / 0.549 / 0.82 (AbsRel / delta1 / TAE; 0.205 / 0.546 / 0.72 without the unit
    // transfer); on the whole sequence 0.330 / 0.455 / 3.17 against 0.392 / 0.354 / 7.23. It beats the model on every metric; the absolute targets
    // (0.30 / 0.55 / 1.5) are not reached (issue 4).
    expect(r.full.tae).toBeLessThan(0.5 * r.perFrame.tae);
    expect(r.full.absRel).toBeLessThan(r.perFrame.absRel - 0.005);
    expect(r.full.delta1).toBeGreaterThan(r.perFrame.delta1 + 0.02);
    // The sequence fit is healthy (a slope near 0 would mean the row was scored as one constant depth).
    for (const row of [r.perFrame, r.aligned, r.full]) expect(row.fit.s).toBeGreaterThan(0.3);
    expect(r.poses.ate / r.poses.pathLength).toBeLessThan(0.05);
    expect(r.shots).toBe(1);
    // The depth and the poses the 3D view and the exported cloud combine are in one unit: moving each
    // frame's depth along the output poses lands best with the path as it is, not scaled 0.8x or 1.25x.
    expect(r.agreement.asIs).toBeLessThan(r.agreement.shorter);
    expect(r.agreement.asIs).toBeLessThan(r.agreement.longer);
    // What the view fusion adds (measured without it: 0.216 / 0.541 / 2.26).
    const unfused = await runEval(out, { mvs: false, fusion: false });
    expect(r.full.tae).toBeLessThan(0.6 * unfused.full.tae);
    expect(r.full.absRel).toBeLessThan(unfused.full.absRel - 0.005);
    // A relative model (the metric model fed as disparity in a random scale and shift per frame): the
    // pipeline beats it on each metric too. Measured: 0.207 / 0.541 / 0.71 against 0.226 / 0.515 / 8.71;
    // the frame-to-frame chain it used before (now `scale: false`) gave 0.245 / 0.475 / 1.01.
    const rel = await runEval(out, { mvs: false, asRelative: true });
    expect(rel.full.absRel).toBeLessThan(rel.perFrame.absRel - 0.005);
    expect(rel.full.delta1).toBeGreaterThan(rel.perFrame.delta1 + 0.01);
    expect(rel.full.tae).toBeLessThan(0.5 * rel.perFrame.tae);
    // The opt-in multi-view refinement runs end to end on the same frames (it does not beat the default).
    const m = await runEval(out, { mvs: true });
    expect(m.full.absRel).toBeLessThan(r.perFrame.absRel + 0.02);
    expect(Number.isFinite(m.full.tae)).toBe(true);

    // The stereo diagnostic: on ground-truth poses the stereo (model as prior) sharpens the model's shapes.
    const stereo = await evalStereo(out);
    console.log(stereo.stdout);
    const parse = (o: { stdout: string }) => JSON.parse(o.stdout.trim().split('\n').pop()!) as { frames: number; model: { delta1: number }; stereo: { delta1: number } };
    const s = parse(stereo);
    expect(s.frames).toBe(2);
    expect(s.stereo.delta1).toBeGreaterThan(s.model.delta1 + 0.1);
    // --true-lengths keeps a pose file's rotations and directions and takes the baselines' lengths from the
    // ground truth: poses three times too long lose the stereo's gain, and with it get it back exactly.
    const long = join(out, 'long-poses.json');
    await writeFile(long, JSON.stringify(ds.gtPoses.map((T) => T.map((v, i) => (i === 3 || i === 7 || i === 11 ? 3 * v : v)))));
    const wrong = parse(await evalStereo(out, '--poses', long)), mended = parse(await evalStereo(out, '--poses', long, '--true-lengths'));
    expect(wrong.stereo.delta1).toBeLessThan(s.stereo.delta1 - 0.05);
    expect(mended.stereo.delta1).toBeCloseTo(s.stereo.delta1, 3);
    // --no-prior: on ground-truth poses the pictures alone put the near band in one unit (its bias
    // line is 1 and narrow). Camera rotations drifting 0.4 deg a frame ruin the stereo, and
    // --true-rotations takes most of that back (the translations stay those of the drifted poses).
    type Band = { median: number; q25: number; q75: number; pixels: number } | null;
    const withBias = (o: { stdout: string }) => parse(o) as ReturnType<typeof parse> & { bias: Record<string, Band> };
    const alone = withBias(await evalStereo(out, '--no-prior'));
    const near = alone.bias['under 2 m']!;
    expect(near.pixels).toBeGreaterThan(10_000);
    expect(Math.abs(near.median - 1)).toBeLessThan(0.03);
    expect(near.q75 - near.q25).toBeLessThan(0.1);
    const turned = join(out, 'turned-poses.json');
    await writeFile(turned, JSON.stringify(ds.gtPoses.map((T, i) => {
      const a = (0.4 * i * Math.PI) / 180, c = Math.cos(a), sn = Math.sin(a), M = T.slice();
      for (let r = 0; r < 3; r++) { M[r * 4] = c * T[r * 4] - sn * T[r * 4 + 2]; M[r * 4 + 2] = sn * T[r * 4] + c * T[r * 4 + 2]; }
      return M;
    })));
    const drifted = parse(await evalStereo(out, '--no-prior', '--poses', turned));
    const rotMended = parse(await evalStereo(out, '--no-prior', '--poses', turned, '--true-rotations'));
    expect(drifted.stereo.delta1).toBeLessThan(alone.stereo.delta1 - 0.2);
    expect(rotMended.stereo.delta1).toBeGreaterThan(drifted.stereo.delta1 + 0.1);
    // A poses file that does not fit is one clear line and exit 1.
    const bad = join(out, 'bad-poses.json');
    await writeFile(bad, '[[1, 0, 0]]');
    const e = await evalStereo(out, '--poses', bad).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(e?.code).toBe(1);
    expect(e?.stderr.trim()).toMatch(/^error: .*bad-poses\.json: expected 30 camera-to-world 4x4 matrices/);
  }, 240_000);

  it('eval:unit runs the stereo on the pipeline\'s own output and prints a row per prior factor', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'gd-unit-')), 'tartan');
    dirs.push(out);
    await convertDataset(dataset('tartanair-hospital'), out, { start: SLICE.start, count: 12 });
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'research/eval-unit.ts', out, '--factors', '1.5'], { encoding: 'utf8' });
    console.log(stdout);
    const rows = stdout.split('\n').filter((l) => /^\| [0-9.]+ \|/.test(l));
    // 1, the factor the footage gives (the sweep's confident pixels), and the one given.
    expect(rows).toHaveLength(3);
    const measured = Number(rows[1].split('|')[1]);
    expect(measured).toBeGreaterThan(0.5);
    expect(measured).toBeLessThan(2);
    expect(stdout).toMatch(/^lowest photometric error \(chosen without ground truth\): factor [0-9.]+, \d+\.\d+ \/ /m);
    for (const row of rows) for (const v of row.match(/\d+\.\d+ \/ \d+\.\d+ \/ \d+\.\d+/g)!.flatMap((c) => c.split(' / ').map(Number))) expect(Number.isFinite(v)).toBe(true);
    // Bad input is one clear line and exit 1.
    const e = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'research/eval-unit.ts', out, '--factors', '0'], { encoding: 'utf8' }).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(e?.code).toBe(1);
    expect(e?.stderr.trim()).toBe('error: --factors: positive numbers, e.g. 1.4,1.7');
  }, 180_000);

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
