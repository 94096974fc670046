/**
 * Refocus's per-pixel work (../refocus.ts documents the layered gather; glsl/refocus.glsl is its twin).
 * refocusPrep packs what a gather sample reads into one 16-byte record per pixel (distance, coc, highlight
 * weight as f32, then r, g, b), so a sample touches one cache line instead of four arrays: the gather reads
 * 48 scattered samples per pixel and was bound by those loads.
 */

/** Per pixel: coc = min(maxBlur, aperture |s - focus|) / 100 * H and the highlight weight (refocus.ts). */
export function refocusPrep(
  rgb: usize, dist: usize, n: i32, focus: f64, aperture: f64, maxBlur: f64, H: f64, gain: f64, thr: f64, rec: usize,
): void {
  const span = max(1e-3, 1 - thr);
  for (let i = 0; i < n; i++) {
    const s = <f64>load<f32>(dist + (<usize>i << 2));
    const o = rgb + <usize>i * 3;
    const r = load<u8>(o), g = load<u8>(o + 1), b = load<u8>(o + 2);
    const l = (0.299 * <f64>r + 0.587 * <f64>g + 0.114 * <f64>b) / 255.0;
    const d = rec + (<usize>i << 4);
    store<f32>(d, <f32>s);
    store<f32>(d + 4, <f32>((min(maxBlur, aperture * abs(s - focus)) / 100) * H));
    store<f32>(d + 8, <f32>(l > thr ? 1 + (gain * (l - thr)) / span : 1));
    store<u8>(d + 12, r);
    store<u8>(d + 13, g);
    store<u8>(d + 14, b);
  }
}

/**
 * The layered gather over the packed records. search: per low-res sample; lowCol/lowRow: each output
 * column's low-res column, each row's low-res row offset; pattern: x, y, r per sample.
 */
export function refocusGather(
  rec: usize, search: usize, lowCol: usize, lowRow: usize, pattern: usize,
  nSamples: i32, W: i32, H: i32, thr: f64, minCoc: f64, fgEps: f64, out: usize,
): void {
  const W1 = W - 1, H1 = H - 1;
  for (let y = 0; y < H; y++) {
    const lr = load<i32>(lowRow + (<usize>y << 2));
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const o = out + <usize>i * 3;
      const p = rec + (<usize>i << 4);
      const c = <f64>load<f32>(p + 4);
      const R = max(<f64>load<f32>(search + (<usize>(lr + load<i32>(lowCol + (<usize>x << 2))) << 2)), c);
      if (R < minCoc) {
        store<u8>(o, load<u8>(p + 12));
        store<u8>(o + 1, load<u8>(p + 13));
        store<u8>(o + 2, load<u8>(p + 14));
        continue;
      }
      const sp = <f64>load<f32>(p);
      const cb = c + thr;
      const w0 = <f64>load<f32>(p + 8);
      let br = w0 * <f64>load<u8>(p + 12), bg = w0 * <f64>load<u8>(p + 13), bb = w0 * <f64>load<u8>(p + 14), bw = w0;
      let fr: f64 = 0, fg: f64 = 0, fb: f64 = 0, fw: f64 = 0, alpha: f64 = 0;
      const area = (R * R) / <f64>nSamples;
      const fx = <f64>x + 0.5, fy = <f64>y + 0.5;
      const fgLimit = sp - fgEps;
      for (let k = 0; k < nSamples; k++) {
        const pk = pattern + <usize>(k * 12);
        // Truncation is floor here: a negative coordinate is clamped to 0 either way.
        let qx = <i32>(fx + R * <f64>load<f32>(pk));
        let qy = <i32>(fy + R * <f64>load<f32>(pk + 4));
        qx = qx < 0 ? 0 : qx > W1 ? W1 : qx;
        qy = qy < 0 ? 0 : qy > H1 ? H1 : qy;
        const q = rec + (<usize>(qy * W + qx) << 4);
        const cq = <f64>load<f32>(q + 4);
        const r = R * <f64>load<f32>(pk + 8);
        if (<f64>load<f32>(q) < fgLimit) {
          let cov = cq - r;
          if (cov <= 0) continue;
          if (cov > 1) cov = 1;
          const a = (cov * area) / max(cq * cq, 0.25);
          alpha += a;
          const w = a * <f64>load<f32>(q + 8);
          fr += w * <f64>load<u8>(q + 12);
          fg += w * <f64>load<u8>(q + 13);
          fb += w * <f64>load<u8>(q + 14);
          fw += w;
        } else {
          let cov = (cq < cb ? cq : cb) - r + 0.5;
          if (cov <= 0) continue;
          if (cov > 1) cov = 1;
          const w = cov * <f64>load<f32>(q + 8);
          br += w * <f64>load<u8>(q + 12);
          bg += w * <f64>load<u8>(q + 13);
          bb += w * <f64>load<u8>(q + 14);
          bw += w;
        }
      }
      const al = fw > 0 ? (alpha < 1 ? alpha : 1) : 0;
      const vr = (br / bw) * (1 - al) + (fw > 0 ? (fr / fw) * al : 0);
      const vg = (bg / bw) * (1 - al) + (fw > 0 ? (fg / fw) * al : 0);
      const vb = (bb / bw) * (1 - al) + (fw > 0 ? (fb / fw) * al : 0);
      store<u8>(o, <u8><i32>(vr + 0.5));
      store<u8>(o + 1, <u8><i32>(vg + 0.5));
      store<u8>(o + 2, <u8><i32>(vb + 0.5));
    }
  }
}
