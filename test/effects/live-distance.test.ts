import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { psnr, realFrame, type RealFrame } from './fixture.ts';
import { glPictures, launchSwiftShader, rendererBundle } from './renderer-page.ts';

/**
 * Playback draws a picture no larger than its depth without the guided filter's passes: each effect reads
 * the low-res distance bilinearly (common.glsl LOW_RES_DIST). At the playing size (320x180 from cockatoo's
 * 398x224 depth) that picture must stay close to the guided one the paused preview and export draw, for
 * every effect (each one's variant compiles), and differ from it (or the test would not see the path).
 */
let browser: Browser;
let bundle: string;
let real: RealFrame;
const STACKS = [['fog:density=1.5'], ['refocus:focus=0.3'], ['relight'], ['isolate'], ['relight', 'refocus:focus=0.3', 'fog:density=1']];

beforeAll(async () => {
  const r = await rendererBundle();
  bundle = `${r.bundle}\nGD.sources = ${JSON.stringify(r.sources)};`;
  real = await realFrame('cockatoo.mp4', 0, { width: 320, height: 180 });
  browser = await launchSwiftShader();
});

afterAll(async () => {
  await browser?.close();
});

describe('playback without the guided passes (low-res distance read by the effects)', () => {
  it('draws every effect close to the guided picture, and not the same picture', async () => {
    const { frame, depth } = real;
    expect(frame.width).toBeLessThanOrEqual(depth.width);
    const res = await glPictures(browser, bundle, real, STACKS.map((s) => s.map((e) => parseEffectSpec(e))), [true, false]);
    res.forEach(([guided, low], i) => {
      const toSource = psnr(guided, frame.data);
      const close = psnr(low, guided);
      console.log(`${STACKS[i].join(' + ')}: unguided vs guided ${close.toFixed(1)} dB (guided vs source ${toSource.toFixed(1)} dB)`);
      expect(Buffer.compare(Buffer.from(low), Buffer.from(guided))).not.toBe(0);
      // Closer to the guided picture than the effect's own change to the source, and close in absolute terms.
      expect(close).toBeGreaterThan(40);
      if (toSource < 99) expect(close).toBeGreaterThan(toSource);
    });
  }, 180_000);
});
