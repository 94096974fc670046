import type { Intrinsics } from '../../common/types.ts';
import { boxFilter, gradients, sample, type Plane } from './image.ts';
import { scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import { lkWasm, wasmTakes } from './klt-wasm.ts';

/**
 * Shi-Tomasi corners, at most one per grid cell so features spread over the whole image: pose
 * estimation is far better conditioned by many well-spread points than by a cluster of strong ones.
 */
export function detectCorners(p: Plane, cell = 10, border = 8): Float32Array {
  const w = p.width, h = p.height;
  // The planes below are scratch, reused from call to call (a keyframe's corners used to allocate
  // ten planes of the tracking image, which kept the collector busy).
  const [xx, yy, xy, a, c, b, tmp, score] = cornerScratch(w * h);
  const src = p.data;
  // The structure tensor's products of central differences (gradients(), zero on the border), inline.
  xx.fill(0, 0, w * h); yy.fill(0, 0, w * h); xy.fill(0, 0, w * h);
  for (let y = 1; y < h - 1; y++)
    for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
      const gx = Math.fround((src[i + 1] - src[i - 1]) * 0.5), gy = Math.fround((src[i + w] - src[i - w]) * 0.5);
      xx[i] = gx * gx; yy[i] = gy * gy; xy[i] = gx * gy;
    }
  boxFilter(xx, w, h, 2, a, tmp); boxFilter(yy, w, h, 2, c, tmp); boxFilter(xy, w, h, 2, b, tmp);
  let maxS = 0;
  for (let i = 0; i < w * h; i++) {
    const tr = (a[i] + c[i]) / 2, d = Math.sqrt(((a[i] - c[i]) / 2) ** 2 + b[i] * b[i]);
    score[i] = tr - d;
    if (score[i] > maxS) maxS = score[i];
  }
  // Relative threshold (like OpenCV's qualityLevel) plus an absolute floor so flat frames give none.
  const thr = Math.max(maxS * 0.01, 4);
  const pts: number[] = [];
  for (let cy = border; cy < h - border; cy += cell)
    for (let cx = border; cx < w - border; cx += cell) {
      let best = thr, bx = -1, by = -1;
      for (let y = cy; y < Math.min(h - border, cy + cell); y++)
        for (let x = cx; x < Math.min(w - border, cx + cell); x++) {
          const s = score[y * w + x];
          if (s > best) { best = s; bx = x; by = y; }
        }
      if (bx >= 0) pts.push(bx, by);
    }
  return Float32Array.from(pts);
}

/** detectCorners' eight work planes, grown when a larger image comes. */
let scratch: Float32Array[] = [];
function cornerScratch(n: number): Float32Array[] {
  if (!scratch.length || scratch[0].length < n) scratch = Array.from({ length: 8 }, () => new Float32Array(n));
  return scratch;
}

/**
 * Pyramidal Lucas-Kanade of points from `a` to `b`. Returns tracked positions and a status byte
 * (1 = tracked). A forward-backward check rejects drifted tracks (occlusions, repetitive texture).
 */
export function trackKLT(pa: Plane[], pb: Plane[], pts: Float32Array, r = 4, fbMax = 0.7): { pts: Float32Array; ok: Uint8Array } {
  const track = wasmTakes(pa, pb, r) ? lkWasm : lk;
  const fwd = track(pa, pb, pts, r);
  const n = pts.length / 2;
  // Only the points found forward are tracked back (each point's track is its own): `at` is a point's
  // place among them.
  const at = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) at[i] = fwd.ok[i] ? m++ : -1;
  let from = fwd.pts;
  if (m < n) {
    from = new Float32Array(2 * m);
    for (let i = 0; i < n; i++) if (at[i] >= 0) { from[2 * at[i]] = fwd.pts[2 * i]; from[2 * at[i] + 1] = fwd.pts[2 * i + 1]; }
  }
  const back = track(pb, pa, from, r);
  const ok = new Uint8Array(n);
  const w = pa[0].width, h = pa[0].height;
  for (let i = 0; i < n; i++) {
    const k = at[i];
    if (k < 0 || !back.ok[k]) continue;
    const dx = back.pts[2 * k] - pts[2 * i], dy = back.pts[2 * k + 1] - pts[2 * i + 1];
    const x = fwd.pts[2 * i], y = fwd.pts[2 * i + 1];
    if (dx * dx + dy * dy < fbMax * fbMax && x >= 1 && y >= 1 && x < w - 2 && y < h - 2) ok[i] = 1;
  }
  return { pts: fwd.pts, ok };
}

/** Gradients of a tracking plane, computed once however many tracks use it (a frame is tracked from and to). */
const gradCache = new WeakMap<Plane, { gx: Float32Array; gy: Float32Array }>();
function gradientsOf(p: Plane) {
  let g = gradCache.get(p);
  if (!g) gradCache.set(p, (g = gradients(p)));
  return g;
}

/** The reference Lucas-Kanade (klt-wasm.ts runs the same arithmetic in WebAssembly, which trackKLT uses where it can). */
export function lk(pa: Plane[], pb: Plane[], pts: Float32Array, r: number): { pts: Float32Array; ok: Uint8Array } {
  const n = pts.length / 2;
  const out = new Float32Array(pts.length);
  const ok = new Uint8Array(n).fill(1);
  const L = pa.length;
  const grads = pa.map(gradientsOf);
  const side = 2 * r + 1, win = side * side;
  const Ix = new Float32Array(win), Iy = new Float32Array(win), I0 = new Float32Array(win);
  for (let i = 0; i < n; i++) {
    let gx = 0, gy = 0; // flow guess at the current level
    for (let l = L - 1; l >= 0; l--) {
      const A = pa[l], B = pb[l], sc = 1 / (1 << l);
      const px = pts[2 * i] * sc, py = pts[2 * i + 1] * sc;
      let a11 = 0, a12 = 0, a22 = 0;
      if (inside(A, px, py, r)) {
        // The whole window inside: one set of bilinear weights for every pixel of it.
        const W = A.width, x0 = Math.floor(px), y0 = Math.floor(py), ax = px - x0, ay = py - y0;
        const w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
        const dA = A.data, dX = grads[l].gx, dY = grads[l].gy;
        let k = 0;
        for (let dy = -r; dy <= r; dy++) {
          let j = (y0 + dy) * W + x0 - r;
          for (let dx = -r; dx <= r; dx++, k++, j++) {
            const ix = dX[j] * w00 + dX[j + 1] * w01 + dX[j + W] * w10 + dX[j + W + 1] * w11;
            const iy = dY[j] * w00 + dY[j + 1] * w01 + dY[j + W] * w10 + dY[j + W + 1] * w11;
            Ix[k] = ix; Iy[k] = iy; I0[k] = dA[j] * w00 + dA[j + 1] * w01 + dA[j + W] * w10 + dA[j + W + 1] * w11;
            a11 += ix * ix; a12 += ix * iy; a22 += iy * iy;
          }
        }
      } else {
        const gxPlane = { width: A.width, height: A.height, data: grads[l].gx };
        const gyPlane = { width: A.width, height: A.height, data: grads[l].gy };
        let k = 0;
        for (let dy = -r; dy <= r; dy++)
          for (let dx = -r; dx <= r; dx++, k++) {
            const ix = sample(gxPlane, px + dx, py + dy), iy = sample(gyPlane, px + dx, py + dy);
            Ix[k] = ix; Iy[k] = iy; I0[k] = sample(A, px + dx, py + dy);
            a11 += ix * ix; a12 += ix * iy; a22 += iy * iy;
          }
      }
      const det = a11 * a22 - a12 * a12;
      const minEig = (a11 + a22 - Math.sqrt((a11 - a22) ** 2 + 4 * a12 * a12)) / 2 / win;
      if (det < 1e-6 || minEig < 1e-3) { ok[i] = 0; break; }
      let vx = 0, vy = 0;
      for (let it = 0; it < 12; it++) {
        let b1 = 0, b2 = 0;
        const qx = px + gx + vx, qy = py + gy + vy;
        if (qx < -r || qy < -r || qx > B.width + r || qy > B.height + r) { ok[i] = 0; break; }
        if (inside(B, qx, qy, r)) {
          const W = B.width, x0 = Math.floor(qx), y0 = Math.floor(qy), ax = qx - x0, ay = qy - y0;
          const w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
          const dB = B.data;
          let k = 0;
          for (let dy = -r; dy <= r; dy++) {
            let j = (y0 + dy) * W + x0 - r;
            for (let dx = -r; dx <= r; dx++, k++, j++) {
              const e = I0[k] - (dB[j] * w00 + dB[j + 1] * w01 + dB[j + W] * w10 + dB[j + W + 1] * w11);
              b1 += e * Ix[k]; b2 += e * Iy[k];
            }
          }
        } else {
          let k = 0;
          for (let dy = -r; dy <= r; dy++)
            for (let dx = -r; dx <= r; dx++, k++) {
              const e = I0[k] - sample(B, qx + dx, qy + dy);
              b1 += e * Ix[k]; b2 += e * Iy[k];
            }
        }
        const ux = (a22 * b1 - a12 * b2) / det, uy = (a11 * b2 - a12 * b1) / det;
        vx += ux; vy += uy;
        if (ux * ux + uy * uy < 1e-4) break;
      }
      if (!ok[i]) break;
      if (l > 0) { gx = 2 * (gx + vx); gy = 2 * (gy + vy); } else { gx += vx; gy += vy; }
    }
    out[2 * i] = pts[2 * i] + gx;
    out[2 * i + 1] = pts[2 * i + 1] + gy;
  }
  return { pts: out, ok };
}

/** Whether a (2r+1)^2 window around (x, y) samples without border clamping (sample()'s bounds). */
const inside = (p: Plane, x: number, y: number, r: number) => x - r >= 0 && y - r >= 0 && x + r <= p.width - 1.001 && y + r <= p.height - 1.001;

/**
 * Corners of a tracking image with the depth under them: normalised rays, inverse depth (from `inv`
 * on the analysis grid of K) and pixels. Corners on a failed depth pixel are left out.
 */
export function depthCorners(p: Plane, inv: Float32Array, K: Intrinsics, cell = 12): { rays: Float32Array; q: Float64Array; pix: Float32Array } {
  const tk = scaleIntrinsics(K, p.width, p.height);
  const sc = K.width / tk.width;
  const pts = detectCorners(p, cell);
  const rays: number[] = [], q: number[] = [], pix: number[] = [];
  for (let i = 0; i < pts.length / 2; i++) {
    const px = pts[2 * i], py = pts[2 * i + 1];
    const r = inv[Math.min(K.height - 1, Math.round(py * sc)) * K.width + Math.min(K.width - 1, Math.round(px * sc))];
    if (!(r > 0)) continue;
    rays.push((px - tk.cx) / tk.fx, (py - tk.cy) / tk.fy);
    q.push(r);
    pix.push(px, py);
  }
  return { rays: Float32Array.from(rays), q: Float64Array.from(q), pix: Float32Array.from(pix) };
}
