import type { Intrinsics } from '../../common/types.ts';
import { boxFilter, gradients, type Plane } from './image.ts';
import { scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import { cornerScoreWasm, lkWasm, wasmTakes } from './klt-wasm.ts';

/**
 * Shi-Tomasi corners, at most one per grid cell so features spread over the whole image: pose
 * estimation is far better conditioned by many well-spread points than by a cluster of strong ones.
 */
export function detectCorners(p: Plane, cell = 10, border = 8, wasm = true): Float32Array {
  const w = p.width, h = p.height;
  // The score plane in WebAssembly (the same bits, about half the time); `wasm` false: the reference.
  const { score, max } = wasm ? cornerScoreWasm(p) : cornerScore(p);
  return bestPerCell(score, w, h, max, cell, border);
}

/** detectCorners' score plane (the structure tensor's smaller eigenvalue, 5x5 boxes) and its largest value (0 at least): the reference klt-wasm.ts is held to. */
export function cornerScore(p: Plane): { score: Float32Array; max: number } {
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
  return { score, max: maxS };
}

function bestPerCell(score: Float32Array, w: number, h: number, maxS: number, cell: number, border: number): Float32Array {
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

/**
 * The reference Lucas-Kanade (klt-wasm.ts runs the same arithmetic in WebAssembly, which trackKLT uses
 * where it can). Samples read the planes as if their edges repeated outward (a clamped pixel index);
 * samples, products and sums are float32 (Math.fround after each operation, which gives float32's
 * bits), a window row is taken four columns at a time (the WebAssembly's f32x4 lanes: column c adds to
 * lane c mod 4, columns past the window's side with zero gradients), the lanes added last as
 * (l0 + l1) + (l2 + l3); weights, positions and the 2x2 solve are float64.
 */
export function lk(pa: Plane[], pb: Plane[], pts: Float32Array, r: number): { pts: Float32Array; ok: Uint8Array } {
  const f = Math.fround;
  const n = pts.length / 2;
  const out = new Float32Array(pts.length);
  const ok = new Uint8Array(n).fill(1);
  const L = pa.length;
  const grads = pa.map(gradientsOf);
  const side = 2 * r + 1, cols = 4 * Math.ceil(side / 4), win = side * side;
  const Ix = new Float32Array(side * cols), Iy = new Float32Array(side * cols), I0 = new Float32Array(side * cols);
  const s1 = new Float32Array(4), s2 = new Float32Array(4), s3 = new Float32Array(4);
  const lanes = (s: Float32Array) => f(f(s[0] + s[1]) + f(s[2] + s[3]));
  for (let i = 0; i < n; i++) {
    let gx = 0, gy = 0; // flow guess at the current level
    for (let l = L - 1; l >= 0; l--) {
      const A = pa[l], B = pb[l], sc = 1 / (1 << l), w = A.width, h = A.height;
      const px = pts[2 * i] * sc, py = pts[2 * i + 1] * sc;
      if (px < -r || py < -r || px > w + r || py > h + r) { ok[i] = 0; break; }
      let bil = bilinearAt(w, h, px, py);
      s1.fill(0); s2.fill(0); s3.fill(0);
      for (let dy = 0, k = 0; dy < side; dy++)
        for (let c = 0; c < cols; c++, k++) {
          const ix = c < side ? bil(grads[l].gx, c - r, dy - r) : 0, iy = c < side ? bil(grads[l].gy, c - r, dy - r) : 0;
          Ix[k] = ix; Iy[k] = iy; I0[k] = bil(A.data, c - r, dy - r);
          s1[c & 3] = f(s1[c & 3] + f(ix * ix)); s2[c & 3] = f(s2[c & 3] + f(ix * iy)); s3[c & 3] = f(s3[c & 3] + f(iy * iy));
        }
      const a11 = lanes(s1), a12 = lanes(s2), a22 = lanes(s3);
      const det = a11 * a22 - a12 * a12;
      const minEig = (a11 + a22 - Math.sqrt((a11 - a22) * (a11 - a22) + 4 * a12 * a12)) / 2 / win;
      if (det < 1e-6 || minEig < 1e-3) { ok[i] = 0; break; }
      let vx = 0, vy = 0;
      for (let it = 0; it < 12; it++) {
        const qx = px + gx + vx, qy = py + gy + vy;
        if (qx < -r || qy < -r || qx > w + r || qy > h + r) { ok[i] = 0; break; }
        bil = bilinearAt(w, h, qx, qy);
        s1.fill(0); s2.fill(0);
        for (let dy = 0, k = 0; dy < side; dy++)
          for (let c = 0; c < cols; c++, k++) {
            const e = f(I0[k] - bil(B.data, c - r, dy - r));
            s1[c & 3] = f(s1[c & 3] + f(e * Ix[k])); s2[c & 3] = f(s2[c & 3] + f(e * Iy[k]));
          }
        const b1 = lanes(s1), b2 = lanes(s2);
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

/**
 * lk's float32 bilinear sample of a w x h plane at (x + dx, y + dy) for whole offsets (dx, dy): the
 * weights of (x, y) rounded to float32, ((d00 w00 + d01 w01) + d10 w10) + d11 w11, pixels outside read
 * at the nearest edge.
 */
function bilinearAt(w: number, h: number, x: number, y: number) {
  const f = Math.fround;
  const x0 = Math.floor(x), y0 = Math.floor(y), ax = x - x0, ay = y - y0;
  const w00 = f((1 - ax) * (1 - ay)), w01 = f(ax * (1 - ay)), w10 = f((1 - ax) * ay), w11 = f(ax * ay);
  const cx = (v: number) => (v < 0 ? 0 : v >= w ? w - 1 : v), cy = (v: number) => (v < 0 ? 0 : v >= h ? h - 1 : v) * w;
  return (d: Float32Array, dx: number, dy: number) => {
    const xa = cx(x0 + dx), xb = cx(x0 + dx + 1), ya = cy(y0 + dy), yb = cy(y0 + dy + 1);
    return f(f(f(f(d[ya + xa] * w00) + f(d[ya + xb] * w01)) + f(d[yb + xa] * w10)) + f(d[yb + xb] * w11));
  };
}

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
