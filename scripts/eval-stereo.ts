/**
 * npm run eval:stereo -- DATASET_DIR [--poses FILE] [--local-ba] [--true-lengths] [--offsets -4,-2,-1,1,2,4] [--every 10]
 *
 * A diagnostic, not the product: it separates the stereo's accuracy from the poses' by running the
 * plane sweep (with the model's depth as its prior) on every Nth frame with poses read from a file:
 * the dataset's ground truth by default, or the pipeline's own (`npm run eval -- DATASET --json > F`).
 * With --local-ba the neighbours' poses are first re-estimated around each reference frame
 * (stereo-poses.ts), as the pipeline's stereo could. Scored at the analysis grid against ground
 * truth. The model's depth takes ONE scale per sequence from the ground truth, as the metrics align
 * it, so the poses' units and the prior's agree.
 * With --true-lengths each neighbour keeps the given pose's rotation and direction of travel but takes
 * the length of its baseline from the ground truth: what the stereo would score if only the poses'
 * scale were consistent along the shot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { openDataset, readGtDepth, readRgb } from '../src-main/eval/dataset.ts';
import { MIN_PRED_DEPTH_M, frameErrors } from '../src-main/eval/metrics.ts';
import { defaultCap } from '../src-main/eval/run-eval.ts';
import { openFrameDepthModel } from '../src-main/eval/depth-model.ts';
import { downsampleRgbGray, resizeWithHoles, trackingPyramid, type Plane } from '../src-main/engine/geometry/image.ts';
import { census5, planeSweep, sweepRange, STEREO_P2, STEREO_PRIOR, type MvsSource } from '../src-main/engine/geometry/mvs.ts';
import { stereoPoses } from '../src-main/engine/geometry/stereo-poses.ts';
import { scaleIntrinsics } from '../src-main/engine/geometry/intrinsics.ts';
import { invRigid, mul4 } from '../src-main/engine/geometry/linalg.ts';
import { UserError, isUserError } from '../src-main/util/errors.ts';
import type { Mat4 } from '../src-main/engine/types.ts';

interface View { gray: Plane; census: Int32Array; gt: Float32Array; modelInv: Float32Array; pyr: Plane[] | null }

function readPoses(file: string, n: number): Mat4[] {
  const j = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const poses = (Array.isArray(j) ? j : (j as { estimatedPoses?: unknown }).estimatedPoses) as Mat4[] | undefined;
  if (!Array.isArray(poses) || poses.length < n || poses.some((p) => !Array.isArray(p) || p.length !== 16)) {
    throw new UserError(`${file}: expected ${n} camera-to-world 4x4 matrices (an array, or the JSON of npm run eval -- DATASET --json)`);
  }
  return poses;
}

/** T with the length of `like`'s translation (its rotation and direction of travel kept). */
function withLength(T: Mat4, like: Mat4): Mat4 {
  const f = Math.hypot(like[3], like[7], like[11]) / Math.max(1e-12, Math.hypot(T[3], T[7], T[11]));
  const out = T.slice() as Mat4;
  out[3] *= f; out[7] *= f; out[11] *= f;
  return out;
}

const score = (inv: Float32Array, gt: Float32Array, cap: number) => frameErrors(inv.map((x) => (x > 0 ? 1 / x : 0)), gt, cap);

async function main(dir: string, o: { poses?: string; localBa?: boolean; trueLengths?: boolean; offsets: string; every: number; width: number; cap?: number; json?: boolean }) {
  const ds = await openDataset(dir);
  const cap = o.cap ?? defaultCap(dir);
  const poses = o.poses ? readPoses(o.poses, ds.frames.length) : ds.gtPoses;
  const offsets = o.offsets.split(',').map(Number);
  if (offsets.some((v) => !Number.isInteger(v) || v === 0)) throw new UserError('--offsets: non-zero whole numbers, e.g. -4,-2,-1,1,2,4');
  const aw = o.width, ah = Math.round((aw * ds.height) / ds.width);
  const K = scaleIntrinsics(ds.K, aw, ah);
  const refs: number[] = [];
  for (let r = 0; r < ds.frames.length; r += o.every) if (offsets.every((k) => r + k >= 0 && r + k < ds.frames.length)) refs.push(r);
  if (!refs.length) throw new UserError(`${dir}: too few frames for neighbours at ${offsets.join(',')}`);
  const model = await openFrameDepthModel('fastdepth');
  const views = new Map<number, View>();
  const view = async (i: number): Promise<View> => {
    const have = views.get(i);
    if (have) return have;
    const rgb = await readRgb(join(dir, 'frames', ds.frames[i]), i);
    const { gray } = downsampleRgbGray(rgb.data, rgb.width, rgb.height, aw, ah);
    const gt = resizeWithHoles(await readGtDepth(ds, i), ds.width, ds.height, aw, ah);
    const d = await model.predict(rgb);
    const m = resizeWithHoles(d.data, d.width, d.height, aw, ah);
    const v = { gray, census: census5(gray), gt, modelInv: m.map((z) => (z > MIN_PRED_DEPTH_M ? 1 / z : 0)), pyr: o.localBa ? trackingPyramid(rgb.data, rgb.width, rgb.height, aw) : null };
    views.set(i, v);
    return v;
  };
  try {
    // One scale per sequence for the model (the median inverse-depth ratio to the ground truth).
    const ratios: number[] = [];
    for (const r of refs) {
      const v = await view(r);
      for (let p = 0; p < v.gt.length; p += 7) if (v.gt[p] > 1e-3 && v.gt[p] < cap && v.modelInv[p] > 0) ratios.push(1 / v.gt[p] / v.modelInv[p]);
    }
    ratios.sort((a, b) => a - b);
    const scale = ratios[ratios.length >> 1];
    const sum = { model: [0, 0], stereo: [0, 0] };
    const rows: string[] = [];
    let ms = 0;
    for (const r of refs) {
      const ref = await view(r);
      const prior = ref.modelInv.map((x) => x * scale);
      const sources: MvsSource[] = [];
      for (const k of offsets) sources.push({ census: (await view(r + k)).census, T: mul4(invRigid(poses[r + k]), poses[r]) });
      if (o.localBa) {
        // Chains of consecutive frames out to the farthest offset on each side, as the pipeline holds them.
        const sides = [];
        for (const dir of [-1, 1]) {
          const steps = Math.max(0, ...offsets.map((k) => k * dir));
          const chain = [], init = [];
          for (let s = 1; s <= steps; s++) { chain.push((await view(r + dir * s)).pyr!); init.push(mul4(invRigid(poses[r + dir * s]), poses[r])); }
          sides.push({ chain, init });
        }
        const Ts = stereoPoses(ref.pyr!, prior, K, sides, (step) => offsets.includes(step) || offsets.includes(-step));
        offsets.forEach((k, i) => { const T = Ts[k < 0 ? 0 : 1][Math.abs(k) - 1]; if (T) sources[i].T = T; });
      }
      if (o.trueLengths) offsets.forEach((k, i) => { sources[i].T = withLength(sources[i].T, mul4(invRigid(ds.gtPoses[r + k]), ds.gtPoses[r])); });
      const range = { ...sweepRange(prior.filter((x) => x > 0).sort()), labels: 64 };
      const t0 = performance.now();
      const m = planeSweep(ref.gray, ref.census, sources, K, range, { P2: STEREO_P2, prior: { inv: prior, ...STEREO_PRIOR } });
      ms += performance.now() - t0;
      const a = score(prior, ref.gt, cap), b = score(m.inv, ref.gt, cap);
      sum.model[0] += a.absRel; sum.model[1] += a.delta1; sum.stereo[0] += b.absRel; sum.stereo[1] += b.delta1;
      rows.push(`| ${String(r).padStart(5)} | ${a.absRel.toFixed(3)} | ${a.delta1.toFixed(3)} | ${b.absRel.toFixed(3)} | ${b.delta1.toFixed(3)} |`);
    }
    const n = refs.length;
    console.log(`poses: ${o.poses ?? 'ground truth'}${o.localBa ? ', re-estimated around each frame' : ''}${o.trueLengths ? ', baseline lengths from the ground truth' : ''}; neighbours ${offsets.join(',')}; ${aw}x${ah}; ${n} frames; ${(ms / n).toFixed(0)} ms a sweep`);
    console.log('| frame | model AbsRel | model delta1 | stereo+prior AbsRel | stereo+prior delta1 |');
    console.log('| ----- | ------------ | ------------ | ------------------- | ------------------- |');
    for (const row of rows) console.log(row);
    console.log(`|  mean | ${(sum.model[0] / n).toFixed(3)} | ${(sum.model[1] / n).toFixed(3)} | ${(sum.stereo[0] / n).toFixed(3)} | ${(sum.stereo[1] / n).toFixed(3)} |`);
    if (o.json) console.log(JSON.stringify({ frames: n, model: { absRel: sum.model[0] / n, delta1: sum.model[1] / n }, stereo: { absRel: sum.stereo[0] / n, delta1: sum.stereo[1] / n } }));
  } finally {
    await model.close();
  }
}

new Command()
  .name('eval:stereo')
  .argument('<dataset>', 'folder in the eval layout (frames/, gt_depth/, gt_poses.txt, K.txt)')
  .option('--poses <file>', 'camera-to-world poses to use instead of the ground truth (JSON)')
  .option('--local-ba', 're-estimate the neighbours\' poses around each reference frame first (stereo-poses.ts)')
  .option('--true-lengths', 'keep the poses\' rotations and directions of travel, take each baseline\'s length from the ground truth')
  .option('--offsets <list>', 'neighbour frame offsets', '-4,-2,-1,1,2,4')
  .option('--every <n>', 'score every Nth frame', (v) => parseInt(v, 10), 10)
  .option('--width <px>', 'analysis width', (v) => parseInt(v, 10), 256)
  .option('--cap <m>', 'max valid GT depth in metres', parseFloat)
  .option('--json', 'print the means as JSON too')
  .action(main)
  .parseAsync()
  .catch((e) => {
    console.error(isUserError(e) ? `error: ${e.message}` : e);
    process.exit(1);
  });
