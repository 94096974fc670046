import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { psnr, realFrame, type RealFrame } from './fixture.ts';
import { b64, launchSwiftShader, rendererBundle, rendererPage } from './renderer-page.ts';

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
    const { frame, depth, range, K } = real;
    expect(frame.width).toBeLessThanOrEqual(depth.width);
    const page = await rendererPage(browser, bundle);
    try {
      const res = await page.evaluate(
        (a) => {
          const { dec, enc } = (globalThis as any).gdCodec as { dec: (s: string) => Uint8Array; enc: (px: Uint8Array) => string };
          const GD = (globalThis as any).GD;
          const gl = (document.getElementById('c') as HTMLCanvasElement).getContext('webgl2')!;
          const rgb = dec(a.rgb);
          const d = new Float32Array(dec(a.depth).buffer);
          const r = GD.createEffectRenderer(gl, GD.sources);
          return a.stacks.map((stack) =>
            [true, false].map((guided) => {
              r.setFrame(rgb, a.W, a.H);
              r.setDepth(d, a.lw, a.lh, a.range, guided);
              r.render(stack, 0, a.K);
              return enc(r.readPixels() as Uint8Array);
            }),
          );
        },
        { rgb: b64(frame.data), W: frame.width, H: frame.height, depth: b64(depth.data), lw: depth.width, lh: depth.height, range, K, stacks: STACKS.map((s) => s.map((e) => parseEffectSpec(e))) },
      );
      res.forEach(([g, u], i) => {
        const [guided, low] = [g, u].map((s) => new Uint8Array(Buffer.from(s, 'base64')));
        const toSource = psnr(guided, frame.data);
        const close = psnr(low, guided);
        console.log(`${STACKS[i].join(' + ')}: unguided vs guided ${close.toFixed(1)} dB (guided vs source ${toSource.toFixed(1)} dB)`);
        expect(Buffer.compare(Buffer.from(low), Buffer.from(guided))).not.toBe(0);
        // Closer to the guided picture than the effect's own change to the source, and close in absolute terms.
        expect(close).toBeGreaterThan(40);
        if (toSource < 99) expect(close).toBeGreaterThan(toSource);
      });
    } finally {
      await page.close();
    }
  }, 180_000);
});
