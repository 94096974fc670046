/**
 * npm run eval:unit -- DATASET_DIR [--factors 1.4,1.7] [--limit N]
 *
 * A diagnostic, not the product. It measures what the stereo would add on top of the default
 * pipeline, and how that depends on ONE number per shot: the factor between the depth's units and
 * the camera path's. It runs the default pipeline (as `npm run eval`), then the plane sweep on its
 * own output, with that output (times the factor) as the prior and its own poses (neighbours +-1, 2,
 * 4). Where the sweep is confident its depth replaces the prior. Then it fuses the results over +-24
 * views and runs the temporal filter, as the pipeline does. Scored as `npm run eval` scores.
 *
 * The factors it tries:
 * - 1: the units as the pipeline has them. Its depth and path agree with each other
 *   (metrics.ts: poseDepthAgreement).
 * - the median ratio of the sweep to the prior at its confident pixels: what the footage says.
 * - each --factors value: set by hand. Fitting one against the ground truth is not admissible for
 *   the product; this is only for measuring.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { openDataset, readGtDepth, readRgb } from './eval/dataset.ts';
import { MIN_PRED_DEPTH_M, scoreDepth, type DepthScores } from './eval/metrics.ts';
import { defaultCap, runEval } from './eval/run-eval.ts';
import { boxDown, downsampleRgbGray, resizeWithHoles, sample, type Plane } from '../src-main/engine/geometry/image.ts';
import { census5, planeSweep, sweepRange, STEREO_P2, STEREO_PRIOR } from '../src-main/engine/geometry/mvs.ts';
import { fuseWithPrior } from '../src-main/engine/geometry/fuse.ts';
import { createViewFusion, fusionGrid, FUSION_RADIUS, FUSION_STEP } from '../src-main/engine/geometry/view-fusion.ts';
import { createTemporalFilter } from '../src-main/engine/geometry/temporal-filter.ts';
import { scaleIntrinsics } from '../src-main/common/camera/intrinsics.ts';
import { invRigid, mul4 } from '../src-main/engine/geometry/linalg.ts';
import { UserError, isUserError } from '../src-main/common/errors.ts';
import type { Mat4 } from '../src-main/common/types.ts';

const OFFSETS = [-4, -2, -1, 1, 2, 4];

interface View { gray: Plane; census: Int32Array; coarseGray: Float32Array; inv: Float32Array; pose: Mat4; shot: number; conf: number }

async function main(dir: string, o: { factors: string; limit?: number; width: number }) {
  const factors = o.factors.split(',').filter(Boolean).map(Number);
  if (factors.some((f) => !(f > 0))) throw new UserError('--factors: positive numbers, e.g. 1.4,1.7');
  const ds = await openDataset(dir, o.limit);
  const cap = defaultCap(dir);
  const base = await runEval(dir, { limit: o.limit, mvs: false, keepOutputs: true });
  const aw = o.width, ah = Math.round((aw * ds.height) / ds.width);
  const K = scaleIntrinsics(ds.K, aw, ah), kc = fusionGrid(K);
  const n = base.frames;
  const views: View[] = [];
  for (let i = 0; i < n; i++) {
    const rgb = await readRgb(join(dir, 'frames', ds.frames[i]), i);
    const { gray } = downsampleRgbGray(rgb.data, rgb.width, rgb.height, aw, ah);
    const g = base.outputs![i];
    const z = resizeWithHoles(g.depth.data, g.depth.width, g.depth.height, aw, ah);
    const inv = g.depth.kind === 'metric' ? z.map((v) => (v > MIN_PRED_DEPTH_M ? 1 / v : 0)) : z;
    views.push({ gray, census: census5(gray), coarseGray: boxDown(gray.data, aw, ah, FUSION_STEP), inv, pose: g.pose, shot: g.shotId, conf: g.confidence });
  }
  const gt: Float32Array[] = [];
  for (let i = 0; i < n; i++) gt.push(await readGtDepth(ds, i));
  const score = (inv: Float32Array[]) => scoreDepth(inv.map((data) => ({ data, width: aw, height: ah })), gt, ds.K, ds.gtPoses, cap, 0.5 / MIN_PRED_DEPTH_M);

  /** Stereo on the pipeline's output (times `factor`), then fusion over views, then the temporal filter. */
  function run(factor: number) {
    const stereo: Float32Array[] = [], logs: number[] = [];
    for (let r = 0; r < n; r++) {
      const v = views[r];
      const prior = v.inv.map((x) => x * factor);
      const src = OFFSETS.filter((k) => r + k >= 0 && r + k < n && views[r + k].shot === v.shot).map((k) => ({ census: views[r + k].census, T: mul4(invRigid(views[r + k].pose), v.pose) }));
      const rs = prior.filter((x) => x > 0).sort();
      if (!src.length || !rs.length) { stereo.push(prior); continue; }
      const m = planeSweep(v.gray, v.census, src, K, { ...sweepRange(rs), labels: 64 }, { P2: STEREO_P2, prior: { inv: prior, ...STEREO_PRIOR } });
      const wgt = new Float32Array(prior.length), lr: number[] = [];
      for (let p = 0; p < prior.length; p++) {
        const q = m.inv[p] / prior[p];
        if (!(prior[p] > 0 && m.inv[p] > 0 && q > 0.33 && q < 3)) continue;
        const c = Math.min(1, m.conf[p] / 0.3);
        if (c >= 0.2) wgt[p] = c;
        if (c >= 1) lr.push(Math.log(q));
      }
      if (lr.length > 100) logs.push(lr.sort((a, b) => a - b)[lr.length >> 1]);
      stereo.push(fuseWithPrior(prior, m.inv, wgt, aw, ah, []));
    }
    const fusion = createViewFusion(kc);
    const coarse = stereo.map((s) => boxDown(s, aw, ah, FUSION_STEP, true));
    const fused = stereo.map((s, i) => {
      const own = { inv: coarse[i], gray: views[i].coarseGray, c2w: views[i].pose };
      const near = [];
      for (let j = Math.max(0, i - FUSION_RADIUS); j <= Math.min(n - 1, i + FUSION_RADIUS); j++) {
        if (j !== i && views[j].shot === views[i].shot) near.push({ inv: coarse[j], gray: views[j].coarseGray, c2w: views[j].pose });
      }
      const f = fusion.fuse(own, near);
      const ratio = f.map((x, p) => (own.inv[p] > 0 && x > 0 ? x / own.inv[p] : 0));
      const up = resizeWithHoles(ratio, kc.width, kc.height, aw, ah);
      return s.map((x, p) => (up[p] > 0 ? x * up[p] : x));
    });
    const temporal = createTemporalFilter({ K, kind: 'relative-inverse', width: aw, height: ah });
    const filtered = fused.map((s, i) => temporal.apply(s, views[i].pose, views[i].shot, views[i].conf));
    // Photometric error of the result (every pixel, no ground truth): the frames 2 before and after moved
    // into each frame along its depth; textured pixels decide it, so it tells the factor only where they do.
    let pe = 0, pn = 0;
    for (let r = 0; r < n; r++) for (const k of [-2, 2]) {
      if (r + k < 0 || r + k >= n || views[r + k].shot !== views[r].shot) continue;
      const T = mul4(invRigid(views[r + k].pose), views[r].pose), d = filtered[r], g = views[r].gray, gj = views[r + k].gray;
      for (let y = 0; y < ah; y += 2) for (let x = 0; x < aw; x += 2) {
        const q = d[y * aw + x]; if (!(q > 0)) continue;
        const z = 1 / q, X = ((x - K.cx) / K.fx) * z, Y = ((y - K.cy) / K.fy) * z;
        const zc = T[8] * X + T[9] * Y + T[10] * z + T[11]; if (zc <= 1e-6) continue;
        const u = (K.fx * (T[0] * X + T[1] * Y + T[2] * z + T[3])) / zc + K.cx, v = (K.fy * (T[4] * X + T[5] * Y + T[6] * z + T[7])) / zc + K.cy;
        if (u < 0 || v < 0 || u > aw - 1 || v > ah - 1) continue;
        pe += Math.abs(g.data[y * aw + x] - sample(gj, u, v)); pn++;
      }
    }
    logs.sort((a, b) => a - b);
    const confidentRatio = logs.length ? Math.exp(logs[logs.length >> 1]) : NaN;
    return { stereo: score(stereo), fused: score(fused), filtered: score(filtered), photometric: pe / pn, confidentRatio };
  }

  const f = (x: number, d = 3) => x.toFixed(d);
  const cell = (s: DepthScores) => `${f(s.absRel)} / ${f(s.delta1)} / ${f(s.tae, 2)}`;
  const tried: { factor: string; r: ReturnType<typeof run> }[] = [];
  const row = (factor: string, from: string, r: ReturnType<typeof run>) => {
    tried.push({ factor, r });
    console.log(`| ${factor} | ${from} | ${cell(r.stereo)} | ${cell(r.fused)} | ${cell(r.filtered)} | ${f(r.photometric, 2)} |`);
  };
  console.log(`${dir}: ${n} frames; the default pipeline (npm run eval): ${cell(base.full)}; at ${aw}x${ah}: ${cell(score(views.map((v) => v.inv)))}`);
  console.log('| prior factor | where it comes from | stereo | + fusion | + temporal filter (AbsRel / delta1 / TAE) | photometric error |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const one = run(1);
  row('1', "the pipeline's units", one);
  const own = one.confidentRatio;
  if (Number.isFinite(own)) row(f(own), "the sweep's confident pixels against the prior (no ground truth)", run(own));
  for (const k of factors) row(String(k), 'given (--factors)', run(k));
  const best = tried.reduce((a, b) => (b.r.photometric < a.r.photometric ? b : a));
  console.log(`lowest photometric error (chosen without ground truth): factor ${best.factor}, ${cell(best.r.filtered)}`);
}

new Command()
  .name('eval:unit')
  .argument('<dataset>', 'folder in the eval layout (frames/, gt_depth/, gt_poses.txt, K.txt)')
  .option('--factors <list>', 'prior factors to try besides 1 and the measured one', '1.4,1.7')
  .option('--limit <n>', 'first N frames only', (v) => parseInt(v, 10))
  .option('--width <px>', 'analysis width', (v) => parseInt(v, 10), 256)
  .action(main)
  .parseAsync()
  .catch((e) => {
    console.error(isUserError(e) ? `error: ${e.message}` : e);
    process.exit(1);
  });
