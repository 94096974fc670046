import type { Intrinsics } from '../../src-main/common/types.ts';
import type { ResolvedParams } from '../../src-main/common/effects/params.ts';
import { searchRadii } from '../../src-main/common/effects/refocus.ts';
import { surfaceMaps, type SurfaceLights } from '../../src-main/common/effects/surface.ts';

/**
 * The effects' low-res preparations that cost the page's thread tens of milliseconds per depth frame
 * (relight's surface maps: normals and the shadow march; refocus's search radii): the same functions
 * export calls, run by the preview in a worker (prep-worker.ts) or, without one, in place.
 */
export type PrepJob =
  | { kind: 'relight'; dist: Float32Array; width: number; height: number; K: Intrinsics; nearRatio: number; smoothing: number; lights: SurfaceLights }
  | { kind: 'refocus'; dist: Float32Array; width: number; height: number; focus: number; params: ResolvedParams; W: number; H: number };

export interface PrepResult {
  normalVis?: Float32Array;
  dirVis?: Float32Array;
  search?: Float32Array;
}

export function runPrep(job: PrepJob): PrepResult {
  if (job.kind === 'relight') {
    const maps = surfaceMaps(job.dist, job.width, job.height, job.K, job.nearRatio, job.smoothing, job.lights);
    return { normalVis: maps.normalVis, dirVis: maps.dirVis };
  }
  return { search: searchRadii({ dist: job.dist, width: job.width, height: job.height }, job.focus, job.params, job.W, job.H) };
}

/** The arrays a result owns (moved, not copied, out of the worker). */
export const transferables = (r: PrepResult): ArrayBuffer[] => [r.normalVis, r.dirVis, r.search].filter((a): a is Float32Array => !!a).map((a) => a.buffer as ArrayBuffer);
