/**
 * The tracker's pyramidal Lucas-Kanade (../features.ts: lk) in AssemblyScript, compiled to WebAssembly
 * by `npm run build:wasm` and embedded in ../klt-wasm-binary.ts. Why: KLT was the geometry stage's
 * largest single cost in V8. The arithmetic is the TypeScript
 * reference's, operation for operation, in f64 with f32 storage where it stores, so both give the same
 * bits (test/geometry/klt-wasm.test.ts); two pixels at a time (f64x2) where the order of additions allows.
 * Pointers are byte offsets into this module's memory; ../klt-wasm.ts lays the buffers out.
 */

/**
 * Central-difference gradients of a w x h f32 plane at `src` into `gx` and `gy` (zero on the border),
 * as ../image.ts: gradients.
 */
export function gradients(src: usize, w: i32, h: i32, gx: usize, gy: usize): void {
  memory.fill(gx, 0, <usize>(w * h) << 2);
  memory.fill(gy, 0, <usize>(w * h) << 2);
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = <usize>(y * w + x) << 2;
      const W = <usize>w << 2;
      store<f32>(gx + i, <f32>((<f64>load<f32>(src + i + 4) - <f64>load<f32>(src + i - 4)) * 0.5));
      store<f32>(gy + i, <f32>((<f64>load<f32>(src + i + W) - <f64>load<f32>(src + i - W)) * 0.5));
    }
}

/**
 * ../image.ts: sample's clamped coordinates for the 2r+1 positions c - r .. c + r along an axis of n
 * pixels: the whole part to `idx` (i32), the fraction to `frac` (f64). A window's samples are then
 * sampleAt(column's, row's), with the reference's arithmetic, and the clamping done once a row or column.
 */
@inline function clampAxis(c: f64, r: i32, n: i32, idx: usize, frac: usize): void {
  const top = <f64>n - 1.001;
  for (let d = -r; d <= r; d++) {
    let x = c + <f64>d;
    if (x < 0) x = 0; else if (x > top) x = top;
    const x0 = <i32>x;
    store<i32>(idx + (<usize>(d + r) << 2), x0);
    store<f64>(frac + (<usize>(d + r) << 3), x - <f64>x0);
  }
}

/** ../image.ts: sample's bilinear of the w-wide f32 plane at `d`, from clamped coordinates. */
@inline function sampleAt(d: usize, w: i32, x0: i32, ax: f64, y0: i32, ay: f64): f64 {
  const p = d + (<usize>(y0 * w + x0) << 2), W = <usize>w << 2;
  return (<f64>load<f32>(p) * (1 - ax) + <f64>load<f32>(p + 4) * ax) * (1 - ay) + (<f64>load<f32>(p + W) * (1 - ax) + <f64>load<f32>(p + W + 4) * ax) * ay;
}

@inline function inside(w: i32, h: i32, x: f64, y: f64, r: i32): bool {
  const R = <f64>r;
  return x - R >= 0 && y - R >= 0 && x + R <= <f64>w - 1.001 && y + R <= <f64>h - 1.001;
}

/** Two bilinear samples at once (pixels p and p+1 of a row): lane for lane the scalar expression ((d00 w00 + d01 w01) + d10 w10) + d11 w11. */
@inline function bilinear2(p: usize, W: usize, w00: v128, w01: v128, w10: v128, w11: v128): v128 {
  const a = f64x2.promote_low_f32x4(v128.load64_zero(p));
  const b = f64x2.promote_low_f32x4(v128.load64_zero(p + 4));
  const c = f64x2.promote_low_f32x4(v128.load64_zero(p + W));
  const d = f64x2.promote_low_f32x4(v128.load64_zero(p + W + 4));
  return f64x2.add(f64x2.add(f64x2.add(f64x2.mul(a, w00), f64x2.mul(b, w01)), f64x2.mul(c, w10)), f64x2.mul(d, w11));
}

/**
 * Tracks n points (f32 x, y at `pts`) from pyramid A to pyramid B: `levels` entries of 8 i32 at `lv`
 * (per level: A's data, A's gx, A's gy, B's data, width, height, unused x2). Writes the tracked positions
 * (f32 pairs) to `out` and a status byte (1 = tracked) to `ok`. `ix`, `iy`, `i0` are scratch of
 * (2r+1)^2 + 1 f32 each, `tab` of 24 (2r+1) bytes.
 */
export function lk(lv: usize, levels: i32, pts: usize, n: i32, r: i32, out: usize, ok: usize, ix: usize, iy: usize, i0: usize, tab: usize): void {
  const side = 2 * r + 1, win = side * side;
  // `tab`: the clamped columns' whole parts (i32) and fractions (f64), then the rows'.
  const tabI = <usize>side << 2, tabF = <usize>side << 3, rows = tabI + tabF;
  const winF = <f64>win;
  for (let i = 0; i < n; i++) {
    let gx: f64 = 0, gy: f64 = 0;
    let good = true;
    const p0x = <f64>load<f32>(pts + (<usize>i << 3)), p0y = <f64>load<f32>(pts + (<usize>i << 3) + 4);
    for (let l = levels - 1; l >= 0; l--) {
      const e = lv + (<usize>l << 5);
      const dA = <usize>load<i32>(e), dX = <usize>load<i32>(e + 4), dY = <usize>load<i32>(e + 8), dB = <usize>load<i32>(e + 12);
      const w = load<i32>(e + 16), h = load<i32>(e + 20);
      const sc = 1 / <f64>(1 << l);
      const px = p0x * sc, py = p0y * sc;
      let a11: f64 = 0, a12: f64 = 0, a22: f64 = 0;
      if (inside(w, h, px, py, r)) {
        const x0f = Math.floor(px), y0f = Math.floor(py);
        const x0 = <i32>x0f, y0 = <i32>y0f, ax = px - x0f, ay = py - y0f;
        const w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
        const W = <usize>w << 2;
        let k: usize = 0;
        for (let dy = -r; dy <= r; dy++) {
          let j = <usize>((y0 + dy) * w + x0 - r) << 2;
          for (let dx = -r; dx <= r; dx++, k += 4, j += 4) {
            const vx = (<f64>load<f32>(dX + j)) * w00 + (<f64>load<f32>(dX + j + 4)) * w01 + (<f64>load<f32>(dX + j + W)) * w10 + (<f64>load<f32>(dX + j + W + 4)) * w11;
            const vy = (<f64>load<f32>(dY + j)) * w00 + (<f64>load<f32>(dY + j + 4)) * w01 + (<f64>load<f32>(dY + j + W)) * w10 + (<f64>load<f32>(dY + j + W + 4)) * w11;
            store<f32>(ix + k, <f32>vx); store<f32>(iy + k, <f32>vy);
            store<f32>(i0 + k, <f32>((<f64>load<f32>(dA + j)) * w00 + (<f64>load<f32>(dA + j + 4)) * w01 + (<f64>load<f32>(dA + j + W)) * w10 + (<f64>load<f32>(dA + j + W + 4)) * w11));
            a11 += vx * vx; a12 += vx * vy; a22 += vy * vy;
          }
        }
      } else {
        clampAxis(px, r, w, tab, tab + tabI);
        clampAxis(py, r, h, tab + rows, tab + rows + tabI);
        let k: usize = 0;
        for (let dy = 0; dy < side; dy++) {
          const y0 = load<i32>(tab + rows + (<usize>dy << 2)), ay = load<f64>(tab + rows + tabI + (<usize>dy << 3));
          for (let dx = 0; dx < side; dx++, k += 4) {
            const x0 = load<i32>(tab + (<usize>dx << 2)), ax = load<f64>(tab + tabI + (<usize>dx << 3));
            const vx = sampleAt(dX, w, x0, ax, y0, ay), vy = sampleAt(dY, w, x0, ax, y0, ay);
            store<f32>(ix + k, <f32>vx); store<f32>(iy + k, <f32>vy);
            store<f32>(i0 + k, <f32>sampleAt(dA, w, x0, ax, y0, ay));
            a11 += vx * vx; a12 += vx * vy; a22 += vy * vy;
          }
        }
      }
      const det = a11 * a22 - a12 * a12;
      const minEig = (a11 + a22 - Math.sqrt((a11 - a22) * (a11 - a22) + 4 * a12 * a12)) / 2 / winF;
      if (det < 1e-6 || minEig < 1e-3) { good = false; break; }
      let vx: f64 = 0, vy: f64 = 0;
      for (let it = 0; it < 12; it++) {
        let b1: f64 = 0, b2: f64 = 0;
        const qx = px + gx + vx, qy = py + gy + vy;
        const R = <f64>r;
        if (qx < -R || qy < -R || qx > <f64>w + R || qy > <f64>h + R) { good = false; break; }
        if (inside(w, h, qx, qy, r)) {
          const x0f = Math.floor(qx), y0f = Math.floor(qy);
          const x0 = <i32>x0f, y0 = <i32>y0f, ax = qx - x0f, ay = qy - y0f;
          const s00 = (1 - ax) * (1 - ay), s01 = ax * (1 - ay), s10 = (1 - ax) * ay, s11 = ax * ay;
          const w00 = f64x2.splat(s00), w01 = f64x2.splat(s01), w10 = f64x2.splat(s10), w11 = f64x2.splat(s11);
          const W = <usize>w << 2;
          let k: usize = 0;
          for (let dy = -r; dy <= r; dy++) {
            let j = dB + (<usize>((y0 + dy) * w + x0 - r) << 2);
            let dx = -r;
            // Pairs of pixels: the samples two at a time, the sums in the scalar order.
            for (; dx < r; dx += 2, k += 8, j += 8) {
              const e2 = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(i0 + k)), bilinear2(j, W, w00, w01, w10, w11));
              const g1 = f64x2.promote_low_f32x4(v128.load64_zero(ix + k)), g2 = f64x2.promote_low_f32x4(v128.load64_zero(iy + k));
              const m1 = f64x2.mul(e2, g1), m2 = f64x2.mul(e2, g2);
              b1 += f64x2.extract_lane(m1, 0); b2 += f64x2.extract_lane(m2, 0);
              b1 += f64x2.extract_lane(m1, 1); b2 += f64x2.extract_lane(m2, 1);
            }
            for (; dx <= r; dx++, k += 4, j += 4) {
              const ev = <f64>load<f32>(i0 + k) - ((<f64>load<f32>(j)) * s00 + (<f64>load<f32>(j + 4)) * s01 + (<f64>load<f32>(j + W)) * s10 + (<f64>load<f32>(j + W + 4)) * s11);
              b1 += ev * <f64>load<f32>(ix + k); b2 += ev * <f64>load<f32>(iy + k);
            }
          }
        } else {
          clampAxis(qx, r, w, tab, tab + tabI);
          clampAxis(qy, r, h, tab + rows, tab + rows + tabI);
          let k: usize = 0;
          for (let dy = 0; dy < side; dy++) {
            const y0 = load<i32>(tab + rows + (<usize>dy << 2)), ay = load<f64>(tab + rows + tabI + (<usize>dy << 3));
            for (let dx = 0; dx < side; dx++, k += 4) {
              const ev = <f64>load<f32>(i0 + k) - sampleAt(dB, w, load<i32>(tab + (<usize>dx << 2)), load<f64>(tab + tabI + (<usize>dx << 3)), y0, ay);
              b1 += ev * <f64>load<f32>(ix + k); b2 += ev * <f64>load<f32>(iy + k);
            }
          }
        }
        const ux = (a22 * b1 - a12 * b2) / det, uy = (a11 * b2 - a12 * b1) / det;
        vx += ux; vy += uy;
        if (ux * ux + uy * uy < 1e-4) break;
      }
      if (!good) break;
      if (l > 0) { gx = 2 * (gx + vx); gy = 2 * (gy + vy); } else { gx += vx; gy += vy; }
    }
    store<f32>(out + (<usize>i << 3), <f32>(p0x + gx));
    store<f32>(out + (<usize>i << 3) + 4, <f32>(p0y + gy));
    store<u8>(ok + <usize>i, good ? 1 : 0);
  }
}
