/**
 * The tracker's pyramidal Lucas-Kanade (../features.ts: lk) in AssemblyScript, compiled to WebAssembly
 * by `npm run build:wasm` and embedded in ../klt-wasm-binary.ts. Why: KLT was the geometry stage's
 * largest single cost. Every plane is stored with a border of P >= 2r + 4 pixels that repeats its edge,
 * so a window anywhere a track may look (its centre within r of the image) is read directly, four
 * pixels at a time (f32x4), with no clamping path; a window row is ceil((2r+1) / 4) vectors, the lanes
 * past the row's end carrying zero gradients. Samples and sums are f32, summed lane by lane along the
 * window and the four lanes added last ((l0 + l1) + (l2 + l3)); the 2x2 solve is f64. The TypeScript
 * reference does the same operations in the same order (test/geometry/klt-wasm.test.ts: same bits).
 * Pointers are byte offsets into this module's memory (a plane's points at its pixel (0, 0), so the
 * border is at negative offsets); ../klt-wasm.ts lays the buffers out.
 */

/** Copies the w x h f32 plane at `src` into the padded plane at `dst` (its pixel (0, 0); rows of w + 2P), the border repeating the edge. */
export function padCopy(src: usize, w: i32, h: i32, P: i32, dst: usize): void {
  const S = w + 2 * P;
  for (let y = -P; y < h + P; y++) {
    const s = src + (<usize>((y < 0 ? 0 : y >= h ? h - 1 : y) * w) << 2);
    const d = dst + <usize>((y * S) << 2);
    splatRun(d - (<usize>P << 2), P, load<f32>(s));
    memory.copy(d, s, <usize>w << 2);
    splatRun(d + (<usize>w << 2), P, load<f32>(s + (<usize>(w - 1) << 2)));
  }
}

/** n copies of v from `d`, four a store (the last store overlapping the one before where n is not a multiple of 4). */
@inline function splatRun(d: usize, n: i32, v: f32): void {
  if (n < 4) { for (let x = 0; x < n; x++) store<f32>(d + (<usize>x << 2), v); return; }
  const V = f32x4.splat(v);
  for (let x = 0; x + 4 <= n; x += 4) v128.store(d + (<usize>x << 2), V);
  v128.store(d + (<usize>(n - 4) << 2), V);
}

/**
 * Central-difference gradients of the padded w x h plane at `src` into the padded planes `gx` and `gy`
 * (../image.ts: gradients: zero on the image's border, so zero on the padding too: only those pixels
 * are cleared, the rest written). Four pixels at a time in f32: (a - b) rounded to f32 and halved is
 * the reference's f64 (a - b) * 0.5 rounded to f32 (the difference of two f32 is exact in f64, or
 * rounded once where f32 then rounds it again: the same as one rounding, f64 having more than twice
 * f32's bits).
 */
export function gradients(src: usize, w: i32, h: i32, P: i32, gx: usize, gy: usize): void {
  const S = w + 2 * P;
  const back = <usize>((P * S + P) << 2), band = <usize>((P + 1) * S) << 2;
  // The rows above and below (the image's first and last among them), then each row's ends.
  memory.fill(gx - back, 0, band); memory.fill(gy - back, 0, band);
  const low = <usize>((h - 1) * S - P) << 2;
  memory.fill(gx + low, 0, band); memory.fill(gy + low, 0, band);
  // A row's ends by vector stores (a memory.fill each was a call into the engine).
  for (let y = 1; y < h - 1; y++) {
    const l = <usize>(y * S - P) << 2, r = <usize>(y * S + w - 1) << 2;
    splatRun(gx + l, P + 1, 0); splatRun(gy + l, P + 1, 0);
    splatRun(gx + r, P + 1, 0); splatRun(gy + r, P + 1, 0);
  }
  const W = <usize>S << 2, half = f32x4.splat(0.5);
  for (let y = 1; y < h - 1; y++) {
    const row = <usize>(y * S) << 2;
    let x = 1;
    for (; x + 4 <= w - 1; x += 4) {
      const i = row + (<usize>x << 2);
      v128.store(gx + i, f32x4.mul(f32x4.sub(v128.load(src + i + 4), v128.load(src + i - 4)), half));
      v128.store(gy + i, f32x4.mul(f32x4.sub(v128.load(src + i + W), v128.load(src + i - W)), half));
    }
    for (; x < w - 1; x++) {
      const i = row + (<usize>x << 2);
      store<f32>(gx + i, (load<f32>(src + i + 4) - load<f32>(src + i - 4)) * 0.5);
      store<f32>(gy + i, (load<f32>(src + i + W) - load<f32>(src + i - W)) * 0.5);
    }
  }
}

/** Four bilinear samples (pixels p .. p+3 of a row): ((d00 w00 + d01 w01) + d10 w10) + d11 w11, in f32. */
@inline function bilinear4(p: usize, W: usize, w00: v128, w01: v128, w10: v128, w11: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.add(f32x4.mul(v128.load(p), w00), f32x4.mul(v128.load(p, 4), w01)), f32x4.mul(v128.load(p + W), w10)), f32x4.mul(v128.load(p + W, 4), w11));
}

/** bilinear4 of loaded samples (upper row, one pixel right, lower row, one pixel right). */
@inline function bil(d00: v128, d01: v128, d10: v128, d11: v128, w00: v128, w01: v128, w10: v128, w11: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.add(f32x4.mul(d00, w00), f32x4.mul(d01, w01)), f32x4.mul(d10, w10)), f32x4.mul(d11, w11));
}

/** The four lanes' sum, (l0 + l1) + (l2 + l3), widened. */
@inline function lanes(v: v128): f64 {
  return <f64>((f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)));
}

/** Byte offset of pixel (x, y) in a plane with rows of S (may be negative: the border). */
@inline function at(x: i32, y: i32, S: i32): usize {
  return <usize>((y * S + x) << 2);
}

/**
 * Tracks n points (f32 x, y at `pts`) from pyramid A to pyramid B: `levels` entries of 8 i32 at `lv`
 * (per level: A's data, A's gx, A's gy, B's data, width, height, row stride, unused), planes padded by
 * at least 2r + 4. Writes the tracked positions (f32 pairs) to `out` and a status byte (1 = tracked) to
 * `ok`. `tpl`: scratch of 3 (2r+1) ceil((2r+1)/4) v128.
 */
export function lk(lv: usize, levels: i32, pts: usize, n: i32, r: i32, out: usize, ok: usize, tpl: usize): void {
  const side = 2 * r + 1, vecs = (side + 3) >> 2;
  const plane = <usize>(side * vecs) << 4;
  const ixP = tpl, iyP = tpl + plane, i0P = tpl + 2 * plane;
  // The last vector of a row: lanes past the window's side get zero gradients.
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(side - ((vecs - 1) << 2)));
  const winF = <f64>(side * side), R = <f64>r;
  for (let i = 0; i < n; i++) {
    let gx: f64 = 0, gy: f64 = 0;
    let good = true;
    const p0x = <f64>load<f32>(pts + (<usize>i << 3)), p0y = <f64>load<f32>(pts + (<usize>i << 3) + 4);
    for (let l = levels - 1; l >= 0; l--) {
      const e = lv + (<usize>l << 5);
      const dA = <usize>load<i32>(e), dX = <usize>load<i32>(e + 4), dY = <usize>load<i32>(e + 8), dB = <usize>load<i32>(e + 12);
      const w = load<i32>(e + 16), h = load<i32>(e + 20), S = load<i32>(e + 24);
      const W = <usize>S << 2;
      const sc = 1 / <f64>(1 << l);
      const px = p0x * sc, py = p0y * sc;
      if (px < -R || py < -R || px > <f64>w + R || py > <f64>h + R) { good = false; break; }
      let a11: f64, a12: f64, a22: f64;
      {
        const x0f = Math.floor(px), y0f = Math.floor(py);
        const ax = px - x0f, ay = py - y0f;
        const w00 = f32x4.splat(<f32>((1 - ax) * (1 - ay))), w01 = f32x4.splat(<f32>(ax * (1 - ay)));
        const w10 = f32x4.splat(<f32>((1 - ax) * ay)), w11 = f32x4.splat(<f32>(ax * ay));
        let s11 = f32x4.splat(0), s12 = f32x4.splat(0), s22 = f32x4.splat(0);
        let k: usize = 0;
        if (vecs === 4) {
          // The tracker's window: a row's three whole vectors written out, then the masked one.
          for (let dy = -r, j = at(<i32>x0f - r, <i32>y0f - r, S); dy <= r; dy++, k += 64, j += W) {
            let vx = bilinear4(dX + j, W, w00, w01, w10, w11), vy = bilinear4(dY + j, W, w00, w01, w10, w11);
            v128.store(ixP + k, vx); v128.store(iyP + k, vy); v128.store(i0P + k, bilinear4(dA + j, W, w00, w01, w10, w11));
            s11 = f32x4.add(s11, f32x4.mul(vx, vx)); s12 = f32x4.add(s12, f32x4.mul(vx, vy)); s22 = f32x4.add(s22, f32x4.mul(vy, vy));
            vx = bilinear4(dX + j + 16, W, w00, w01, w10, w11); vy = bilinear4(dY + j + 16, W, w00, w01, w10, w11);
            v128.store(ixP + k, vx, 16); v128.store(iyP + k, vy, 16); v128.store(i0P + k, bilinear4(dA + j + 16, W, w00, w01, w10, w11), 16);
            s11 = f32x4.add(s11, f32x4.mul(vx, vx)); s12 = f32x4.add(s12, f32x4.mul(vx, vy)); s22 = f32x4.add(s22, f32x4.mul(vy, vy));
            vx = bilinear4(dX + j + 32, W, w00, w01, w10, w11); vy = bilinear4(dY + j + 32, W, w00, w01, w10, w11);
            v128.store(ixP + k, vx, 32); v128.store(iyP + k, vy, 32); v128.store(i0P + k, bilinear4(dA + j + 32, W, w00, w01, w10, w11), 32);
            s11 = f32x4.add(s11, f32x4.mul(vx, vx)); s12 = f32x4.add(s12, f32x4.mul(vx, vy)); s22 = f32x4.add(s22, f32x4.mul(vy, vy));
            vx = v128.and(bilinear4(dX + j + 48, W, w00, w01, w10, w11), mask); vy = v128.and(bilinear4(dY + j + 48, W, w00, w01, w10, w11), mask);
            v128.store(ixP + k, vx, 48); v128.store(iyP + k, vy, 48); v128.store(i0P + k, bilinear4(dA + j + 48, W, w00, w01, w10, w11), 48);
            s11 = f32x4.add(s11, f32x4.mul(vx, vx)); s12 = f32x4.add(s12, f32x4.mul(vx, vy)); s22 = f32x4.add(s22, f32x4.mul(vy, vy));
          }
        } else for (let dy = -r; dy <= r; dy++) {
          let j = at(<i32>x0f - r, <i32>y0f + dy, S);
          // The row's last vector apart: its lanes past the window's side get zero gradients.
          for (let v = 0; v < vecs - 1; v++, k += 16, j += 16) {
            const vx = bilinear4(dX + j, W, w00, w01, w10, w11), vy = bilinear4(dY + j, W, w00, w01, w10, w11);
            v128.store(ixP + k, vx); v128.store(iyP + k, vy);
            v128.store(i0P + k, bilinear4(dA + j, W, w00, w01, w10, w11));
            s11 = f32x4.add(s11, f32x4.mul(vx, vx)); s12 = f32x4.add(s12, f32x4.mul(vx, vy)); s22 = f32x4.add(s22, f32x4.mul(vy, vy));
          }
          const vx = v128.and(bilinear4(dX + j, W, w00, w01, w10, w11), mask), vy = v128.and(bilinear4(dY + j, W, w00, w01, w10, w11), mask);
          v128.store(ixP + k, vx); v128.store(iyP + k, vy);
          v128.store(i0P + k, bilinear4(dA + j, W, w00, w01, w10, w11));
          s11 = f32x4.add(s11, f32x4.mul(vx, vx)); s12 = f32x4.add(s12, f32x4.mul(vx, vy)); s22 = f32x4.add(s22, f32x4.mul(vy, vy));
          k += 16;
        }
        a11 = lanes(s11); a12 = lanes(s12); a22 = lanes(s22);
      }
      const det = a11 * a22 - a12 * a12;
      const minEig = (a11 + a22 - Math.sqrt((a11 - a22) * (a11 - a22) + 4 * a12 * a12)) / 2 / winF;
      if (det < 1e-6 || minEig < 1e-3) { good = false; break; }
      let vx: f64 = 0, vy: f64 = 0;
      for (let it = 0; it < 12; it++) {
        const qx = px + gx + vx, qy = py + gy + vy;
        if (qx < -R || qy < -R || qx > <f64>w + R || qy > <f64>h + R) { good = false; break; }
        const x0f = Math.floor(qx), y0f = Math.floor(qy);
        const ax = qx - x0f, ay = qy - y0f;
        const w00 = f32x4.splat(<f32>((1 - ax) * (1 - ay))), w01 = f32x4.splat(<f32>(ax * (1 - ay)));
        const w10 = f32x4.splat(<f32>((1 - ax) * ay)), w11 = f32x4.splat(<f32>(ax * ay));
        let b1 = f32x4.splat(0), b2 = f32x4.splat(0);
        let k: usize = 0;
        if (vecs === 4) {
          // The tracker's window (r = 7): a row's four vectors written out, the same operations in the same
          // order; a row's lower samples are the next row's upper ones, loaded once.
          let j = dB + at(<i32>x0f - r, <i32>y0f - r, S);
          let u0 = v128.load(j), u0r = v128.load(j, 4), u1 = v128.load(j, 16), u1r = v128.load(j, 20);
          let u2 = v128.load(j, 32), u2r = v128.load(j, 36), u3 = v128.load(j, 48), u3r = v128.load(j, 52);
          for (let dy = -r; dy <= r; dy++, k += 64) {
            j += W;
            const d0 = v128.load(j), d0r = v128.load(j, 4), d1 = v128.load(j, 16), d1r = v128.load(j, 20);
            const d2 = v128.load(j, 32), d2r = v128.load(j, 36), d3 = v128.load(j, 48), d3r = v128.load(j, 52);
            let ev = f32x4.sub(v128.load(i0P + k), bil(u0, u0r, d0, d0r, w00, w01, w10, w11));
            b1 = f32x4.add(b1, f32x4.mul(ev, v128.load(ixP + k))); b2 = f32x4.add(b2, f32x4.mul(ev, v128.load(iyP + k)));
            ev = f32x4.sub(v128.load(i0P + k, 16), bil(u1, u1r, d1, d1r, w00, w01, w10, w11));
            b1 = f32x4.add(b1, f32x4.mul(ev, v128.load(ixP + k, 16))); b2 = f32x4.add(b2, f32x4.mul(ev, v128.load(iyP + k, 16)));
            ev = f32x4.sub(v128.load(i0P + k, 32), bil(u2, u2r, d2, d2r, w00, w01, w10, w11));
            b1 = f32x4.add(b1, f32x4.mul(ev, v128.load(ixP + k, 32))); b2 = f32x4.add(b2, f32x4.mul(ev, v128.load(iyP + k, 32)));
            ev = f32x4.sub(v128.load(i0P + k, 48), bil(u3, u3r, d3, d3r, w00, w01, w10, w11));
            b1 = f32x4.add(b1, f32x4.mul(ev, v128.load(ixP + k, 48))); b2 = f32x4.add(b2, f32x4.mul(ev, v128.load(iyP + k, 48)));
            u0 = d0; u0r = d0r; u1 = d1; u1r = d1r; u2 = d2; u2r = d2r; u3 = d3; u3r = d3r;
          }
        } else {
          for (let dy = -r; dy <= r; dy++) {
            let j = dB + at(<i32>x0f - r, <i32>y0f + dy, S);
            for (let v = 0; v < vecs; v++, k += 16, j += 16) {
              const ev = f32x4.sub(v128.load(i0P + k), bilinear4(j, W, w00, w01, w10, w11));
              b1 = f32x4.add(b1, f32x4.mul(ev, v128.load(ixP + k)));
              b2 = f32x4.add(b2, f32x4.mul(ev, v128.load(iyP + k)));
            }
          }
        }
        const c1 = lanes(b1), c2 = lanes(b2);
        const ux = (a22 * c1 - a12 * c2) / det, uy = (a11 * c2 - a12 * c1) / det;
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

// The per-frame image functions (the tracking pyramid, the analysis grid, the corner score), in one module with lk.
export { grayPlane, normalizeGain, pyrDown, downsampleRgbGray, cornerScore } from './klt-image.as';
