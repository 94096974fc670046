/**
 * One scale for a metric model's depth along a shot. A small model's metric scale wanders with
 * what is in view (FastDepth on tartanair-hospital: about 2.5x too near over frames 40-70 against
 * 110-180). Neighbouring frames see the same surfaces, so each pair gives the ratio of their scales
 * (`link`); solving all ratios together with a weak pull toward the model's own scale removes the
 * wander without a random walk. The pull is what keeps a chain of ratios from drifting, and a frame's
 * value is only final once frames well past it have linked in: a causal chain drifted (measured:
 * worse than the model), a look-ahead of 40 frames was as good as solving the whole shot at once.
 *
 * Values are log factors on INVERSE depth: frame i's corrected inverse depth is exp(value(i)) times
 * the model's. Holds the links of the last few look-aheads only: memory does not grow with the clip.
 */
export interface ScaleSmoother {
  /** log(scale of j) - log(scale of i) = m, as measured. */
  link(i: number, j: number, m: number): void;
  /** Re-solves the frames whose value may still change, given links up to frame `newest`. */
  solve(newest: number): void;
  value(i: number): number;
  /** A new shot: its scale has nothing to do with the last one's. */
  reset(): void;
}

interface Link { other: number; m: number }

export function createScaleSmoother(o: { pull: number; lookahead: number }): ScaleSmoother {
  const x = new Map<number, number>();
  const links = new Map<number, Link[]>();
  // Frames still re-solved behind the newest, and as many again held fixed as their boundary.
  const keep = 3 * o.lookahead + 8;
  const add = (i: number, l: Link) => {
    let list = links.get(i);
    if (!list) links.set(i, (list = []));
    list.push(l);
    if (!x.has(i)) x.set(i, 0);
  };
  return {
    link(i, j, m) {
      if (!Number.isFinite(m)) return;
      add(i, { other: j, m: -m });
      add(j, { other: i, m });
    },
    solve(newest) {
      const lo = newest - keep;
      for (const i of [...x.keys()]) {
        if (i >= lo - keep) continue;
        x.delete(i);
        links.delete(i);
      }
      const live = [...x.keys()].filter((i) => i >= lo).sort((a, b) => a - b);
      if (!live.length) return;
      // The sweeps on arrays, not the maps: each frame's value at (index - base), its links that reach a
      // frame still held (the set held does not change within a solve) as (slot, m) in their order, and
      // its a = pull + 1 per such link, summed as the sweep summed it. The same operations in the same
      // order, so the same values; a map lookup per link and sweep was most of the solve's time.
      let base = live[0], top = live[live.length - 1];
      for (const i of x.keys()) { if (i < base) base = i; if (i > top) top = i; }
      const vals = new Float64Array(top - base + 1);
      for (const [i, v] of x) vals[i - base] = v;
      let nl = 0;
      for (const i of live) nl += links.get(i)?.length ?? 0;
      const start = new Int32Array(live.length + 1), as = new Float64Array(live.length);
      const slots = new Int32Array(nl), ms = new Float64Array(nl);
      for (let k = 0, j = 0; k < live.length; k++) {
        let a = o.pull;
        for (const l of links.get(live[k]) ?? []) {
          if (!x.has(l.other)) continue;
          a += 1;
          slots[j] = l.other - base;
          ms[j++] = l.m;
        }
        as[k] = a;
        start[k + 1] = j;
      }
      // Gauss-Seidel: a few sweeps a frame, warm-started from the last frame's solution.
      for (let it = 0; it < SWEEPS; it++) sweep(vals, live, base, start, slots, ms, as);
      for (const i of live) x.set(i, vals[i - base]);
    },
    value(i) {
      const v = x.get(i);
      if (v !== undefined) return v;
      // A frame with no links (lost track, no overlap) takes its neighbours' scale, not the model's: its
      // own would be a jump in the middle of the shot (tartanair-hospital frames 144 and 184: 11% and 54%).
      // Before the first frame still held (forgotten, or none linked yet) it is the model's own, 0.
      let lo = -Infinity, hi = Infinity;
      for (const k of x.keys()) {
        if (k < i && k > lo) lo = k;
        if (k > i && k < hi) hi = k;
      }
      if (lo === -Infinity) return 0;
      if (hi === Infinity) return x.get(lo)!;
      return x.get(lo)! + ((x.get(hi)! - x.get(lo)!) * (i - lo)) / (hi - lo);
    },
    reset() {
      x.clear();
      links.clear();
    },
  };
}

/** One Gauss-Seidel sweep: each live frame's value b / a, b the sum of (neighbour's value + m) over its links. */
function sweep(vals: Float64Array, live: number[], base: number, start: Int32Array, slots: Int32Array, ms: Float64Array, as: Float64Array): void {
  for (let k = 0; k < live.length; k++) {
    let b = 0;
    for (let j = start[k]; j < start[k + 1]; j++) b += vals[slots[j]] + ms[j];
    vals[live[k] - base] = b / as[k];
  }
}

/** Gauss-Seidel sweeps per solve: warm-started, a few suffice. */
const SWEEPS = 30;
