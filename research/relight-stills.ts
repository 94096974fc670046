/**
 * Relight at its defaults on one frame of each of three shared clips (cockatoo, cityCC0, realshort: a room,
 * a night city, a desk indoors), for before/after comparisons of its kernel (not a test):
 * `npx tsx research/relight-stills.ts --out DIR` writes each result (raw RGB8) and its source to DIR;
 * `npx tsx research/relight-stills.ts --compare BEFORE AFTER` prints the PSNR and differing bytes of AFTER
 * against BEFORE and writes source | before | after PNGs (with a 3x crop of a flat area and of a shadow) to AFTER.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { applyRelight } from '../src-main/engine/effects/relight.ts';
import { evaluateParams } from '../src-main/common/effects/keyframes.ts';
import { relightSpec } from '../src-main/common/effects/relight.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import { arg, loadClip } from './relight-clip.ts';

const SHOTS = [
  { clip: 'cockatoo.mp4', frame: 120 },
  { clip: 'cityCC0.mpg', frame: 30 },
  { clip: 'realshort.mp4', frame: 20 },
];

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / se);
}

/** Images of equal height side by side, each scaled by `zoom` (nearest) from its crop [x0, y0, w, h]. */
function strip(images: Uint8Array[], W: number, crop: [number, number, number, number], zoom: number): PNG {
  const [x0, y0, cw, ch] = crop;
  const png = new PNG({ width: images.length * cw * zoom, height: ch * zoom });
  images.forEach((img, k) => {
    for (let y = 0; y < ch * zoom; y++)
      for (let x = 0; x < cw * zoom; x++) {
        const s = ((y0 + Math.floor(y / zoom)) * W + x0 + Math.floor(x / zoom)) * 3;
        const d = (y * png.width + k * cw * zoom + x) * 4;
        png.data[d] = img[s];
        png.data[d + 1] = img[s + 1];
        png.data[d + 2] = img[s + 2];
        png.data[d + 3] = 255;
      }
  });
  return png;
}

const compare = process.argv.indexOf('--compare');
if (compare >= 0) {
  const [before, after] = process.argv.slice(compare + 1, compare + 3);
  for (const { clip } of SHOTS) {
    const meta = JSON.parse(readFileSync(join(after, `${clip}.json`), 'utf8')) as { W: number; H: number };
    const [src, a, b] = [join(after, `${clip}.src`), join(before, `${clip}.rgb`), join(after, `${clip}.rgb`)].map((f) => new Uint8Array(readFileSync(f)));
    let differ = 0, worst = 0;
    for (let i = 0; i < a.length; i++)
      if (a[i] !== b[i]) {
        differ++;
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
    console.log(`${clip}: after vs before PSNR ${psnr(a, b).toFixed(1)} dB, ${differ} of ${a.length} bytes differ (worst ${worst}); relight vs source ${psnr(src, b).toFixed(1)} dB`);
    const { W, H } = meta;
    writeFileSync(join(after, `${clip}.png`), PNG.sync.write(strip([src, a, b], W, [0, 0, W, H], 1)));
    // 3x crops: the top left quarter's centre and the bottom right quarter's centre.
    const cw = Math.min(160, W >> 2), ch = Math.min(120, H >> 2);
    writeFileSync(join(after, `${clip}-crop1.png`), PNG.sync.write(strip([src, a, b], W, [W >> 3, H >> 3, cw, ch], 3)));
    writeFileSync(join(after, `${clip}-crop2.png`), PNG.sync.write(strip([src, a, b], W, [(5 * W) >> 3, (5 * H) >> 3, cw, ch], 3)));
  }
} else {
  const out = arg('--out') ?? 'bench-out/relight-stills';
  mkdirSync(out, { recursive: true });
  const p = evaluateParams(relightSpec.params, parseEffectSpec('relight'), 0);
  for (const { clip, frame } of SHOTS) {
    const { info, K, frames, preps } = await loadClip(clip, frame, 1);
    const { width: W, height: H } = info;
    const res = new Uint8Array(W * H * 3);
    applyRelight({ width: W, height: H, rgb: frames[0].data, dist: preps[0].dist, low: preps[0].low, nearRatio: preps[0].nearRatio, K }, p, res);
    writeFileSync(join(out, `${clip}.rgb`), res);
    writeFileSync(join(out, `${clip}.src`), frames[0].data);
    writeFileSync(join(out, `${clip}.json`), JSON.stringify({ W, H, frame }));
    console.log(`${clip} frame ${frame}: ${W}x${H} written to ${out}`);
  }
}
