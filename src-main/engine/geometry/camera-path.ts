import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { withAtomicDir, writeFileAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import type { Intrinsics, Mat4 } from '../types.ts';
import { invRigid, mat3ToQuatWxyz, rotOf, transOf } from './linalg.ts';

const finite = z.number().refine(Number.isFinite, 'must be finite');

/** poses.json: the camera path other tools and the app read back. */
export const posesFileSchema = z.object({
  version: z.literal(1),
  convention: z.literal('opencv-camera-to-world-row-major'),
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
  indices?: number[];
  confidence?: number[];
  shotIds?: number[];
}

/**
 * Writes `poses.json` and a COLMAP text model (`colmap/cameras.txt`, `images.txt`, `points3D.txt`) into
 * `dir`. COLMAP stores world-to-camera (quaternion w,x,y,z + translation), so poses are inverted.
 */
export async function writeCameraPath(dir: string, poses: Mat4[], K: Intrinsics & Pick<PosesFile['intrinsics'], 'fovDeg' | 'source' | 'confidence'>, timestamps: number[], extras: CameraPathExtras = {}): Promise<void> {
  if (poses.length !== timestamps.length) throw new UserError(`camera path has ${poses.length} poses but ${timestamps.length} timestamps`);
  const doc: PosesFile = {
    version: 1,
    convention: 'opencv-camera-to-world-row-major',
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
  await withAtomicDir(join(dir, 'colmap'), async (tmp) => {
    await writeFile(
      join(tmp, 'cameras.txt'),
      `# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n# Number of cameras: 1\n1 PINHOLE ${K.width} ${K.height} ${K.fx} ${K.fy} ${K.cx} ${K.cy}\n`,
    );
    const lines = [
      '# Image list with two lines of data per image:',
      '#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME',
      '#   POINTS2D[] as (X, Y, POINT3D_ID)',
      `# Number of images: ${poses.length}, mean observations per image: 0`,
    ];
    poses.forEach((m, i) => {
      const w2c = invRigid(m);
      const q = mat3ToQuatWxyz(rotOf(w2c));
      const t = transOf(w2c);
      const idx = extras.indices?.[i] ?? i;
      lines.push(`${i + 1} ${q.join(' ')} ${t.join(' ')} 1 frame_${String(idx).padStart(6, '0')}.png`, '');
    });
    await writeFile(join(tmp, 'images.txt'), lines.join('\n') + '\n');
    await writeFile(join(tmp, 'points3D.txt'), '# 3D point list with one line of data per point:\n#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n# Number of points: 0, mean track length: 0\n');
  });
}
