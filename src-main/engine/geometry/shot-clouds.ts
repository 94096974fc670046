import { basename, dirname, extname, join } from 'node:path';
import type { Mat4 } from '../../common/types.ts';
import type { OutputPolicy } from '../../util/output-guard.ts';
import { createCloudFuser, writePly, type PointCloud } from './pointcloud.ts';

/**
 * One fused cloud per shot: each shot's camera path starts again at the origin in its own units, so
 * two shots' points put in one world would overlay unrelated scenes.
 */
export function createShotClouds() {
  const fusers = new Map<number, ReturnType<typeof createCloudFuser>>();
  return {
    add(shot: number, c: PointCloud, pose: Mat4): boolean {
      let f = fusers.get(shot);
      if (!f) { f = createCloudFuser(); fusers.set(shot, f); }
      return f.add(c, pose);
    },
    shots(): number[] { return [...fusers.keys()].sort((a, b) => a - b); },
    cloud(shot: number): PointCloud { return fusers.get(shot)?.cloud() ?? { positions: new Float32Array(0), colors: new Uint8Array(0) }; },
    stats(shot: number) { return fusers.get(shot)?.stats ?? { kept: 0, aligned: 0, left: 0 }; },
  };
}

/** Where shot `shot` of a multi-shot clip goes for the PLY path the user gave: `cloud.ply` -> `cloud-shot1.ply`. */
export const shotPlyPath = (path: string, shot: number): string => join(dirname(path), `${basename(path, extname(path))}-shot${shot}${extname(path)}`);

/** The clouds as PLY: the given path for a single shot, one file per shot (shotPlyPath) otherwise. */
export async function writeShotPlys(path: string, clouds: ReturnType<typeof createShotClouds>, o: { unit?: string; policy?: OutputPolicy } = {}): Promise<string[]> {
  const shots = clouds.shots();
  if (shots.length <= 1) { await writePly(path, clouds.cloud(shots[0] ?? 0), o); return [path]; }
  const paths = shots.map((s) => shotPlyPath(path, s));
  for (let i = 0; i < shots.length; i++) await writePly(paths[i], clouds.cloud(shots[i]), o);
  return paths;
}
