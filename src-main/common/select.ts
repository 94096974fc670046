/** Order statistics without sorting (browser-safe: the preview's subject distance and the engine's geometry use them). */

/** The k-th smallest of v[0..n) (Hoare's quickselect; reorders v). */
export function selectKth(v: Float32Array, n: number, k: number): number {
  return selectIn(v, 0, n - 1, k);
}

/**
 * Puts at v[k] the value a sort of v[lo..hi] would put there, smaller-or-equal values before it and
 * greater-or-equal after (within lo..hi), and returns it.
 */
export function selectIn(v: Float32Array, lo: number, hi: number, k: number): number {
  while (hi > lo) {
    const pivot = v[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) { const t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return v[k];
}
