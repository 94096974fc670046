import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import type { DepthImage } from '../../src-main/common/api/types.ts';
import { createCpuFog, cpuFogDraws } from '../../src-renderer/preview/cpu-fog.ts';
import { psnr, realFrame, type RealFrame } from './fixture.ts';
import { glPictures, launchSwiftShader, rendererBundle } from './renderer-page.ts';

/**
 * Playing frames of a fog-only stack are drawn on the CPU where WebGL is software (preview/cpu-fog.ts).
 * At the size GL playback drew them (no wider than the depth: the low-res distance read bilinearly,
 * common.glsl LOW_RES_DIST) the CPU picture is the GL one within one 8-bit level a pass; at the proxy's 640 px,
 * wider than the depth, it stays close to the guided picture the paused preview and export draw.
 * cockatoo.mp4 frame 0 with its real FastDepth depth.
 */
const STACKS = [['fog:density=1.5'], ['fog:density=3,heightFog=true,heightLevel=-0.1,heightFalloff=6'], ['fog:density=0.8,behindSubject=false,start=0.2', 'fog:density=1,color=#ffaa80']];
let browser: Browser;
let bundle: string;
const frames: RealFrame[] = [];

beforeAll(async () => {
  const r = await rendererBundle();
  bundle = `${r.bundle}\nGD.sources = ${JSON.stringify(r.sources)};`;
  for (const size of [{ width: 320, height: 180 }, { width: 640, height: 360 }]) frames.push(await realFrame('cockatoo.mp4', 0, size));
  browser = await launchSwiftShader();
});

afterAll(async () => {
  await browser?.close();
});

/** The GL preview's picture (RGB) of each stack, guided or reading the low-res distance. */
async function glPicturesOf(real: RealFrame, guided: boolean): Promise<Uint8Array[]> {
  return (await glPictures(browser, bundle, real, STACKS.map((s) => s.map((e) => parseEffectSpec(e))), [guided])).map((p) => p[0]);
}

/** The CPU playback's picture (RGB) of each stack. */
function cpuPictures(real: RealFrame): Uint8Array[] {
  const { frame, depth, range, K } = real;
  const W = frame.width, H = frame.height;
  const image: DepthImage = { index: 0, width: depth.width, height: depth.height, kind: depth.kind, data: depth.data, min: 0, max: 0, intrinsics: K, range };
  const fog = createCpuFog();
  return STACKS.map((s) => {
    const px = new Uint8ClampedArray(W * H * 4);
    for (let i = 0; i < W * H; i++) px.set(frame.data.subarray(i * 3, i * 3 + 3), i * 4);
    fog.apply(px, W, H, image, s.map((e) => parseEffectSpec(e)), 0);
    return Uint8Array.from({ length: W * H * 3 }, (_, k) => px[((k / 3) | 0) * 4 + (k % 3)]);
  });
}

describe('playback fog on the CPU', () => {
  it('is the GL playback picture within one level a pass where GL reads the low-res distance', async () => {
    const real = frames[0];
    expect(real.frame.width).toBeLessThanOrEqual(real.depth.width);
    const [gl, cpu] = [await glPicturesOf(real, false), cpuPictures(real)];
    cpu.forEach((c, i) => {
      let max = 0, off = 0;
      for (let k = 0; k < c.length; k++) {
        const e = Math.abs(c[k] - gl[i][k]);
        max = Math.max(max, e);
        if (e) off++;
      }
      console.log(`${STACKS[i].join(' + ')} at 320 px: CPU vs GL max ${max} level(s), ${((100 * off) / c.length).toFixed(2)}% of values differ, ${psnr(c, gl[i]).toFixed(1)} dB; vs source ${psnr(c, real.frame.data).toFixed(1)} dB`);
      // One level of rounding per pass (8-bit between passes on both).
      expect(max).toBeLessThanOrEqual(STACKS[i].length);
      // The fog is there: far from the source.
      expect(psnr(c, real.frame.data)).toBeLessThan(30);
    });
  }, 180_000);

  it('at the proxy width (wider than the depth) stays close to the guided picture export draws', async () => {
    const real = frames[1];
    expect(real.frame.width).toBeGreaterThan(real.depth.width);
    const [guided, cpu] = [await glPicturesOf(real, true), cpuPictures(real)];
    cpu.forEach((c, i) => {
      const close = psnr(c, guided[i]);
      const toSource = psnr(guided[i], real.frame.data);
      console.log(`${STACKS[i].join(' + ')} at 640 px: CPU vs guided GL ${close.toFixed(1)} dB (guided vs source ${toSource.toFixed(1)} dB)`);
      expect(close).toBeGreaterThan(40);
      expect(close).toBeGreaterThan(toSource);
    });
  }, 180_000);

  it('draws only stacks of fog alone, in the composite view', () => {
    const fog = parseEffectSpec('fog');
    expect(cpuFogDraws([fog], 'composite')).toBe(true);
    expect(cpuFogDraws([fog, { ...parseEffectSpec('relight'), enabled: false }], 'composite')).toBe(true);
    expect(cpuFogDraws([fog, parseEffectSpec('refocus')], 'composite')).toBe(false);
    expect(cpuFogDraws([fog], 'split')).toBe(false);
    expect(cpuFogDraws([fog], 'depth')).toBe(false);
  });
});
