/**
 * Draws the app icon (`npm run icons`): a rounded tile holding three ridges of a landscape, coloured by
 * depth (near = warm, far = cool), i.e. what the app does. Writes assets/icon.png (1024, the source
 * electron-builder converts to .icns/.ico) and assets/icons/NxN.png (the Linux icon set).
 * Deterministic: re-running gives byte-identical files, so the committed icons can be checked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512] as const;
const MASTER = 1024;
const SS = 2; // supersampling per axis for smooth edges

/** Near-to-far palette (0 = near): amber, coral, violet, deep blue. */
const STOPS: [number, [number, number, number]][] = [
  [0, [255, 214, 102]],
  [0.35, [244, 114, 94]],
  [0.7, [124, 77, 186]],
  [1, [30, 42, 94]],
];

function palette(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  for (let i = 1; i < STOPS.length; i++) {
    const [t1, c1] = STOPS[i];
    const [t0, c0] = STOPS[i - 1];
    if (x <= t1) {
      const f = (x - t0) / (t1 - t0);
      return [0, 1, 2].map((k) => c0[k] + f * (c1[k] - c0[k])) as [number, number, number];
    }
  }
  return STOPS[STOPS.length - 1][1];
}

/** Colour and coverage of one sample at (u, v) in [0,1]^2. */
function sample(u: number, v: number): [number, number, number, number] {
  // Rounded-square tile: macOS-like corner radius 22%, 6% margin.
  const m = 0.06;
  const r = 0.22 * (1 - 2 * m);
  const qx = Math.max(Math.abs(u - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(v - 0.5) - (0.5 - m - r), 0);
  if (qx * qx + qy * qy > r * r) return [0, 0, 0, 0];
  // Sky: far (depth 1) fading slightly toward the horizon.
  let depth = 0.92 + 0.08 * (1 - v);
  // Ridges from far to near; a nearer ridge in front overwrites the depth.
  const ridges = [
    { base: 0.5, amp: 0.07, freq: 2.1, phase: 0.3, d: 0.78 },
    { base: 0.63, amp: 0.06, freq: 3.3, phase: 1.7, d: 0.5 },
    { base: 0.77, amp: 0.05, freq: 1.6, phase: 4.1, d: 0.18 },
  ];
  for (const g of ridges) {
    const top = g.base - g.amp * Math.sin(g.freq * Math.PI * u + g.phase);
    // Each ridge gets nearer toward the bottom of the tile, like a ground plane.
    if (v >= top) depth = g.d - 0.12 * (v - top);
  }
  const [cr, cg, cb] = palette(depth);
  return [cr, cg, cb, 255];
}

export function renderIcon(size: number): PNG {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const s = sample((x + (sx + 0.5) / SS) / size, (y + (sy + 0.5) / SS) / size);
          // Premultiplied accumulation so the transparent corners do not darken the edge.
          r += s[0] * s[3]; g += s[1] * s[3]; b += s[2] * s[3]; a += s[3];
        }
      }
      const i = (y * size + x) * 4;
      png.data[i] = a ? Math.round(r / a) : 0;
      png.data[i + 1] = a ? Math.round(g / a) : 0;
      png.data[i + 2] = a ? Math.round(b / a) : 0;
      png.data[i + 3] = Math.round(a / (SS * SS));
    }
  }
  return png;
}

export function writeIcons(assetsDir: string): string[] {
  mkdirSync(join(assetsDir, 'icons'), { recursive: true });
  const written: string[] = [];
  const put = (path: string, size: number) => {
    writeFileSync(path, PNG.sync.write(renderIcon(size)));
    written.push(path);
  };
  put(join(assetsDir, 'icon.png'), MASTER);
  for (const s of ICON_SIZES) put(join(assetsDir, 'icons', `${s}x${s}.png`), s);
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const assets = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'assets');
  for (const p of writeIcons(assets)) console.log(`wrote ${p}`);
}
