/**
 * Export's hottest loops in AssemblyScript (compiled to WebAssembly by `npm run build:wasm`, embedded
 * in ../wasm-binary.ts). Why: V8's typed-array code for these pixel loops spent ~24 ms a 720p frame,
 * half of export's own CPU; the same loops in WebAssembly take half that (every table built by the
 * caller in JavaScript, as before; the guided filter's full-resolution pass in f32 SIMD, as its shader).
 * Pointers are byte offsets into this module's memory; ../wasm-kernels.ts lays the buffers out.
 */

/**
 * The full-resolution half of the fast guided filter (../guided-filter.ts): A and B (interleaved per low-res
 * sample) interpolated by the cubic B-spline, rows first into `tmp` (lh x W of A, then lh x W of B), then
 * down the columns; out = A * luma + B with luma = (0.299 r + 0.587 g + 0.114 b) / 255, clamped to lo..hi
 * (the low-res map's extent: the linear model may overshoot at an edge, never past the depths it was
 * fitted to). In f32 as the shader does (glsl/upsample.glsl); the column pass four pixels at a time.
 */
export function guidedApply(
  coef: usize, lw: i32, lh: i32, guide: usize, W: i32, H: i32, out: usize,
  colIdx: usize, colW: usize, rowIdx: usize, rowW: usize, tmp: usize, lo: f64, hi: f64,
): void {
  const plane = <usize>(lh * W) << 2;
  for (let j = 0; j < lh; j++) {
    const row = coef + (<usize>(j * lw) << 3);
    for (let X = 0; X < W; X++) {
      // (a, b) of the four taps in lanes 0 and 1.
      let ab = f32x4.splat(0);
      for (let t = 0; t < 4; t++) {
        const k = <usize>(X * 4 + t) << 2;
        ab = f32x4.add(ab, f32x4.mul(f32x4.splat(load<f32>(colW + k)), v128.load64_zero(row + (<usize>load<i32>(colIdx + k) << 3))));
      }
      const d = tmp + (<usize>(j * W + X) << 2);
      store<f32>(d, f32x4.extract_lane(ab, 0));
      store<f32>(d + plane, f32x4.extract_lane(ab, 1));
    }
  }
  const loV = f32x4.splat(<f32>lo), hiV = f32x4.splat(<f32>hi);
  const kr = f32x4.splat(<f32>(0.299 / 255.0)), kg = f32x4.splat(<f32>(0.587 / 255.0)), kb = f32x4.splat(<f32>(0.114 / 255.0));
  const W4 = W & ~3;
  for (let Y = 0; Y < H; Y++) {
    const k = <usize>(Y * 4) << 2;
    const r0 = tmp + (<usize>(load<i32>(rowIdx + k) * W) << 2), w0 = f32x4.splat(load<f32>(rowW + k));
    const r1 = tmp + (<usize>(load<i32>(rowIdx + k + 4) * W) << 2), w1 = f32x4.splat(load<f32>(rowW + k + 4));
    const r2 = tmp + (<usize>(load<i32>(rowIdx + k + 8) * W) << 2), w2 = f32x4.splat(load<f32>(rowW + k + 8));
    const r3 = tmp + (<usize>(load<i32>(rowIdx + k + 12) * W) << 2), w3 = f32x4.splat(load<f32>(rowW + k + 12));
    const p = guide + <usize>(Y * W) * 3;
    const o = out + (<usize>(Y * W) << 2);
    for (let X = 0; X < W; ) {
      const x = <usize>X << 2;
      const single = X >= W4;
      const a = taps4(r0 + x, r1 + x, r2 + x, r3 + x, w0, w1, w2, w3, single);
      const b = taps4(r0 + x + plane, r1 + x + plane, r2 + x + plane, r3 + x + plane, w0, w1, w2, w3, single);
      let r: v128, g: v128, bl: v128;
      const q = p + <usize>X * 3;
      if (single) {
        r = f32x4.splat(<f32>load<u8>(q)); g = f32x4.splat(<f32>load<u8>(q + 1)); bl = f32x4.splat(<f32>load<u8>(q + 2));
      } else {
        // 16 bytes hold the 12 of four pixels (the 4 after them lie in the next slot of the memory).
        const px4 = v128.load(q);
        r = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1)));
        g = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1)));
        bl = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1)));
      }
      const l = f32x4.add(f32x4.add(f32x4.mul(kr, r), f32x4.mul(kg, g)), f32x4.mul(kb, bl));
      const v = f32x4.min(hiV, f32x4.max(loV, f32x4.add(f32x4.mul(a, l), b)));
      if (single) {
        store<f32>(o + x, f32x4.extract_lane(v, 0));
        X++;
      } else {
        v128.store(o + x, v);
        X += 4;
      }
    }
  }
}

/** w0 r0 + w1 r1 + w2 r2 + w3 r3 of four neighbouring floats (or of one, in every lane). */
@inline function taps4(r0: usize, r1: usize, r2: usize, r3: usize, w0: v128, w1: v128, w2: v128, w3: v128, single: bool): v128 {
  if (single) {
    return f32x4.add(
      f32x4.add(f32x4.mul(w0, f32x4.splat(load<f32>(r0))), f32x4.mul(w1, f32x4.splat(load<f32>(r1)))),
      f32x4.add(f32x4.mul(w2, f32x4.splat(load<f32>(r2))), f32x4.mul(w3, f32x4.splat(load<f32>(r3)))),
    );
  }
  return f32x4.add(
    f32x4.add(f32x4.mul(w0, v128.load(r0)), f32x4.mul(w1, v128.load(r1))),
    f32x4.add(f32x4.mul(w2, v128.load(r2)), f32x4.mul(w3, v128.load(r3))),
  );
}

/**
 * Fog by table (../fog.ts): amount[k] in 0..256 for k = round(dist * L) clamped to 0..L (NaN -> 0),
 * add[c * 257 + f] = round(colour_c * f) + 128; out = (rgb * (256 - f) + add) >> 8 per channel.
 */
export function fogTable(rgb: usize, dist: usize, out: usize, n: i32, amount: usize, add: usize, L: i32): void {
  const Lf = <f64>L;
  for (let i = 0; i < n; i++) {
    const kf = <f64>load<f32>(dist + (<usize>i << 2)) * Lf + 0.5;
    let k: i32 = 0;
    if (kf >= Lf) k = L;
    else if (kf > 0) k = <i32>kf;
    const f = load<i32>(amount + (<usize>k << 2));
    const g = 256 - f;
    const o = <usize>i * 3;
    store<u8>(out + o, (<i32>load<u8>(rgb + o) * g + load<i32>(add + (<usize>f << 2))) >> 8);
    store<u8>(out + o + 1, (<i32>load<u8>(rgb + o + 1) * g + load<i32>(add + (<usize>(257 + f) << 2))) >> 8);
    store<u8>(out + o + 2, (<i32>load<u8>(rgb + o + 2) * g + load<i32>(add + (<usize>(514 + f) << 2))) >> 8);
  }
}

export { guidedLow, surfaceLow } from './low-res.as';
export { relightApply } from './relight.as';
export { refocusPrep, refocusHalve, refocusCompose } from './refocus.as';
export { grainPlane } from './grain-plane.as';
export { grainAt, grainR, grainG, grainB } from './grain.as';
