import { join } from 'node:path';
import { z } from 'zod';
import { readCheckedJson, writeChecked } from '../../util/checked-file.ts';
import { CancelledError } from '../../common/errors.ts';
import { DERIVED_PREFIX } from '../cache/layer.ts';
import { depthRangeOf, mergeRanges, type DepthRange } from '../../common/effects/distance.ts';
import type { AnalysisResult } from './analyze.ts';

/** Frames read to find a clip's depth range: every frame up to this many, evenly spaced beyond. */
export const RANGE_SAMPLES = 300;

const storedRange = z.object({ kind: z.enum(['metric', 'relative-inverse']), near: z.number().finite(), far: z.number().finite() });

/**
 * The one depth range for a whole analysis, used by the app's preview and by export alike so that what
 * the user sees is what is exported (effects must not pump from frame to frame, so it is per clip).
 * Long clips are sampled: a 10-minute clip would otherwise read 15 000 depth maps before exporting.
 * The result is kept beside the cached depth it was read from (that depth never changes under its key),
 * so a second export starts at once; a cache that cannot be written just means computing it again.
 */
export async function clipDepthRange(a: AnalysisResult, signal?: AbortSignal): Promise<DepthRange> {
  const file = join(a.depthDir, `${DERIVED_PREFIX}range-v2-${a.start}-${a.end}-of-${RANGE_SAMPLES}.json`);
  // Checksummed like the chunks: a damaged record is recomputed, never trusted.
  const known = storedRange.safeParse(await readCheckedJson(file));
  if (known.success) return known.data;
  const n = a.end - a.start + 1;
  const step = n <= RANGE_SAMPLES ? 1 : n / RANGE_SAMPLES;
  const rs: DepthRange[] = [];
  for (let k = 0; a.start + Math.floor(k * step) <= a.end; k++) {
    if (signal?.aborted) throw new CancelledError();
    rs.push(depthRangeOf(await a.readDepth(a.start + Math.floor(k * step))));
  }
  const range = mergeRanges(rs);
  await writeChecked(file, JSON.stringify(range)).catch(() => {});
  return range;
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
