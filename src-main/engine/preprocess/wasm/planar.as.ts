/**
 * The network input (../normalize.ts: rgbToPlanar) in AssemblyScript, compiled to WebAssembly by
 * `npm run build:wasm` and embedded in ../planar-wasm-binary.ts. Why: the model thread makes one for every
 * frame, and V8 runs it one value at a time; here four pixels go at once (each pixel's bytes read as one
 * 32-bit word, a channel picked out by a byte shuffle). The same bits as the TypeScript: the same f64
 * expression per value, (t0 + (t1 - t0) * wx), then the rows' blend, * scale + bias, stored f32.
 * Pointers are byte offsets into this module's memory; ../planar-wasm.ts lays the buffers out.
 */

/**
 * Interleaved RGB8 at `rgb` (3 readable bytes past its end) into planar f32 at `out` (3 planes of dw x dh).
 * Rows: `ya`, `yb` (i32, byte offsets of the two source rows), `yw` (f64 weight of the second); columns: `xa`,
 * `xb` (i32, byte offsets in a row), `xw` (f64 weight of the second). `k`, `b`: each channel's scale and bias.
 */
export function planar(rgb: usize, dw: i32, dh: i32, ya: usize, yb: usize, yw: usize, xa: usize, xb: usize, xw: usize, out: usize, k0: f64, k1: f64, k2: f64, b0: f64, b1: f64, b2: f64): void {
  const plane = <usize>(dw * dh) << 2;
  const n4 = dw & ~3;
  for (let y = 0; y < dh; y++) {
    const r0 = rgb + <usize>load<i32>(ya + (<usize>y << 2));
    const r1 = rgb + <usize>load<i32>(yb + (<usize>y << 2));
    const wy = load<f64>(yw + (<usize>y << 3));
    const o = out + (<usize>(y * dw) << 2);
    let x = 0;
    for (; x < n4; x += 4) {
      const ix = <usize>x << 2;
      const a0 = <usize>load<i32>(xa + ix), a1 = <usize>load<i32>(xa + ix, 4), a2 = <usize>load<i32>(xa + ix, 8), a3 = <usize>load<i32>(xa + ix, 12);
      const b0_ = <usize>load<i32>(xb + ix), b1_ = <usize>load<i32>(xb + ix, 4), b2_ = <usize>load<i32>(xb + ix, 8), b3_ = <usize>load<i32>(xb + ix, 12);
      const wl = v128.load(xw + (<usize>x << 3)), wh = v128.load(xw + (<usize>x << 3), 16);
      const A = words(r0 + a0, r0 + a1, r0 + a2, r0 + a3), B = words(r0 + b0_, r0 + b1_, r0 + b2_, r0 + b3_);
      if (wy == 0) {
        v128.store(o + ix, row(A, B, 0, wl, wh, k0, b0));
        v128.store(o + plane + ix, row(A, B, 1, wl, wh, k1, b1));
        v128.store(o + 2 * plane + ix, row(A, B, 2, wl, wh, k2, b2));
      } else {
        const C = words(r1 + a0, r1 + a1, r1 + a2, r1 + a3), D = words(r1 + b0_, r1 + b1_, r1 + b2_, r1 + b3_);
        v128.store(o + ix, rows(A, B, C, D, 0, wl, wh, wy, k0, b0));
        v128.store(o + plane + ix, rows(A, B, C, D, 1, wl, wh, wy, k1, b1));
        v128.store(o + 2 * plane + ix, rows(A, B, C, D, 2, wl, wh, wy, k2, b2));
      }
    }
    for (; x < dw; x++) {
      const ix = <usize>x << 2;
      const a = <usize>load<i32>(xa + ix), b = <usize>load<i32>(xb + ix), wx = load<f64>(xw + (<usize>x << 3));
      for (let c: usize = 0; c < 3; c++) {
        const kc = c == 0 ? k0 : c == 1 ? k1 : k2, bc = c == 0 ? b0 : c == 1 ? b1 : b2;
        const t0 = <f64>load<u8>(r0 + a + c), t1 = <f64>load<u8>(r0 + b + c);
        const top = t0 + (t1 - t0) * wx;
        let v: f64;
        if (wy == 0) v = top * kc + bc;
        else {
          const u0 = <f64>load<u8>(r1 + a + c), u1 = <f64>load<u8>(r1 + b + c);
          const bot = u0 + (u1 - u0) * wx;
          v = (top + (bot - top) * wy) * kc + bc;
        }
        store<f32>(o + c * plane + ix, <f32>v);
      }
    }
  }
}

/** The four pixels' bytes at p0..p3, one 32-bit word a lane (R, G, B and the next pixel's R). */
// @ts-ignore: decorator
@inline function words(p0: usize, p1: usize, p2: usize, p3: usize): v128 {
  let v = v128.load32_zero(p0);
  v = v128.load32_lane(p1, v, 1);
  v = v128.load32_lane(p2, v, 2);
  return v128.load32_lane(p3, v, 3);
}

/** Channel c of each lane's pixel as an i32 (0..255). */
// @ts-ignore: decorator
@inline function channel(v: v128, c: i32): v128 {
  const m = c == 0 ? i32x4.splat(0xff) : c == 1 ? i32x4.splat(0xff00) : i32x4.splat(0xff0000);
  return i32x4.shr_u(v128.and(v, m), <u32>(8 * c));
}

/** The two halves of four i32 lanes as f64x2s: lanes 0, 1 and 2, 3. */
// @ts-ignore: decorator
@inline function lowF(v: v128): v128 {
  return f64x2.convert_low_i32x4_s(v);
}
// @ts-ignore: decorator
@inline function highF(v: v128): v128 {
  return f64x2.convert_low_i32x4_s(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}

/** t0 + (t1 - t0) * wx for the four lanes' channel c, in two f64x2s: returned low, `lerpHigh` the high. */
let lerpHigh: v128 = i32x4.splat(0);
// @ts-ignore: decorator
@inline function lerp(A: v128, B: v128, c: i32, wl: v128, wh: v128): v128 {
  const t0 = channel(A, c), d = i32x4.sub(channel(B, c), t0);
  lerpHigh = f64x2.add(highF(t0), f64x2.mul(highF(d), wh));
  return f64x2.add(lowF(t0), f64x2.mul(lowF(d), wl));
}

// @ts-ignore: decorator
@inline function row(A: v128, B: v128, c: i32, wl: v128, wh: v128, k: f64, b: f64): v128 {
  const K = f64x2.splat(k), Bb = f64x2.splat(b);
  const lo = lerp(A, B, c, wl, wh), hi = lerpHigh;
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(lo, K), Bb)), f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(hi, K), Bb)), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function rows(A: v128, B: v128, C: v128, D: v128, c: i32, wl: v128, wh: v128, wy: f64, k: f64, b: f64): v128 {
  const K = f64x2.splat(k), Bb = f64x2.splat(b), WY = f64x2.splat(wy);
  const tl = lerp(A, B, c, wl, wh), th = lerpHigh;
  const ul = lerp(C, D, c, wl, wh), uh = lerpHigh;
  const lo = f64x2.add(f64x2.mul(f64x2.add(tl, f64x2.mul(f64x2.sub(ul, tl), WY)), K), Bb);
  const hi = f64x2.add(f64x2.mul(f64x2.add(th, f64x2.mul(f64x2.sub(uh, th), WY)), K), Bb);
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}
