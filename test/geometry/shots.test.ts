import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { createGeometryStage, SCALE_LOOKAHEAD, type GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { openFrameDepthModel } from '../../research/eval/depth-model.ts';
import { clip } from '../helpers/shared.ts';

describe('shots on real footage', () => {
  it('cityCC0.mpg: the cut at ~4.64 s starts a new world; frames come out in order with bounded lag', async () => {
    const info = await probe(clip('cityCC0.mpg'));
    const model = await openFrameDepthModel('fastdepth');
    const out: GeometryOutput[] = [];
    let stage: ReturnType<typeof createGeometryStage> | null = null;
    let maxLag = 0;
    try {
      for await (const rgb of readFrames(info, { width: 224 })) {
        const depth = await model.predict(rgb);
        stage ??= createGeometryStage({ intrinsics: intrinsicsFor(depth.width, depth.height), analysisWidth: 192, mvs: false, lag: 3 });
        out.push(...(await stage.push({ index: rgb.index, rgb, depth })));
        maxLag = Math.max(maxLag, rgb.index - (out.length ? out[out.length - 1].index : -1));
      }
      out.push(...(await stage!.flush()));
    } finally {
      await model.close();
    }
    expect(out.map((o) => o.index)).toEqual(info.timestamps.map((_, i) => i));
    // A metric model's output waits for the scale smoother's look-ahead (the stereo's lag is shorter).
    expect(maxLag).toBeLessThanOrEqual(SCALE_LOOKAHEAD);
    const cuts = out.filter((o, i) => i > 0 && o.shotId !== out[i - 1].shotId).map((o) => info.timestamps[o.index]);
    expect(cuts).toHaveLength(1);
    expect(Math.abs(cuts[0] - 4.64)).toBeLessThan(0.1);
    // A new shot restarts at the identity pose.
    const first = out.find((o) => o.shotId === 1)!;
    expect(first.pose.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    for (const o of out) {
      expect(o.pose.every(Number.isFinite)).toBe(true);
      expect(o.confidence).toBeGreaterThanOrEqual(0);
      expect(o.confidence).toBeLessThanOrEqual(1);
    }
  }, 120_000);
});
