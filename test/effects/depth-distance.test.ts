import { describe, expect, it } from 'vitest';
import type { DepthImage } from '../../src-main/common/api/types.ts';
import { toDistance } from '../../src-main/common/effects/distance.ts';
import { knownDistance, prepareDistances } from '../../src-renderer/preview/depth-distance.ts';
import type { PrepClient } from '../../src-renderer/preview/prep-client.ts';
import { runPrep, transferables } from '../../src-renderer/preview/prep-jobs.ts';
import { realFrame } from './fixture.ts';

/**
 * Playback makes each depth map's distance as the map arrives (preview/depth-distance.ts, a 'distance' job
 * on a worker) and the effect renderer takes it instead of converting the map when it draws it: it must be
 * the very distance the renderer would make (toDistance under the clip's range), and only for that range.
 */
describe('depth maps converted to distance on arrival', () => {
  it('gives toDistance of a real depth map under its range, and nothing for another range', async () => {
    const { depth, range } = await realFrame('cockatoo.mp4', 0, { width: 320, height: 180 });
    // The preview's own fallback where no worker starts: the jobs run in place (prep-client.ts).
    const inPlace: PrepClient = { run: async (job) => runPrep(job), dispose: () => undefined };
    const map: DepthImage = { index: 0, width: depth.width, height: depth.height, kind: depth.kind, data: depth.data, min: 0, max: 0, intrinsics: null, range };
    const noRange: DepthImage = { ...map, index: 1, data: depth.data.slice(), range: null };
    expect(await prepareDistances([map, noRange], inPlace)).toEqual([map, noRange]);
    const dist = knownDistance(map.data, range);
    expect(dist).toBeDefined();
    expect(Buffer.compare(Buffer.from(dist!.buffer), Buffer.from(toDistance(depth.data, range).buffer))).toBe(0);
    // Not all one value (a real map's distances spread over the range).
    expect(Math.max(...dist!) - Math.min(...dist!)).toBeGreaterThan(0.3);
    // Another range (an edit of the analysis' range) finds none: the renderer converts the map itself.
    expect(knownDistance(map.data, { ...range, near: range.near * 1.1 })).toBeUndefined();
    // A map without the clip's range is left to the renderer (its range is estimated per map there).
    expect(knownDistance(noRange.data, range)).toBeUndefined();
    // The worker moves the distance back rather than copying it.
    expect(transferables({ dist: dist! })).toEqual([dist!.buffer]);
  });
});
