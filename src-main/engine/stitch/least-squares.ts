/**
 * Scale s and shift t minimising sum (s*pred + t - ref)^2 over all pixels of the given map pairs
 * (Video-Depth-Anything's compute_scale_and_shift with an all-true mask). Sums in float64: a window
 * holds millions of samples and float32 sums would drift.
 */
export function fitScaleShift(preds: Float32Array[], refs: Float32Array[]): { scale: number; shift: number } {
  let a00 = 0;
  let a01 = 0;
  let a11 = 0;
  let b0 = 0;
  let b1 = 0;
  for (let k = 0; k < preds.length; k++) {
    const p = preds[k];
    const r = refs[k];
    for (let i = 0; i < p.length; i++) {
      const x = p[i];
      const y = r[i];
      a00 += x * x;
      a01 += x;
      b0 += x * y;
      b1 += y;
    }
    a11 += p.length;
  }
  const det = a00 * a11 - a01 * a01;
  // A constant prediction carries no scale information; the reference's own code would zero the
  // window here, which destroys it. Keep the window as predicted instead.
  if (!(det > 1e-12 * a11 * a11)) return { scale: 1, shift: 0 };
  return { scale: (a11 * b0 - a01 * b1) / det, shift: (-a01 * b0 + a00 * b1) / det };
}

/** s*x + t, clamped at 0 (disparity cannot be negative). */
export function applyScaleShift(src: Float32Array, scale: number, shift: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] * scale + shift;
    out[i] = v > 0 ? v : 0;
  }
  return out;
}
