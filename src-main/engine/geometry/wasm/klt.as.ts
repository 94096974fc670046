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
    const left = load<f32>(s), right = load<f32>(s + (<usize>(w - 1) << 2));
    for (let x = -P; x < 0; x++) store<f32>(d + <usize>(x << 2), left);
    memory.copy(d, s, <usize>w << 2);
    for (let x = w; x < w + P; x++) store<f32>(d + <usize>(x << 2), right);
  }
}

/**
 * Central-difference gradients of the padded w x h plane at `src` into the padded planes `gx` and `gy`
 * (../image.ts: gradients: zero on the image's border, so zero on the padding too). Four pixels at a
 * time in f32: (a - b) rounded to f32 and halved is the reference's f64 (a - b) * 0.5 rounded to f32
 * (the difference of two f32 is exact in f64, or rounded once where f32 then rounds it again: the same
 * as one rounding, f64 having more than twice f32's bits).
 */
export function gradients(src: usize, w: i32, h: i32, P: i32, gx: usize, gy: usize): void {
  const S = w + 2 * P;
  const bytes = <usize>(S * (h + 2 * P)) << 2, back = <usize>((P * S + P) << 2);
  memory.fill(gx - back, 0, bytes);
  memory.fill(gy - back, 0, bytes);
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

/**
 * ../image.ts: trackingPyramid at the frame's own size, the same operations in the same order (f64,
 * stored as f32), so the same bits: the grey of n interleaved RGB8 pixels at `src` (grayPlane) into the
 * f32 plane at `out`, returning the stored values' sum (in order).
 */
const R_W: f64 = 0.299, G_W: f64 = 0.587, B_W: f64 = 0.114;
export function grayPlane(src: usize, n: i32, out: usize): f64 {
  let m: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = src + <usize>(3 * i);
    // The weights typed f64: under the f32 cast AssemblyScript would take the first literal as f32.
    const g = <f32>(R_W * <f64>load<u8>(o) + G_W * <f64>load<u8>(o + 1) + B_W * <f64>load<u8>(o + 2) + 1);
    const v = <f32>(<f64>g - 1);
    store<f32>(out + (<usize>i << 2), v);
    m += <f64>v;
  }
  return m;
}

/** ../image.ts: normalizeGain of the n values at `d`, whose sum is `sum`. */
export function normalizeGain(d: usize, n: i32, sum: f64): void {
  const m = sum / <f64>n;
  let v: f64 = 0;
  for (let i = 0; i < n; i++) {
    const t = <f64>load<f32>(d + (<usize>i << 2)) - m;
    v += t * t;
  }
  const g = 40 / Math.sqrt(v / <f64>n + 1e-6);
  for (let i = 0; i < n; i++) {
    const p = d + (<usize>i << 2);
    store<f32>(p, <f32>((<f64>load<f32>(p) - m) * g + 128));
  }
}

/** ../image.ts: pyrDown of the w x h plane at `s` into `out` (max(1, w >> 1) x max(1, h >> 1)). */
export function pyrDown(s: usize, w: i32, h: i32, out: usize): void {
  const dw = w >> 1 > 1 ? w >> 1 : 1, dh = h >> 1 > 1 ? h >> 1 : 1;
  const W = <usize>w << 2;
  for (let y = 0; y < dh; y++) {
    const Y = 2 * y;
    const inner = Y >= 1 && Y + 1 <= h - 1;
    for (let x = 0; x < dw; x++) {
      const X = 2 * x;
      let v: f64;
      if (inner && X >= 1 && X + 1 <= w - 1) {
        const c = s + (<usize>(Y * w + X) << 2), u = c - W, d = c + W;
        v = (<f64>load<f32>(u - 4) + 2 * <f64>load<f32>(u) + <f64>load<f32>(u + 4) +
          2 * <f64>load<f32>(c - 4) + 4 * <f64>load<f32>(c) + 2 * <f64>load<f32>(c + 4) +
          <f64>load<f32>(d - 4) + 2 * <f64>load<f32>(d) + <f64>load<f32>(d + 4)) / 16;
      } else {
        v = (px(s, w, h, X - 1, Y - 1) + 2 * px(s, w, h, X, Y - 1) + px(s, w, h, X + 1, Y - 1) +
          2 * px(s, w, h, X - 1, Y) + 4 * px(s, w, h, X, Y) + 2 * px(s, w, h, X + 1, Y) +
          px(s, w, h, X - 1, Y + 1) + 2 * px(s, w, h, X, Y + 1) + px(s, w, h, X + 1, Y + 1)) / 16;
      }
      store<f32>(out + (<usize>(y * dw + x) << 2), <f32>v);
    }
  }
}

/** The w x h plane's pixel at the nearest place inside to (x, y). */
@inline function px(s: usize, w: i32, h: i32, x: i32, y: i32): f64 {
  const cx = x < 0 ? 0 : x > w - 1 ? w - 1 : x, cy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  return <f64>load<f32>(s + (<usize>(cy * w + cx) << 2));
}

/**
 * ../image.ts: downsampleRgbGray for blocks of one or two rows and columns (sw <= 2 dw, sh <= 2 dh):
 * interleaved RGB8 sw x sh at `src` to the grey f32 plane `gray` and RGB8 `rgb` at dw x dh, the same
 * integer sums and f64 operations, so the same bits. `acc`: scratch of 3 sw i32, `cols` of dw i32.
 */
export function downsampleRgbGray(src: usize, sw: i32, sh: i32, dw: i32, dh: i32, gray: usize, rgb: usize, acc: usize, cols: usize): void {
  const fx = <f64>sw / <f64>dw, fy = <f64>sh / <f64>dh;
  const rw = 3 * sw;
  for (let x = 0; x < dw; x++) {
    const x0 = <i32>Math.floor(<f64>x * fx);
    const x1 = min(sw, max(x0 + 1, <i32>Math.floor(<f64>(x + 1) * fx)));
    store<i32>(cols + (<usize>x << 2), x1 - x0 === 2 ? -1 - x0 : x0);
  }
  for (let y = 0; y < dh; y++) {
    const y0 = <i32>Math.floor(<f64>y * fy);
    const y1 = min(sh, max(y0 + 1, <i32>Math.floor(<f64>(y + 1) * fy)));
    const o = src + <usize>(y0 * rw), rows = y1 - y0;
    if (rows === 2) for (let j = 0; j < rw; j++) store<i32>(acc + (<usize>j << 2), <i32>load<u8>(o + <usize>j) + <i32>load<u8>(o + <usize>(rw + j)));
    else for (let j = 0; j < rw; j++) store<i32>(acc + (<usize>j << 2), <i32>load<u8>(o + <usize>j));
    for (let x = 0, i = y * dw; x < dw; x++, i++) {
      const c = load<i32>(cols + (<usize>x << 2));
      let r: i32, g: i32, b: i32, n: i32;
      if (c >= 0) {
        const k = acc + (<usize>(3 * c) << 2);
        r = load<i32>(k); g = load<i32>(k, 4); b = load<i32>(k, 8); n = rows;
      } else {
        const k = acc + (<usize>(-3 * (c + 1)) << 2);
        r = load<i32>(k) + load<i32>(k, 12); g = load<i32>(k, 4) + load<i32>(k, 16); b = load<i32>(k, 8) + load<i32>(k, 20); n = 2 * rows;
      }
      // n is 1, 2 or 4: the integer quotient is the reference's truncated r / n.
      const q = rgb + <usize>(3 * i);
      store<u8>(q, r / n); store<u8>(q, g / n, 1); store<u8>(q, b / n, 2);
      store<f32>(gray + (<usize>i << 2), <f32>((R_W * <f64>r + G_W * <f64>g + B_W * <f64>b) / <f64>n));
    }
  }
}

/**
 * ../features.ts: detectCorners' score plane (the structure tensor's smaller eigenvalue over 5x5
 * boxes) of the w x h plane at `src` into `score`, the same operations in the same order (so the same
 * bits); returns its largest value (0 at least). `xx` .. `tmp`: scratch planes, `sums` w f64.
 */
export function cornerScore(src: usize, w: i32, h: i32, xx: usize, yy: usize, xy: usize, a: usize, c: usize, b: usize, tmp: usize, sums: usize, score: usize): f64 {
  const n = w * h, bytes = <usize>n << 2, W = <usize>w << 2;
  memory.fill(xx, 0, bytes); memory.fill(yy, 0, bytes); memory.fill(xy, 0, bytes);
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = <usize>(y * w + x) << 2;
      const gx = <f32>((<f64>load<f32>(src + i + 4) - <f64>load<f32>(src + i - 4)) * 0.5);
      const gy = <f32>((<f64>load<f32>(src + i + W) - <f64>load<f32>(src + i - W)) * 0.5);
      store<f32>(xx + i, <f32>(<f64>gx * <f64>gx)); store<f32>(yy + i, <f32>(<f64>gy * <f64>gy)); store<f32>(xy + i, <f32>(<f64>gx * <f64>gy));
    }
  boxFilter2(xx, w, h, a, tmp, sums); boxFilter2(yy, w, h, c, tmp, sums); boxFilter2(xy, w, h, b, tmp, sums);
  let maxS: f64 = 0;
  for (let i = 0; i < n; i++) {
    const k = <usize>i << 2;
    const A = <f64>load<f32>(a + k), C = <f64>load<f32>(c + k), B = <f64>load<f32>(b + k);
    const t = (A - C) / 2;
    const s = <f32>((A + C) / 2 - Math.sqrt(t * t + B * B));
    store<f32>(score + k, s);
    if (<f64>s > maxS) maxS = <f64>s;
  }
  return maxS;
}

/** ../image.ts: boxFilter with r = 2 (running sums in f64, stored as f32), rows then columns. */
function boxFilter2(src: usize, w: i32, h: i32, out: usize, tmp: usize, sums: usize): void {
  const r = 2;
  for (let y = 0; y < h; y++) {
    const o = src + (<usize>(y * w) << 2), t = tmp + (<usize>(y * w) << 2);
    let s: f64 = 0;
    for (let x = -r; x <= r; x++) s += <f64>load<f32>(o + (<usize>clampI(x, w) << 2));
    for (let x = 0; x < w; x++) {
      store<f32>(t + (<usize>x << 2), <f32>s);
      s += <f64>load<f32>(o + (<usize>min(w - 1, x + r + 1) << 2)) - <f64>load<f32>(o + (<usize>max(0, x - r) << 2));
    }
  }
  const nb: f64 = <f64>((2 * r + 1) * (2 * r + 1));
  memory.fill(sums, 0, <usize>w << 3);
  for (let y = -r; y <= r; y++) {
    const o = tmp + (<usize>(clampI(y, h) * w) << 2);
    for (let x = 0; x < w; x++) store<f64>(sums + (<usize>x << 3), load<f64>(sums + (<usize>x << 3)) + <f64>load<f32>(o + (<usize>x << 2)));
  }
  for (let y = 0; y < h; y++) {
    const o = out + (<usize>(y * w) << 2), add = tmp + (<usize>(min(h - 1, y + r + 1) * w) << 2), sub = tmp + (<usize>(max(0, y - r) * w) << 2);
    for (let x = 0; x < w; x++) {
      const q = sums + (<usize>x << 3), v = load<f64>(q);
      store<f32>(o + (<usize>x << 2), <f32>(v / nb));
      store<f64>(q, v + (<f64>load<f32>(add + (<usize>x << 2)) - <f64>load<f32>(sub + (<usize>x << 2))));
    }
  }
}

@inline function clampI(v: i32, n: i32): i32 {
  return v < 0 ? 0 : v > n - 1 ? n - 1 : v;
}
