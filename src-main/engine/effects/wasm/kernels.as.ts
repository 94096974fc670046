/**
 * Export's hottest loops in AssemblyScript (compiled to WebAssembly by `npm run build:wasm`, embedded
 * in ../wasm-binary.ts). Why: V8's typed-array code for these pixel loops spent ~24 ms a 720p frame,
 * half of export's own CPU; the same loops in WebAssembly take half that, bit for bit the same values
 * (f64 arithmetic, f32 storage, and every table built by the caller in JavaScript, as before).
 * Pointers are byte offsets into this module's memory; ../wasm-kernels.ts lays the buffers out.
 */

/**
 * The full-resolution half of the fast guided filter (../guided-filter.ts): A and B (interleaved per low-res
 * sample) interpolated by the cubic B-spline, rows first into `tmp` (lh x W pairs), then down the columns;
 * out = A * luma + B with luma = (0.299 r + 0.587 g + 0.114 b) / 255, clamped to lo..hi (the low-res map's
 * extent: the linear model may overshoot at an edge, never past the depths it was fitted to).
 */
export function guidedApply(
  coef: usize, lw: i32, lh: i32, guide: usize, W: i32, H: i32, out: usize,
  colIdx: usize, colW: usize, rowIdx: usize, rowW: usize, tmp: usize, lo: f64, hi: f64,
): void {
  for (let j = 0; j < lh; j++) {
    const row = coef + (<usize>(j * lw) << 3);
    for (let X = 0; X < W; X++) {
      let a: f64 = 0, b: f64 = 0;
      for (let t = 0; t < 4; t++) {
        const k = <usize>(X * 4 + t) << 2;
        const w = <f64>load<f32>(colW + k);
        const c = row + (<usize>load<i32>(colIdx + k) << 3);
        a += w * <f64>load<f32>(c);
        b += w * <f64>load<f32>(c + 4);
      }
      const d = tmp + (<usize>(j * W + X) << 3);
      store<f32>(d, <f32>a);
      store<f32>(d + 4, <f32>b);
    }
  }
  for (let Y = 0; Y < H; Y++) {
    const k = <usize>(Y * 4) << 2;
    const r0 = tmp + (<usize>(load<i32>(rowIdx + k) * W) << 3), w0 = <f64>load<f32>(rowW + k);
    const r1 = tmp + (<usize>(load<i32>(rowIdx + k + 4) * W) << 3), w1 = <f64>load<f32>(rowW + k + 4);
    const r2 = tmp + (<usize>(load<i32>(rowIdx + k + 8) * W) << 3), w2 = <f64>load<f32>(rowW + k + 8);
    const r3 = tmp + (<usize>(load<i32>(rowIdx + k + 12) * W) << 3), w3 = <f64>load<f32>(rowW + k + 12);
    let p = guide + <usize>(Y * W) * 3;
    let o = out + (<usize>(Y * W) << 2);
    for (let X = 0; X < W; X++, p += 3, o += 4) {
      const x = <usize>X << 3;
      const a = w0 * <f64>load<f32>(r0 + x) + w1 * <f64>load<f32>(r1 + x) + w2 * <f64>load<f32>(r2 + x) + w3 * <f64>load<f32>(r3 + x);
      const b = w0 * <f64>load<f32>(r0 + x + 4) + w1 * <f64>load<f32>(r1 + x + 4) + w2 * <f64>load<f32>(r2 + x + 4) + w3 * <f64>load<f32>(r3 + x + 4);
      const l = (0.299 * <f64>load<u8>(p) + 0.587 * <f64>load<u8>(p + 1) + 0.114 * <f64>load<u8>(p + 2)) / 255.0;
      store<f32>(o, <f32>min(hi, max(lo, a * l + b)));
    }
  }
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
export { refocusPrep, refocusHalve, refocusCompose, refocusGrainNeed } from './refocus.as';
export { grainPlane } from './grain-plane.as';
export { grainAt, grainR, grainG, grainB } from './grain.as';
