/** The frame whose presentation timestamp is nearest `t` seconds (timestamps sorted, as probe gives them). */
export function nearestFrame(timestamps: readonly number[], t: number): number {
  let lo = 0;
  let hi = timestamps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timestamps[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && t - timestamps[lo - 1] < timestamps[lo] - t ? lo - 1 : lo;
}
