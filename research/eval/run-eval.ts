import type { DepthMap, Intrinsics, Mat4, RgbFrame } from '../../src-main/common/types.ts';
import type { GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import { createCalibratedStage, type CameraInfo } from '../../src-main/engine/geometry/calibrated-stage.ts';
import { fovDegOf, intrinsicsFor, scaleIntrinsics } from '../../src-main/common/camera/intrinsics.ts';
import { openDataset, readGtDepth, readRgb, type EvalDataset } from './dataset.ts';
import { openFrameDepthModel } from './depth-model.ts';
import { frameDraw } from './frame-draw.ts';
import { MIN_PRED_DEPTH_M, poseDepthAgreement, scoreDepth, scorePoses, type DepthScores, type PoseScores } from './metrics.ts';
import { join } from 'node:path';

export interface FrameDepthSource {
  predict(frame: RgbFrame): Promise<DepthMap>;
  close(): Promise<void>;
}

export interface EvalOptions {
  limit?: number;
  model?: string;
  /** Depth cap in metres for valid GT (DATASETS.md: 10 indoor, 70 TartanAir). Default: 70 if the folder name says tartanair, else 10. */
  cap?: number;
  /** Ignore K.txt (what an uncalibrated user gets): the field of view is estimated from the footage, or the default. */
  defaultFov?: boolean;
  /** With `defaultFov`: estimate the field of view from the footage (default true); false keeps the default 60 degrees. */
  selfCalibrate?: boolean;
  /** With defaultFov: refine the estimate along the shot in the window bundle adjustment (opt-in). */
  refineFocal?: boolean;
  analysisWidth?: number;
  /** Also run the opt-in multi-view refinement (the `full` row). Default true; false gives the default pipeline's speed. */
  mvs?: boolean;
  /** The depth's scale made one along the shot (stage option `scale`). Default true; false shows what it adds. */
  scale?: boolean;
  /** Each frame fused with its posed neighbours (stage option `fusion`). Default true; false shows what it adds. */
  fusion?: boolean;
  /** Each new keyframe takes the path's units (stage option `unitTransfer`). Default true; false shows what it adds. */
  unitTransfer?: boolean;
  /**
   * Feed a metric model's depth to the pipeline as relative disparity with a random scale (+-15%) and
   * shift per frame: the relative-model path, measured without a relative model's weights.
   */
  asRelative?: boolean;
  /**
   * Where each frame's depth comes from instead of `model` (research/eval-stand-in.ts: a stand-in built from
   * the ground truth with set errors). Diagnostic only.
   */
  source?: (ds: EvalDataset) => Promise<FrameDepthSource>;
  /** Keep every frame's output (depth and pose) in the result, for diagnostics that start from the pipeline's output. */
  keepOutputs?: boolean;
  onFrame?: (done: number, total: number) => void;
}

export interface EvalResult {
  frames: number;
  perFrame: DepthScores;
  /** Poses, repair of the model's failed pixels, and scale/shift alignment (relative models): before the temporal filter. */
  aligned: DepthScores;
  /** What `analyze` writes: + the pose-guided temporal filter, and with `mvs` the opt-in multi-view refinement. */
  full: DepthScores;
  mvs: boolean;
  fusion: boolean;
  unitTransfer: boolean;
  poses: PoseScores;
  /**
   * The output's depth and poses against each other (metrics.ts: poseDepthAgreement, 5 frames apart):
   * as they are, and with the path scaled 0.8x and 1.25x. Lowest as they are: one unit.
   */
  agreement: { asIs: number; shorter: number; longer: number };
  meanConfidence: number;
  /** Estimated camera-to-world per frame (for inspection; scoring aligns them to GT). */
  estimatedPoses: Mat4[];
  /** With `keepOutputs`: what the pipeline output, frame by frame. */
  outputs?: GeometryOutput[];
  confidence: number[];
  shots: number;
  /** The camera the pipeline used (given, estimated or the default) and the dataset's true field of view. */
  camera: CameraInfo;
  trueFovDeg: number;
  modelFps: number;
  geometryFps: number;
  pipelineFps: number;
}

const toInv = (d: DepthMap) => {
  const data = new Float32Array(d.data.length);
  for (let i = 0; i < data.length; i++) data[i] = d.kind === 'metric' ? 1 / Math.max(MIN_PRED_DEPTH_M, d.data[i]) : d.data[i];
  return { data, width: d.width, height: d.height };
};

/** A metric depth as a relative model would give it: disparity in an arbitrary scale and shift, fixed by `frame`. */
function asRelative(d: DepthMap, frame: number): DepthMap {
  if (d.kind !== 'metric') return d;
  const r = (k: number) => frameDraw(frame, k);
  const s = Math.exp(0.15 * r(1)), t = 0.025 * r(2);
  return { ...d, kind: 'relative-inverse', data: d.data.map((v) => Math.max(0, s / Math.max(MIN_PRED_DEPTH_M, v) + t)) };
}

/** DATASETS.md's cap on valid ground-truth depth: 70 m for TartanAir, 10 m indoors. */
export const defaultCap = (dir: string): number => (/tartan/i.test(dir) ? 70 : 10);

export async function runEval(dir: string, o: EvalOptions = {}): Promise<EvalResult> {
  const ds = await openDataset(dir, o.limit);
  const cap = o.cap ?? defaultCap(dir);
  const model: FrameDepthSource = o.source ? await o.source(ds) : await openFrameDepthModel(o.model ?? 'fastdepth');
  let stage: ReturnType<typeof createCalibratedStage> | null = null;
  const perFrame: ReturnType<typeof toInv>[] = [], aligned: typeof perFrame = [], full: typeof perFrame = [];
  const poses: Mat4[] = [], conf: number[] = [], shotOf: number[] = [];
  let gridK: Intrinsics | null;
  let tModel = 0, tGeom = 0;
  let metric = false;
  const kept: GeometryOutput[] = [];
  const take = (outs: GeometryOutput[]) => {
    for (const g of outs) {
      if (o.keepOutputs) kept[g.index] = g;
      full[g.index] = toInv(g.depth);
      aligned[g.index] = toInv(g.aligned!);
      poses[g.index] = g.pose; conf[g.index] = g.confidence; shotOf[g.index] = g.shotId;
    }
  };
  try {
    for (let i = 0; i < ds.frames.length; i++) {
      const rgb = await readRgb(join(dir, 'frames', ds.frames[i]), i);
      let t0 = performance.now();
      const predicted = await model.predict(rgb);
      const depth = o.asRelative ? asRelative(predicted, i) : predicted;
      tModel += performance.now() - t0;
      perFrame[i] = toInv(depth);
      metric = depth.kind === 'metric';
      if (!stage) {
        const K = o.defaultFov ? intrinsicsFor(depth.width, depth.height) : scaleIntrinsics(ds.K, depth.width, depth.height);
        stage = createCalibratedStage({ intrinsics: K, source: o.defaultFov ? 'default' : 'user', selfCalibrate: o.selfCalibrate, refineAlongShot: o.refineFocal, keepAligned: true, analysisWidth: o.analysisWidth, mvs: o.mvs ?? true, scale: o.scale, fusion: o.fusion, unitTransfer: o.unitTransfer });
      }
      t0 = performance.now();
      take(await stage.push({ index: i, rgb, depth }));
      tGeom += performance.now() - t0;
      o.onFrame?.(i + 1, ds.frames.length);
    }
    const t0 = performance.now();
    take(await stage!.flush());
    tGeom += performance.now() - t0;
    gridK = stage!.camera()!.K;
  } finally {
    await model.close();
  }
  const gt: Float32Array[] = [];
  for (let i = 0; i < ds.frames.length; i++) gt.push(await readGtDepth(ds, i));
  const n = ds.frames.length;
  // Failed pixels of a metric model (clipped at MIN_PRED_DEPTH_M) must not steer the alignment.
  const fitMax = metric ? 0.5 / MIN_PRED_DEPTH_M : Infinity;
  return {
    frames: n,
    mvs: o.mvs ?? true,
    fusion: o.fusion ?? true,
    unitTransfer: o.unitTransfer ?? true,
    perFrame: scoreDepth(perFrame, gt, ds.K, ds.gtPoses, cap, fitMax),
    aligned: scoreDepth(aligned, gt, ds.K, ds.gtPoses, cap, fitMax),
    full: scoreDepth(full, gt, ds.K, ds.gtPoses, cap, fitMax),
    poses: scorePoses(poses, ds.gtPoses),
    agreement: {
      asIs: poseDepthAgreement(full, poses, gridK!, shotOf),
      shorter: poseDepthAgreement(full, poses, gridK!, shotOf, { factor: 0.8 }),
      longer: poseDepthAgreement(full, poses, gridK!, shotOf, { factor: 1.25 }),
    },
    meanConfidence: conf.reduce((a, b) => a + b, 0) / n,
    estimatedPoses: poses,
    ...(o.keepOutputs ? { outputs: kept } : {}),
    confidence: conf,
    shots: new Set(shotOf).size,
    camera: stage!.camera()!,
    trueFovDeg: fovDegOf(ds.K),
    modelFps: (1000 * n) / tModel,
    geometryFps: (1000 * n) / tGeom,
    pipelineFps: (1000 * n) / (tModel + tGeom),
  };
}

export function formatEvalTable(r: EvalResult): string {
  const f = (x: number, d = 3) => x.toFixed(d);
  const row = (name: string, s: DepthScores) => `| ${name.padEnd(46)} | ${f(s.absRel).padStart(6)} | ${f(s.delta1).padStart(6)} | ${f(s.tae, 2).padStart(6)} |`;
  const p = r.poses;
  return [
    `frames: ${r.frames}, shots: ${r.shots}, mean pose confidence: ${f(r.meanConfidence, 2)}`,
    `field of view: ${f(r.camera.fovDeg, 1)} deg (${r.camera.source}, confidence ${f(r.camera.confidence, 2)})${r.camera.refined ? `, refined along the shot ${f(r.camera.refined.fovDeg, 1)} deg (confidence ${f(r.camera.refined.confidence, 2)}, ${r.camera.refined.windows} windows)` : ''}, true ${f(r.trueFovDeg, 1)} deg${r.camera.warnings.map((w) => `; warning: ${w}`).join('')}`,
    `| ${'stage'.padEnd(46)} | AbsRel | delta1 |    TAE |`,
    `| ${'-'.repeat(46)} | ------ | ------ | ------ |`,
    row('model frame by frame', r.perFrame),
    row(`+ poses${r.unitTransfer ? ' (one unit)' : ''}, pixel repair, alignment`, r.aligned),
    row(`+ ${r.fusion ? 'view fusion, ' : ''}temporal filter${r.mvs ? ', MVS (opt-in)' : ' (default)'}`, r.full),
    '',
    `poses: ATE ${f(p.ate)} m (${f((100 * p.ate) / Math.max(1e-9, p.pathLength), 2)}% of path ${f(p.pathLength, 2)} m), RPE ${f(p.rpeTrans, 4)} m / ${f(p.rpeRotDeg, 3)} deg per frame, scale to GT ${f(p.scale, 3)}`,
    Number.isFinite(r.agreement.asIs)
      ? `depth vs poses (the 3D view; frame i's depth moved into frame i+5 along the output poses): ${f(r.agreement.asIs, 2)}% apart as they are, ${f(r.agreement.shorter, 2)}% / ${f(r.agreement.longer, 2)}% with the path 0.8x / 1.25x as long`
      : 'depth vs poses: not measured (no two frames 5 apart in one shot)',
    `sequence disparity fit (slope, shift): ${[r.perFrame, r.aligned, r.full].map((d) => `${f(d.fit.s, 4)}, ${f(d.fit.t)}`).join(' | ')} (a slope near 0: that row was scored as one constant depth)`,
    `speed: model ${f(r.modelFps, 1)} fps, geometry ${f(r.geometryFps, 1)} fps, pipeline ${f(r.pipelineFps, 1)} fps (CPU)`,
  ].join('\n');
}
