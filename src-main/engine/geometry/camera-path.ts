import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../util/atomic.ts';
import { UserError } from '../../common/errors.ts';
import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { frameImageName, writeColmapModel } from './colmap-model.ts';
import type { TrackedPoint } from './track-points.ts';

const finite = z.number().refine(Number.isFinite, 'must be finite');

/** poses.json: the camera path other tools and the app read back. */
export const posesFileSchema = z.object({
  version: z.literal(1),
  convention: z.literal('opencv-camera-to-world-row-major'),
  /** What the translations are in (units.ts); absent in files written before it was recorded. */
  unit: z.string().optional(),
  intrinsics: z.object({
    fx: finite, fy: finite, cx: finite, cy: finite, width: z.number().int().positive(), height: z.number().int().positive(),
    /** Horizontal field of view (degrees), where the intrinsics came from, and how sure an estimate is (0..1). */
    fovDeg: finite.optional(),
    source: z.enum(['user', 'model', 'estimated', 'default']).optional(),
    confidence: z.number().min(0).max(1).optional(),
  }),
  frames: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      timestamp: finite,
      c2w: z.array(finite).length(16),
      confidence: z.number().min(0).max(1).optional(),
      shotId: z.number().int().nonnegative().optional(),
    }),
  ),
});
export type PosesFile = z.infer<typeof posesFileSchema>;

export interface CameraPathExtras {
  /** Source frame numbers (default 0..n-1): they name the COLMAP images, as the depth passes' files. */
  indices?: number[];
  confidence?: number[];
  shotIds?: number[];
  /** Triangulated points; their observations' `view` indexes `poses`. */
  points?: TrackedPoint[];
  unit?: string;
}

/** The COLMAP model of shot `id` inside a camera-path folder. */
export const colmapShotDir = (dir: string, id: number): string => join(dir, 'colmap', `shot${id}`);

/**
 * Writes `poses.json` and a COLMAP text model per shot (`colmap/shot<N>/cameras.txt`, `images.txt`,
 * `points3D.txt`) into `dir`: each shot's camera path starts again in its own world, so two shots are
 * never put in one model. Images are named `frame_<source frame>.png`.
 */
export async function writeCameraPath(dir: string, poses: Mat4[], K: Intrinsics & Pick<PosesFile['intrinsics'], 'fovDeg' | 'source' | 'confidence'>, timestamps: number[], extras: CameraPathExtras = {}): Promise<void> {
  if (poses.length !== timestamps.length) throw new UserError(`camera path has ${poses.length} poses but ${timestamps.length} timestamps`);
  const unit = extras.unit ?? 'unknown';
  const doc: PosesFile = {
    version: 1,
    convention: 'opencv-camera-to-world-row-major',
    unit,
    intrinsics: {
      fx: K.fx, fy: K.fy, cx: K.cx, cy: K.cy, width: K.width, height: K.height,
      ...(K.source ? { fovDeg: K.fovDeg, source: K.source, confidence: K.confidence } : {}),
    },
    frames: poses.map((m, i) => ({
      index: extras.indices?.[i] ?? i,
      timestamp: timestamps[i],
      c2w: m.slice(),
      ...(extras.confidence ? { confidence: Math.max(0, Math.min(1, extras.confidence[i])) } : {}),
      ...(extras.shotIds ? { shotId: extras.shotIds[i] } : {}),
    })),
  };
  posesFileSchema.parse(doc);
  await writeFileAtomic(join(dir, 'poses.json'), JSON.stringify(doc, null, 1));
  const shotOf = (i: number) => extras.shotIds?.[i] ?? 0;
  // `dir` is always an output folder still being built (its caller swaps it in whole), so the models go
  // straight into it.
  const colmap = join(dir, 'colmap');
  await mkdir(colmap, { recursive: true });
  for (const shot of [...new Set(poses.map((_p, i) => shotOf(i)))]) {
    // Positions of this shot's frames in `poses`, and their positions in the shot's model.
    const views = poses.map((_p, i) => i).filter((i) => shotOf(i) === shot);
    const local = new Map(views.map((v, j) => [v, j]));
    const points = (extras.points ?? [])
      .filter((p) => p.obs.every((o) => local.has(o.view)))
      .map((p) => ({ ...p, obs: p.obs.map((o) => ({ ...o, view: local.get(o.view)! })) }));
    const images = views.map((i) => ({ name: frameImageName(doc.frames[i].index), c2w: poses[i] }));
    const out = join(colmap, `shot${shot}`);
    await mkdir(out);
    await writeColmapModel(out, K, images, points, unit);
  }
}
