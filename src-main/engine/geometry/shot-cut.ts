/**
 * Scene-cut detection from colour histograms: a hard cut changes the colour distribution at once,
 * while camera motion changes it gradually. Hellinger distance of joint RGB histograms (4 bits/channel
 * would be too sparse at analysis size; 3 bits gives 512 bins).
 */
export function colorHistogram(rgb: Uint8Array): Float32Array {
  counts.fill(0);
  const n = rgb.length / 3;
  // Counted as integers (a float32 count is exact to 2^24 pixels, so the fractions are the same bits), then
  // divided once: an integer increment costs less than a float32 one, for every pixel of every frame.
  countBins(rgb);
  const h = new Float32Array(512);
  for (let i = 0; i < 512; i++) h[i] = counts[i] / n;
  return h;
}
const counts = new Int32Array(512);

/**
 * The per-pixel loop in a function of its own. V8 compiles a long loop on-stack during its first call,
 * before the code after it has run; that code had no type feedback, so the compiled code was thrown away
 * on reaching it, and V8 entered the same on-stack code again at every later call (a deopt every frame).
 * It reads `counts` itself: the module's array, a constant to the compiler, costs less than a parameter.
 */
function countBins(rgb: Uint8Array): void {
  const c = counts, len = rgb.length;
  // The same pixels as i < rgb.length / 3 with o = 3i, whatever the length.
  for (let o = 0; o < len; o += 3) c[((rgb[o] >> 5) << 6) | ((rgb[o + 1] >> 5) << 3) | (rgb[o + 2] >> 5)]++;
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
