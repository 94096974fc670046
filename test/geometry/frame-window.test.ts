import { describe, expect, it } from 'vitest';
import { createFrameWindow, dropImages, prepareFrame, releaseFrame, type FrameState, type WindowConfig } from '../../src-main/engine/geometry/driver/frame-window.ts';
import { GEOMETRY_PARAMS } from '../../src-main/engine/geometry/params.ts';
import { createGeometryStage, type GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

// The window recycles the planes of frames it dropped (frame-window.ts: releaseFrame): a recycled plane
// must hold the new frame's values only, and never serve two held frames at once.
const K = intrinsicsFor(160, 120, { fovDeg: 70 });
const cfg = (): WindowConfig => ({
  params: { ...GEOMETRY_PARAMS, analysisWidth: 160 }, intrinsics: K, lag: 0, mvs: false, scale: true, fusion: true,
  unitTransfer: true, temporal: true, keepAligned: false, fusionRadius: 0,
});
const frame = (i: number) => { const f = renderRoom(poseYaw(0.02 * i, [0.03 * i, 0, 0]), K, i); return { index: i, rgb: f.rgb, depth: f.depth }; };
const planesOf = (s: FrameState) => [s.gray.data, s.x, s.aligned, ...s.pyr.map((l) => l.data)];
const bits = (s: FrameState) => planesOf(s).slice(0, 2).concat(s.pyr.map((l) => l.data)).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'));

describe('frame window planes', () => {
  it("a frame prepared in a dropped frame's planes has the values of one prepared in new ones, and its planes are those", () => {
    const fresh = createFrameWindow(cfg()), w = createFrameWindow(cfg());
    const a = prepareFrame(w, frame(0));
    a.aligned.fill(9); // as the scale path writes it
    const given = planesOf(a);
    releaseFrame(w, a);
    // A read after the release shows: nothing of the dropped frame is left in it.
    expect(planesOf(a).every((p) => p.length === 0)).toBe(true);
    const b = prepareFrame(w, frame(5)), want = prepareFrame(fresh, frame(5));
    expect(bits(b)).toEqual(bits(want));
    expect(b.hist).toEqual(want.hist);
    // Every plane of b is one of a's (pyramid levels under 4 values excepted: none at this size).
    for (const p of planesOf(b)) expect(given.includes(p)).toBe(true);
  });

  it('the tracking keyframe keeps its planes; dropped images go back once; held frames never share a plane', () => {
    const w = createFrameWindow(cfg());
    const held: FrameState[] = [];
    for (let i = 0; i < 12; i++) {
      const s = prepareFrame(w, frame(i));
      held.push(s);
      if (i % 3 === 2) { dropImages(w, held[0]); dropImages(w, held[0]); } // twice: the second is a no-op
      if (held.length > 4) {
        const old = held.shift()!;
        if (i === 6) w.kf = { frame: old } as never;
        releaseFrame(w, old);
        if (i === 6) expect(old.x.length).toBeGreaterThan(0);
      }
      const all = held.flatMap(planesOf);
      expect(new Set(all).size).toBe(all.length);
    }
  });

  it('a stage over more frames than its window gives the outputs of one whose window holds them all', async () => {
    const run = async (window: number) => {
      // A short look-ahead and fusion reach: the small window (14 + 8 + 4 + 2 frames) drops frames early.
      const params = { ...GEOMETRY_PARAMS, scale: { ...GEOMETRY_PARAMS.scale, lookahead: 8 }, fusion: { ...GEOMETRY_PARAMS.fusion, radius: 4 } };
      const stage = createGeometryStage({ intrinsics: K, analysisWidth: 160, window, params });
      const outs: GeometryOutput[] = [];
      for (let i = 0; i < 40; i++) outs.push(...(await stage.push(frame(i))));
      outs.push(...(await stage.flush()));
      return outs;
    };
    const small = await run(14), big = await run(100);
    expect(small.map((o) => o.index)).toEqual(Array.from({ length: 40 }, (_v, i) => i));
    for (let i = 0; i < small.length; i++) {
      expect(small[i].depth.data).toEqual(big[i].depth.data);
      expect(small[i].pose).toEqual(big[i].pose);
    }
  }, 120_000);
});
