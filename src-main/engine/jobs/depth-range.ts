import { CancelledError } from '../../util/errors.ts';
import { depthRangeOf, mergeRanges, type DepthRange } from '../effects/distance.ts';
import type { AnalysisResult } from './analyze.ts';

/** Frames read to find a clip's depth range: every frame up to this many, evenly spaced beyond. */
export const RANGE_SAMPLES = 300;

/**
 * The one depth range for a whole analysis, used by the app's preview and by export alike so that what
 * the user sees is what is exported (effects must not pump from frame to frame, so it is per clip).
 * Long clips are sampled: a 10-minute clip would otherwise read 15 000 depth maps before exporting.
 */
export async function clipDepthRange(a: AnalysisResult, signal?: AbortSignal): Promise<DepthRange> {
  const n = a.end - a.start + 1;
  const step = n <= RANGE_SAMPLES ? 1 : n / RANGE_SAMPLES;
  const rs: DepthRange[] = [];
  for (let k = 0; a.start + Math.floor(k * step) <= a.end; k++) {
    if (signal?.aborted) throw new CancelledError();
    rs.push(depthRangeOf(await a.readDepth(a.start + Math.floor(k * step))));
  }
  return mergeRanges(rs);
}

/** Exact smallest and largest depth over frames start..end (the 16-bit depth passes map this range). */
export async function depthExtent(a: AnalysisResult, start: number, end: number, signal?: AbortSignal): Promise<{ min: number; max: number }> {
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i <= end; i++) {
    if (signal?.aborted) throw new CancelledError();
    const d = (await a.readDepth(i)).data;
    for (let k = 0; k < d.length; k++) {
      const v = d[k];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}
