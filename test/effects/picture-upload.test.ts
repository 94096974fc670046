import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShaderSources } from '../../src-main/common/effects/glsl/uniforms.ts';
import { clip } from '../helpers/shared.ts';
import { psnr, realFrame, type RealFrame } from './fixture.ts';
import { b64, launchSwiftShader, rendererBundle } from './renderer-page.ts';

/**
 * The preview uploads browser-decoded pictures straight to the frame texture (picture-upload.ts; playback
 * gives it the <video> drawn on a 2D canvas at the viewer's size, video-frames.ts) where it used to read
 * the pixels back. The picture must be the same: both paths are run on the
 * same paused <video> of a real clip (and an ImageBitmap of a real frame), through the effect renderer
 * with no effect, and the pixels read back are compared.
 */

let browser: Browser;
let bundle: string;
let sources: ShaderSources;
let real: RealFrame;
let dir: string;

beforeAll(async () => {
  ({ bundle, sources } = await rendererBundle());
  real = await realFrame('cockatoo.mp4', 0, { width: 640, height: 360 });
  dir = await mkdtemp(join(tmpdir(), 'gd-upload-'));
  await writeFile(join(dir, 'page.html'), '<!doctype html><body></body>');
  browser = await launchSwiftShader(['--allow-file-access-from-files', '--autoplay-policy=no-user-gesture-required']);
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Case = { kind: 'video'; url: string; time: number } | { kind: 'bitmap'; rgb: string; w: number; h: number };

/** [old canvas path, new texture path] pixels (RGB, top row first) at width x height. */
async function bothPaths(c: Case, width: number, height: number): Promise<[Uint8Array, Uint8Array]> {
  const page = await browser.newPage();
  try {
    await page.goto(pathToFileURL(join(dir, 'page.html')).href);
    await page.addScriptTag({ content: bundle });
    const [a, b] = await page.evaluate(
      async ({ c, width, height, sources, depth, lw, lh, range, K }) => {
        const dec = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
        const enc = (px: Uint8Array) => {
          let s = '';
          for (let i = 0; i < px.length; i += 0x8000) s += String.fromCharCode(...px.subarray(i, i + 0x8000));
          return btoa(s);
        };
        let source: TexImageSource;
        if (c.kind === 'video') {
          const v = document.createElement('video');
          v.muted = true;
          v.src = c.url;
          document.body.appendChild(v);
          await new Promise((ok, no) => ((v.onloadeddata = ok), (v.onerror = () => no(new Error('the video does not load')))));
          // 'seeked' says the seek is done, not that the seeked frame is the one on screen: under load
          // the element can still present the frame before it (drawImage and texImage2D would then
          // read different frames). Wait until a frame at the seeked time has been presented.
          const presented = new Promise<void>((ok, no) => {
            const timer = setTimeout(() => no(new Error(`the <video> presented no frame at ${c.time} s in 30 s`)), 30_000);
            const check = (_now: number, meta: VideoFrameCallbackMetadata) => {
              if (Math.abs(meta.mediaTime - c.time) < 0.1) {
                clearTimeout(timer);
                ok();
              } else v.requestVideoFrameCallback(check);
            };
            v.requestVideoFrameCallback(check);
          });
          const seeked = new Promise((ok) => (v.onseeked = ok));
          v.currentTime = c.time;
          await seeked;
          await presented;
          source = v;
        } else {
          const rgb = dec(c.rgb);
          const rgba = new Uint8ClampedArray(c.w * c.h * 4);
          for (let i = 0; i < c.w * c.h; i++) rgba.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255], i * 4);
          source = await createImageBitmap(new ImageData(rgba, c.w, c.h));
        }
        // The path playback used before: a 2D canvas, drawImage, getImageData, RGB rows.
        const c2 = document.createElement('canvas');
        c2.width = width;
        c2.height = height;
        const ctx = c2.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(source as CanvasImageSource, 0, 0, width, height);
        const rgba = ctx.getImageData(0, 0, width, height).data;
        const rgb = new Uint8Array(width * height * 3);
        for (let i = 0; i < width * height; i++) rgb.set([rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]], i * 3);

        const canvas = document.createElement('canvas');
        const gl = canvas.getContext('webgl2')!;
        const r = (globalThis as any).GD.createEffectRenderer(gl, sources);
        const run = (set: () => void) => {
          set();
          r.setDepth(new Float32Array(dec(depth).buffer), lw, lh, range);
          r.render([], 0, K);
          return enc(r.readPixels());
        };
        return [run(() => r.setFrame(rgb, width, height)), run(() => r.setFrameSource(source, width, height))];
      },
      { c, width, height, sources, depth: b64(real.depth.data), lw: real.depth.width, lh: real.depth.height, range: real.range, K: real.K },
    );
    return [new Uint8Array(Buffer.from(a, 'base64')), new Uint8Array(Buffer.from(b, 'base64'))];
  } finally {
    await page.close();
  }
}

describe('a browser-decoded picture uploaded to the frame texture draws as the 2D canvas path did', () => {
  it('an ImageBitmap of a real frame: identical at its size, the same picture when drawn smaller', async () => {
    const bmp: Case = { kind: 'bitmap', rgb: b64(real.frame.data), w: real.frame.width, h: real.frame.height };
    const [oldPx, newPx] = await bothPaths(bmp, real.frame.width, real.frame.height);
    expect(Buffer.compare(Buffer.from(oldPx), Buffer.from(newPx))).toBe(0);
    // The new path really drew the frame (not, say, a black texture) ...
    expect(psnr(newPx, real.frame.data)).toBe(Infinity);
    // ... and scaled it as drawImage does, within resampling differences.
    const [oldHalf, newHalf] = await bothPaths(bmp, 320, 180);
    const db = psnr(oldHalf, newHalf);
    console.log(`ImageBitmap at 320x180, texture path vs canvas path: PSNR ${db.toFixed(1)} dB`);
    expect(db).toBeGreaterThan(35);
  }, 60_000);

  it('a paused <video> of a real clip: the same colours, the same rows, at its size and smaller', async () => {
    const vid: Case = { kind: 'video', url: pathToFileURL(clip('cockatoo.mp4')).href, time: 1.025 };
    for (const [w, h] of [[1280, 720], [640, 360]]) {
      const [oldPx, newPx] = await bothPaths(vid, w, h);
      const db = psnr(oldPx, newPx);
      console.log(`<video> at ${w}x${h}, texture path vs canvas path: PSNR ${db.toFixed(1)} dB`);
      expect(db).toBeGreaterThan(40);
      // Flipped rows would still have similar statistics: compare the top and bottom rows directly.
      const row = (px: Uint8Array, y: number) => px.subarray(y * w * 3, (y + 1) * w * 3);
      expect(psnr(row(oldPx, 0), row(newPx, 0))).toBeGreaterThan(psnr(row(oldPx, 0), row(newPx, h - 1)));
    }
  }, 90_000);
});
