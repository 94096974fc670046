/**
 * Scene-cut detection from colour histograms: a hard cut changes the colour distribution at once,
 * while camera motion changes it gradually. Hellinger distance of joint RGB histograms (4 bits/channel
 * would be too sparse at analysis size; 3 bits gives 512 bins).
 */
export function colorHistogram(rgb: Uint8Array): Float32Array {
  const h = new Float32Array(512);
  const n = rgb.length / 3;
  for (let i = 0; i < n; i++) h[((rgb[i * 3] >> 5) << 6) | ((rgb[i * 3 + 1] >> 5) << 3) | (rgb[i * 3 + 2] >> 5)]++;
  for (let i = 0; i < 512; i++) h[i] /= n;
  return h;
}

export function histogramDistance(a: Float32Array, b: Float32Array): number {
  let bc = 0;
  for (let i = 0; i < a.length; i++) bc += Math.sqrt(a[i] * b[i]);
  return Math.sqrt(Math.max(0, 1 - bc));
}

/** Keeps recent distances so a cut must stand out from the clip's own frame-to-frame change. */
export function createCutDetector(o: { absolute?: number; relative?: number } = {}) {
  const abs = o.absolute ?? 0.5;
  const rel = o.relative ?? 5;
  const recent: number[] = [];
  let prev: Float32Array | null = null;
  return {
    /** True when this frame starts a new shot. */
    push(hist: Float32Array): { cut: boolean; distance: number } {
      if (!prev) { prev = hist; return { cut: false, distance: 0 }; }
      const d = histogramDistance(prev, hist);
      prev = hist;
      const base = recent.length ? recent.slice().sort((x, y) => x - y)[recent.length >> 1] : 0;
      const cut = d > abs || (d > 0.25 && d > rel * Math.max(base, 0.02));
      if (cut) recent.length = 0;
      else { recent.push(d); if (recent.length > 15) recent.shift(); }
      return { cut, distance: d };
    },
  };
}
