import { cameraFor, scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import type { DepthKind, Mat4, RgbFrame, VideoInfo } from '../../common/types.ts';
import { createCalibratedStage, type CameraInfo } from '../geometry/calibrated-stage.ts';
import { resizeWithHoles } from '../geometry/image.ts';
import { GEOMETRY_PARAMS } from '../geometry/params.ts';
import type { GeometryOutput } from '../geometry/stage.ts';

/**
 * The camera of a clip whose depth was imported: the geometry stage (tracker, keyframes, field-of-view
 * self-calibration) run over the decoded frames with the imported depth as its depth, for the poses and
 * intrinsics only. The imported depth itself is never changed (the user's pass is the truth), so the
 * stage runs with its depth-changing parts off (scale smoothing, fusion, temporal filter, stereo) and
 * is given the depth as distances: its per-frame fit is then the identity and the path comes out in the
 * pass's own units (metres for a metric pass; 1 / value for an inverse one, as the point cloud reads it):
 * the unit transfer carries the first keyframe's unit, the pass's, along the shot.
 */

/** The decoded frames' grid: the pass's, at most twice the tracker's analysis width (what tracking uses). */
export function importTrackingGrid(pass: { width: number; height: number }): { width: number; height: number } {
  const width = Math.min(pass.width, 2 * GEOMETRY_PARAMS.analysisWidth);
  return { width, height: Math.max(8, Math.round((width * pass.height) / pass.width)) };
}

export interface ImportedCamera {
  camera: CameraInfo;
  poses: Mat4[];
  confidence: number[];
  shotIds: number[];
}

export function createImportCamera(o: {
  info: VideoInfo;
  pass: { width: number; height: number; kind: DepthKind; start: number; count: number };
  intrinsics?: { fx?: number; fovDeg?: number };
  signal?: AbortSignal;
}) {
  const grid = importTrackingGrid(o.pass);
  const c = cameraFor(o.info.width, o.info.height, { fx: o.intrinsics?.fx, fovDeg: o.intrinsics?.fovDeg });
  const stage = createCalibratedStage({
    intrinsics: scaleIntrinsics(c.K, grid.width, grid.height), source: c.source, signal: o.signal,
    mvs: false, fusion: false, scale: false, temporal: false,
  });
  const n = o.pass.count;
  const poses: Mat4[] = new Array(n);
  const confidence: number[] = new Array(n).fill(0);
  const shotIds: number[] = new Array(n).fill(0);
  let got = 0;
  const take = (outs: GeometryOutput[]) => {
    for (const g of outs) {
      const rel = g.index - o.pass.start;
      poses[rel] = g.pose;
      confidence[rel] = g.confidence;
      shotIds[rel] = g.shotId;
      got++;
    }
  };
  return {
    grid,
    /** The next frame in order: its picture on `grid`, its imported depth on the pass's grid (not kept). */
    async push(index: number, rgb: RgbFrame, depth: Float32Array) {
      const d = resizeWithHoles(depth, o.pass.width, o.pass.height, grid.width, grid.height);
      // Inverse depth handed over as distance: the stage then keeps it as it is (align.ts fits metric depth as the identity).
      if (o.pass.kind !== 'metric') for (let i = 0; i < d.length; i++) d[i] = d[i] > 0 ? 1 / d[i] : 0;
      take(await stage.push({ index, rgb, depth: { index, width: grid.width, height: grid.height, kind: 'metric', data: d } }));
    },
    async finish(): Promise<ImportedCamera> {
      take(await stage.flush());
      const cam = stage.camera();
      if (!cam || got !== n) throw new Error(`estimating the camera from the imported depth produced ${got} of ${n} poses`);
      return { camera: { ...cam, K: scaleIntrinsics(cam.K, o.pass.width, o.pass.height) }, poses, confidence, shotIds };
    },
  };
}
