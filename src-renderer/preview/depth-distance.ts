import type { DepthImage } from '../../src-main/common/api/types.ts';
import type { DepthRange } from '../../src-main/common/effects/distance.ts';
import type { PrepClient } from './prep-client.ts';

/**
 * Each played depth map's distance (common/effects/distance.ts: toDistance under the clip's range), made
 * off the page's thread when the map arrives (prep-jobs.ts 'distance') rather than on it when the map is
 * drawn: the effect renderer takes it from here (knownDistance) and converts only maps it finds none for.
 * Kept per depth array, so it goes when the map does.
 */
const made = new WeakMap<Float32Array, { range: string; dist: Float32Array }>();

export function knownDistance(depth: Float32Array, range: DepthRange): Float32Array | undefined {
  const m = made.get(depth);
  return m && m.range === JSON.stringify(range) ? m.dist : undefined;
}

/** The distances of `maps` (those with the clip's range) made by `worker`; resolves when all are here. */
export async function prepareDistances(maps: DepthImage[], worker: PrepClient): Promise<DepthImage[]> {
  await Promise.all(
    maps.map(async (d) => {
      const range = d.range;
      if (!range || made.has(d.data)) return;
      const r = await worker.run({ kind: 'distance', depth: d.data, range }).catch(() => null);
      if (r?.dist) made.set(d.data, { range: JSON.stringify(range), dist: r.dist });
    }),
  );
  return maps;
}
