/**
 * Where the subject is, for defaults that work on the first try (refocus focuses on it, fog starts behind
 * it): the nearest large region near the centre of the picture, as a low percentile of the normalised
 * distance over the central box (the subject usually fills part of it, and a low percentile picks it
 * over the background while ignoring a few stray near pixels). Browser-safe; export and preview call it
 * on the same low-res distance, so they agree.
 */
export const SUBJECT_PERCENTILE = 0.2;
/** The central box: this fraction of the width and height. */
export const SUBJECT_BOX = 0.6;

export function subjectDistance(dist: Float32Array, w: number, h: number): number {
  const x0 = Math.floor((w * (1 - SUBJECT_BOX)) / 2), x1 = Math.max(x0 + 1, Math.ceil((w * (1 + SUBJECT_BOX)) / 2));
  const y0 = Math.floor((h * (1 - SUBJECT_BOX)) / 2), y1 = Math.max(y0 + 1, Math.ceil((h * (1 + SUBJECT_BOX)) / 2));
  // A typed array sorts natively (a comparator sort of ~30k numbers cost milliseconds a frame); the same value is picked.
  const v = new Float32Array(Math.max(0, (Math.min(w, x1) - x0) * (Math.min(h, y1) - y0)));
  let m = 0;
  for (let y = y0; y < Math.min(h, y1); y++) for (let x = x0; x < Math.min(w, x1); x++) if (dist[y * w + x] === dist[y * w + x]) v[m++] = dist[y * w + x];
  if (!m) return 0;
  const sorted = v.subarray(0, m).sort();
  return sorted[Math.min(m - 1, Math.floor(m * SUBJECT_PERCENTILE))];
}
