import { build } from 'esbuild';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import { psnr, realFrame, type RealFrame } from './fixture.ts';
import { b64, launchSwiftShader, rendererBundle } from './renderer-page.ts';

/**
 * The preview leaves relight's surface maps and refocus's search radii to a worker (render with
 * `defer`, then supply): the picture drawn once they are supplied must be the picture the renderer
 * draws computing them in place (the path the CPU parity test holds to export), bit for bit; and in
 * playback (`stale`) the previous depth frame's preparation stands in, drawn at once and close to it.
 */
let browser: Browser;
let bundle: string;
let real: RealFrame;
const STACK = ['relight', 'refocus:focus=0.3', 'fog:density=1'];

beforeAll(async () => {
  const { sources } = await rendererBundle();
  const entry = `export * from './effect-renderer.ts'; export { runPrep } from './prep-jobs.ts';`;
  const out = await build({ stdin: { contents: entry, resolveDir: join(REPO_ROOT, 'src-renderer/preview'), loader: 'ts' }, bundle: true, format: 'iife', globalName: 'GD', write: false, platform: 'browser' });
  bundle = `${out.outputFiles[0].text}\nGD.sources = ${JSON.stringify(sources)};`;
  real = await realFrame('cockatoo.mp4', 0, { width: 640, height: 360 });
  browser = await launchSwiftShader();
});

afterAll(async () => {
  await browser?.close();
});

describe('deferred effect preparation (the preview worker path)', () => {
  it('draws the same picture once supplied, and a close one at once with a stand-in', async () => {
    const page = await browser.newPage();
    try {
      await page.setContent('<canvas id="c"></canvas>');
      await page.addScriptTag({ content: bundle });
      const { frame, depth, range, K } = real;
      const res = await page.evaluate(
        (a) => {
          const dec = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
          const enc = (px: Uint8Array) => {
            let s = '';
            for (let i = 0; i < px.length; i += 0x8000) s += String.fromCharCode(...px.subarray(i, i + 0x8000));
            return btoa(s);
          };
          const GD = (globalThis as any).GD;
          const gl = (document.getElementById('c') as HTMLCanvasElement).getContext('webgl2')!;
          const rgb = dec(a.rgb);
          const d0 = new Float32Array(dec(a.depth).buffer);
          // The next depth frame: the same scene a little nearer.
          const d1 = d0.map((v: number) => v * 0.97);
          const inPlace = (d: Float32Array) => {
            const r = GD.createEffectRenderer(gl, GD.sources);
            r.setFrame(rgb, a.W, a.H);
            r.setDepth(d, a.lw, a.lh, a.range);
            r.render(a.stack, 0, a.K);
            return r.readPixels() as Uint8Array;
          };
          const want0 = inPlace(d0);
          const want1 = inPlace(d1);
          const r = GD.createEffectRenderer(gl, GD.sources);
          r.setFrame(rgb, a.W, a.H);
          r.setDepth(d0, a.lw, a.lh, a.range);
          const first = r.render(a.stack, 0, a.K, { defer: true });
          for (const d of first.deferred) r.supply(d, GD.runPrep(d.job));
          const second = r.render(a.stack, 0, a.K, { defer: true });
          const got0 = r.readPixels() as Uint8Array;
          // Playback: the next depth frame, drawn at once with the last preparation standing in.
          r.setDepth(d1, a.lw, a.lh, a.range);
          const live = r.render(a.stack, 0, a.K, { defer: true, stale: true });
          const stale1 = r.readPixels() as Uint8Array;
          for (const d of live.deferred) r.supply(d, GD.runPrep(d.job));
          const fresh = r.render(a.stack, 0, a.K, { defer: true, stale: true });
          const got1 = r.readPixels() as Uint8Array;
          return {
            first: { drawn: first.drawn, kinds: first.deferred.map((d: { job: { kind: string } }) => d.job.kind) },
            second: { drawn: second.drawn, n: second.deferred.length },
            live: { drawn: live.drawn, n: live.deferred.length },
            fresh: { drawn: fresh.drawn, n: fresh.deferred.length },
            px: [want0, got0, want1, stale1, got1].map(enc),
          };
        },
        { rgb: b64(frame.data), W: frame.width, H: frame.height, depth: b64(depth.data), lw: depth.width, lh: depth.height, range, K, stack: STACK.map((s) => parseEffectSpec(s)) },
      );
      expect(res.first).toEqual({ drawn: false, kinds: ['relight', 'refocus'] });
      expect(res.second).toEqual({ drawn: true, n: 0 });
      expect(res.live).toEqual({ drawn: true, n: 2 });
      expect(res.fresh).toEqual({ drawn: true, n: 0 });
      const [want0, got0, want1, stale1, got1] = res.px.map((s) => new Uint8Array(Buffer.from(s, 'base64')));
      expect(Buffer.compare(Buffer.from(got0), Buffer.from(want0))).toBe(0);
      expect(Buffer.compare(Buffer.from(got1), Buffer.from(want1))).toBe(0);
      // The two depth frames give different pictures (or the stand-in proves nothing), the stand-in close to the right one.
      const apart = psnr(want0, want1);
      const standIn = psnr(stale1, want1);
      console.log(`depth frames apart: ${apart.toFixed(1)} dB; stand-in vs its own preparation: ${standIn.toFixed(1)} dB`);
      expect(apart).toBeLessThan(60);
      expect(standIn).toBeGreaterThan(apart);
    } finally {
      await page.close();
    }
  }, 120_000);
});
