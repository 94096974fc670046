import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { invRigid, mat3ToQuatWxyz, rotOf, transOf } from './linalg.ts';
import type { TrackedPoint } from './track-points.ts';

export interface ColmapImage {
  /** File name the image has (or would have) beside the model, e.g. frame_000040.png. */
  name: string;
  c2w: Mat4;
}

/** COLMAP's image name for source frame `index`: the same number as the depth passes' depth_%06d files. */
export const frameImageName = (index: number): string => `frame_${String(index).padStart(6, '0')}.png`;

/**
 * A COLMAP text model (cameras.txt, images.txt, points3D.txt) in `dir`: one PINHOLE camera, the images
 * as world-to-camera poses (quaternion w,x,y,z + translation) and the points with their tracks.
 * `points[].obs[].view` indexes `images`. `unit` goes into every file's header.
 */
export async function writeColmapModel(dir: string, K: Intrinsics, images: ColmapImage[], points: TrackedPoint[], unit: string): Promise<void> {
  const note = `# Units: ${unit}. Written by GemDepth Studio.\n`;
  await writeFile(
    join(dir, 'cameras.txt'),
    `# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n# Number of cameras: 1\n${note}1 PINHOLE ${K.width} ${K.height} ${K.fx} ${K.fy} ${K.cx} ${K.cy}\n`,
  );
  // Each image's 2D points: the observations of the points, in point order (POINT2D_IDX is the position).
  const perImage: { u: number; v: number; id: number }[][] = images.map(() => []);
  const tracks: string[] = [];
  points.forEach((p, k) => {
    const parts: number[] = [];
    for (const ob of p.obs) {
      const list = perImage[ob.view];
      parts.push(ob.view + 1, list.length);
      list.push({ u: ob.u, v: ob.v, id: k + 1 });
    }
    tracks.push(parts.join(' '));
  });
  const nObs = perImage.reduce((n, l) => n + l.length, 0);
  const lines = [
    '# Image list with two lines of data per image:',
    '#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME',
    '#   POINTS2D[] as (X, Y, POINT3D_ID)',
    `# Number of images: ${images.length}, mean observations per image: ${images.length ? nObs / images.length : 0}`,
  ];
  images.forEach((im, i) => {
    const w2c = invRigid(im.c2w);
    const q = mat3ToQuatWxyz(rotOf(w2c));
    lines.push(`${i + 1} ${q.join(' ')} ${transOf(w2c).join(' ')} 1 ${im.name}`, perImage[i].map((o) => `${o.u} ${o.v} ${o.id}`).join(' '));
  });
  await writeFile(join(dir, 'images.txt'), lines.join('\n') + '\n');
  const meanTrack = points.length ? nObs / points.length : 0;
  const body = points.map((p, k) => `${k + 1} ${p.xyz.join(' ')} ${p.rgb.join(' ')} ${p.error} ${tracks[k]}`);
  await writeFile(
    join(dir, 'points3D.txt'),
    `# 3D point list with one line of data per point:\n#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n# Number of points: ${points.length}, mean track length: ${meanTrack}\n${note}` +
      body.map((l) => l + '\n').join(''),
  );
}
