import { describe, expect, it } from 'vitest';
import { applyStack, parseEffectSpec, prepareDepth, renderFrame } from '../../src-main/engine/effects/index.ts';
import { rgbToYuv420, yuvToRgb } from '../../src-main/engine/effects/yuv.ts';
import type { PipeFormats } from '../../src-main/engine/decode/pipe-format.ts';
import { realFrame } from './fixture.ts';

/**
 * Through YUV pipes a worker's frame is converted straight into the kernels' source slot, and a single
 * effect renders into their result slot (frame-job.ts, upsample.ts rgbSlots): the bytes must be those of
 * the same conversions and stack on buffers of their own, for stacks of one, two and three effects (with
 * more than one, the ping-pong must not give an effect one slot as input and output).
 */
describe('frame job through the kernels\' slots', () => {
  it('equals the conversions and the stack on buffers of their own', async () => {
    const r = await realFrame('cityCC0.mpg', 20, { width: 320, height: 180 });
    const { width: W, height: H } = r.frame;
    const colour = { matrix: 'bt709', full: false } as const;
    const pipes: PipeFormats = { decode: 'yuv420p', encode: 'yuv420p', colour, outColour: colour };
    const yuv = rgbToYuv420(r.frame.data, W, H, colour);
    for (const specs of [['relight'], ['refocus:focus=0.2,aperture=6'], ['fog', 'relight'], ['fog', 'refocus:focus=0.2,aperture=6', 'relight']]) {
      const stack = specs.map((s) => parseEffectSpec(s));
      const got = renderFrame({ frame: { width: W, height: H, data: new Uint8Array(yuv) }, depth: r.depth, range: r.range, K: r.K, stack, time: 0, pipes });
      const rgb = new Uint8Array(yuvToRgb(yuv, 'yuv420p', W, H, colour));
      const prep = prepareDepth(r.depth, { width: W, height: H, data: rgb }, r.range);
      const want = rgbToYuv420(applyStack({ width: W, height: H, data: rgb }, { ...prep, dist: new Float32Array(prep.dist) }, r.K, stack, 0), W, H, colour);
      expect(Buffer.from(got.rgb).equals(Buffer.from(want)), `stack [${specs.join(', ')}]`).toBe(true);
    }
  });
});
