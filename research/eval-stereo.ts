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
 * With --true-rotations each neighbour keeps the given pose's translation and takes its rotation from
 * the ground truth: what the stereo would score if only the rotations were exact.
 * With --no-prior the sweep runs on the pictures alone (no model term), over a wider range.
 *
 * It also prints the stereo's bias by depth: at the pixels the sweep is confident on, its inverse
 * depth times the true depth, over that product's median in the same frame (so a baseline's length
 * error cancels), per band of true depth. 1 in every band is a stereo that only errs in scale; a
 * far band above 1 is depth too near far away: the signature of a disparity offset, which a rotation
 * error between the views makes (a 0.1 deg error moves every pixel by about the same amount).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { openDataset, readGtDepth, readRgb } from './eval/dataset.ts';
import { MIN_PRED_DEPTH_M, frameErrors } from './eval/metrics.ts';
import { defaultCap } from './eval/run-eval.ts';
import { openFrameDepthModel } from './eval/depth-model.ts';
import { downsampleRgbGray, resizeWithHoles, trackingPyramid, type Plane } from '../src-main/engine/geometry/image.ts';
import { census5, planeSweep, sweepRange, STEREO_P2, STEREO_PRIOR, type MvsSource } from '../src-main/engine/geometry/mvs.ts';
import { stereoPoses } from '../src-main/engine/geometry/stereo-poses.ts';
import { scaleIntrinsics } from '../src-main/common/camera/intrinsics.ts';
import { invRigid, mul4 } from '../src-main/engine/geometry/linalg.ts';
import { UserError, isUserError } from '../src-main/common/errors.ts';
import type { Mat4 } from '../src-main/common/types.ts';

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

/** T with the rotation of `like` (its translation kept). */
function withRotation(T: Mat4, like: Mat4): Mat4 {
  const out = like.slice() as Mat4;
  out[3] = T[3]; out[7] = T[7]; out[11] = T[11];
  return out;
}

/** Bands of true depth (metres) for the bias line; indoor scenes. */
const BANDS = [{ name: 'under 2 m', max: 2 }, { name: '2-5 m', max: 5 }, { name: 'over 5 m', max: Infinity }];
/** Raw sweep confidence at which a pixel counts as measured (as eval-unit.ts counts it). */
const CONFIDENT = 0.3;

const score = (inv: Float32Array, gt: Float32Array, cap: number) => frameErrors(inv.map((x) => (x > 0 ? 1 / x : 0)), gt, cap);

async function main(dir: string, o: { poses?: string; localBa?: boolean; trueLengths?: boolean; trueRotations?: boolean; prior: boolean; offsets: string; every: number; width: number; cap?: number; json?: boolean }) {
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
    const bands = BANDS.map(() => [] as number[]);
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
      const trueRel = (k: number) => mul4(invRigid(ds.gtPoses[r + k]), ds.gtPoses[r]);
      if (o.trueLengths) offsets.forEach((k, i) => { sources[i].T = withLength(sources[i].T, trueRel(k)); });
      if (o.trueRotations) offsets.forEach((k, i) => { sources[i].T = withRotation(sources[i].T, trueRel(k)); });
      const sorted = prior.filter((x) => x > 0).sort();
      // Without the model's term nothing keeps the sweep near it, so it may look further either way.
      const range = o.prior ? { ...sweepRange(sorted), labels: 64 } : { ...sweepRange(sorted, 0.2, 3), labels: 96 };
      const t0 = performance.now();
      const m = planeSweep(ref.gray, ref.census, sources, K, range, { P2: STEREO_P2, prior: o.prior ? { inv: prior, ...STEREO_PRIOR } : undefined });
      ms += performance.now() - t0;
      const prod: number[] = [], band: number[] = [];
      for (let p = 0; p < m.inv.length; p++) {
        const g = ref.gt[p];
        if (m.conf[p] < CONFIDENT || !(m.inv[p] > 0 && g > 1e-3 && g < cap)) continue;
        prod.push(m.inv[p] * g);
        band.push(BANDS.findIndex((b) => g < b.max));
      }
      const mid = prod.slice().sort((a, b) => a - b)[prod.length >> 1];
      prod.forEach((v, i) => bands[band[i]].push(v / mid));
      const a = score(prior, ref.gt, cap), b = score(m.inv, ref.gt, cap);
      sum.model[0] += a.absRel; sum.model[1] += a.delta1; sum.stereo[0] += b.absRel; sum.stereo[1] += b.delta1;
      rows.push(`| ${String(r).padStart(5)} | ${a.absRel.toFixed(3)} | ${a.delta1.toFixed(3)} | ${b.absRel.toFixed(3)} | ${b.delta1.toFixed(3)} |`);
    }
    const n = refs.length;
    console.log(`poses: ${o.poses ?? 'ground truth'}${o.localBa ? ', re-estimated around each frame' : ''}${o.trueLengths ? ', baseline lengths from the ground truth' : ''}${o.trueRotations ? ', rotations from the ground truth' : ''}; ${o.prior ? 'model as prior' : 'no prior'}; neighbours ${offsets.join(',')}; ${aw}x${ah}; ${n} frames; ${(ms / n).toFixed(0)} ms a sweep`);
    console.log(`| frame | model AbsRel | model delta1 | stereo${o.prior ? '+prior' : ''} AbsRel | stereo${o.prior ? '+prior' : ''} delta1 |`);
    console.log('| ----- | ------------ | ------------ | ------------------- | ------------------- |');
    for (const row of rows) console.log(row);
    console.log(`|  mean | ${(sum.model[0] / n).toFixed(3)} | ${(sum.model[1] / n).toFixed(3)} | ${(sum.stereo[0] / n).toFixed(3)} | ${(sum.stereo[1] / n).toFixed(3)} |`);
    const bias = bands.map((b) => {
      b.sort((x, y) => x - y);
      return b.length ? { median: b[b.length >> 1], q25: b[b.length >> 2], q75: b[(3 * b.length) >> 2], pixels: b.length } : null;
    });
    console.log(`stereo bias by true depth (confident pixels; inverse depth x true depth over the frame's median; 1 = none): ${BANDS.map((b, i) => {
      const v = bias[i];
      return `${b.name} ${v ? `${v.median.toFixed(3)} (${v.q25.toFixed(3)}-${v.q75.toFixed(3)}, ${v.pixels} px)` : 'no pixels'}`;
    }).join('; ')}`);
    if (o.json) console.log(JSON.stringify({ frames: n, model: { absRel: sum.model[0] / n, delta1: sum.model[1] / n }, stereo: { absRel: sum.stereo[0] / n, delta1: sum.stereo[1] / n }, bias: Object.fromEntries(BANDS.map((b, i) => [b.name, bias[i]])) }));
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
  .option('--true-rotations', 'keep the poses\' translations, take each neighbour\'s rotation from the ground truth')
  .option('--no-prior', 'sweep on the pictures alone, without the model\'s depth as a term of the cost')
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
