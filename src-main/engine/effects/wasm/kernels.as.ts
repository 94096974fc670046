/**
 * Export's two hottest loops in AssemblyScript (compiled to WebAssembly by `npm run build:wasm`, embedded
 * in ../wasm-binary.ts). Why: V8's typed-array code for these pixel loops spent ~24 ms a 720p frame,
 * half of export's own CPU; the same loops in WebAssembly take half that, bit for bit the same values
 * (f64 arithmetic, f32 storage, and every table built by the caller in JavaScript, as before).
 * Pointers are byte offsets into this module's memory; ../wasm-kernels.ts lays the buffers out.
 */

/** Joint bilateral upsampling: the algorithm and its tables are documented in ../upsample.ts. */
export function upsample(
  low: usize, lw: i32, guide: usize, W: i32, H: i32, flatEps: f64, out: usize,
  colIdx: usize, colW: usize, rowIdx: usize, rowW: usize, nx0: usize, runs: usize, nRuns: i32,
  g: usize, lut: usize, shift: i32,
): void {
  for (let Y = 0; Y < H; Y++) {
    const j0 = load<i32>(rowIdx + (<usize>(Y * 2) << 2)) * lw;
    const j1 = load<i32>(rowIdx + (<usize>(Y * 2 + 1) << 2)) * lw;
    const wy0 = <f64>load<f32>(rowW + (<usize>(Y * 2) << 2));
    const wy1 = <f64>load<f32>(rowW + (<usize>(Y * 2 + 1) << 2));
    const ny0 = wy0 / (wy0 + wy1), ny1 = 1 - ny0;
    const nearTop = wy0 >= wy1;
    const rowOut = Y * W;
    for (let r = 0; r < nRuns; r++) {
      const X0 = load<i32>(runs + (<usize>r << 2)), X1 = load<i32>(runs + (<usize>(r + 1) << 2));
      const i0 = load<i32>(colIdx + (<usize>(X0 * 2) << 2)), i1 = load<i32>(colIdx + (<usize>(X0 * 2 + 1) << 2));
      const d00 = <f64>load<f32>(low + (<usize>(j0 + i0) << 2)), d01 = <f64>load<f32>(low + (<usize>(j0 + i1) << 2));
      const d10 = <f64>load<f32>(low + (<usize>(j1 + i0) << 2)), d11 = <f64>load<f32>(low + (<usize>(j1 + i1) << 2));
      const lo = min(min(d00, d01), min(d10, d11)), hi = max(max(d00, d01), max(d10, d11));
      const left = ny0 * d00 + ny1 * d10, right = ny0 * d01 + ny1 * d11;
      if (hi - lo < flatEps) {
        for (let X = X0; X < X1; X++) {
          store<f32>(out + (<usize>(rowOut + X) << 2), <f32>(right + <f64>load<f32>(nx0 + (<usize>X << 2)) * (left - right)));
        }
        continue;
      }
      let q = <usize>(j0 + i0) * 12;
      const r00 = load<i32>(g + q), g00 = load<i32>(g + q + 4), b00 = load<i32>(g + q + 8);
      q = <usize>(j0 + i1) * 12;
      const r01 = load<i32>(g + q), g01 = load<i32>(g + q + 4), b01 = load<i32>(g + q + 8);
      q = <usize>(j1 + i0) * 12;
      const r10 = load<i32>(g + q), g10 = load<i32>(g + q + 4), b10 = load<i32>(g + q + 8);
      q = <usize>(j1 + i1) * 12;
      const r11 = load<i32>(g + q), g11 = load<i32>(g + q + 4), b11 = load<i32>(g + q + 8);
      let p = guide + <usize>(rowOut + X0) * 3;
      for (let X = X0; X < X1; X++, p += 3) {
        const wx0 = <f64>load<f32>(colW + (<usize>(X * 2) << 2)), wx1 = <f64>load<f32>(colW + (<usize>(X * 2 + 1) << 2));
        const r0 = <i32>load<u8>(p), g0 = <i32>load<u8>(p + 1), b0 = <i32>load<u8>(p + 2);
        let dr = r0 - r00, dg = g0 - g00, db = b0 - b00;
        const w00 = wx0 * wy0 * <f64>load<f32>(lut + (<usize>((dr * dr + dg * dg + db * db) >> shift) << 2));
        dr = r0 - r01; dg = g0 - g01; db = b0 - b01;
        const w01 = wx1 * wy0 * <f64>load<f32>(lut + (<usize>((dr * dr + dg * dg + db * db) >> shift) << 2));
        dr = r0 - r10; dg = g0 - g10; db = b0 - b10;
        const w10 = wx0 * wy1 * <f64>load<f32>(lut + (<usize>((dr * dr + dg * dg + db * db) >> shift) << 2));
        dr = r0 - r11; dg = g0 - g11; db = b0 - b11;
        const w11 = wx1 * wy1 * <f64>load<f32>(lut + (<usize>((dr * dr + dg * dg + db * db) >> shift) << 2));
        const sw = w00 + w01 + w10 + w11;
        let v: f64;
        if (sw > 1e-10) v = (w00 * d00 + w01 * d01 + w10 * d10 + w11 * d11) / sw;
        else if (nearTop) v = wx1 > wx0 ? d01 : d00;
        else v = wx1 > wx0 ? d11 : d10;
        store<f32>(out + (<usize>(rowOut + X) << 2), <f32>v);
      }
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
