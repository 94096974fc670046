import { describe, expect, it } from 'vitest';
import { createFocalThread } from '../../src-main/engine/geometry/focal-thread.ts';
import { estimateFocal } from '../../src-main/engine/geometry/focal-search.ts';
import { createFocalTracks } from '../../src-main/engine/geometry/focal-tracks.ts';
import { trackingPyramid } from '../../src-main/engine/geometry/image.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { CancelledError } from '../../src-main/common/errors.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

const W = 192, H = 144;

/** Spans tracked on a rendered room seen by a moving, turning camera (90 degree lens), as the calibrated stage tracks them. */
function trackedRoom(frames: number, splitAt: number) {
  const K = intrinsicsFor(W, H, { fovDeg: 90 });
  const tracks = createFocalTracks();
  const early: number[] = [];
  for (let i = 0; i < frames; i++) {
    const f = renderRoom(poseYaw(0.012 * i, [0.04 * i, 0.01 * Math.sin(i / 3), 0.06 * i], 0.05), K, i);
    const pyr = trackingPyramid(f.rgb.data, W, H, W);
    tracks.push(pyr, (x, y) => 1 / f.depth.data[Math.round(y) * W + Math.round(x)], i);
    if (i === splitAt - 1) {
      tracks.finish();
      early.push(tracks.spans.length);
    }
  }
  tracks.finish();
  return { spans: tracks.spans, early: early[0] };
}

describe('the focal search on its own thread', () => {
  it('gives the estimate the search gives on this thread, also when the spans grow between calls', async () => {
    const { spans, early } = trackedRoom(30, 15);
    expect(early).toBeGreaterThan(0);
    expect(spans.length).toBeGreaterThan(early);
    const search = createFocalThread();
    try {
      // As the stage asks: the first frames' spans, then (those could not tell) the longer list.
      const first = await search.estimate(spans.slice(0, early), W, H);
      const all = await search.estimate(spans, W, H);
      expect(first).toEqual(estimateFocal(spans.slice(0, early), W, H));
      expect(all).toEqual(estimateFocal(spans, W, H));
      expect(Math.abs(all.fovDeg - 90)).toBeLessThan(3);
      expect(search.onThread()).toBe(true);
    } finally {
      search.close();
    }
  }, 120_000);

  it('a cancelled job stops waiting for it', async () => {
    const { spans } = trackedRoom(30, 15);
    const ac = new AbortController();
    const search = createFocalThread(ac.signal);
    const est = search.estimate(spans, W, H);
    ac.abort();
    await expect(est).rejects.toBeInstanceOf(CancelledError);
    // Cancelled for good: a later call does not search (nor wait) either.
    await expect(search.estimate(spans, W, H)).rejects.toBeInstanceOf(CancelledError);
  }, 120_000);
});
