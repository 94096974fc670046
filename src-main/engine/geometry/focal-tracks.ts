import { detectCorners, trackKLT } from './features.ts';
import type { Plane } from './image.ts';
import { hypot2 } from './linalg.ts';

/**
 * A stretch of footage seen from one reference frame: its corners, their model inverse depth (any
 * units; only a weak prior) and their tracked pixels in later frames. Only corners followed to the
 * span's last frame are kept, so every view sees the same points.
 */
export interface FocalSpan {
  /** Reference pixels (tracking resolution) and the model's inverse depth under them. */
  ref: Float32Array;
  q0: Float64Array;
  /** Later frames' pixels of the same corners, in frame order; the last has the largest motion. */
  views: Float32Array[];
  /** The model's depth (not inverse; 0: unknown) under those pixels, to start each view's pose. */
  viewDepth: Float32Array[];
  /** Frame index of the reference (for the zoom check's order). */
  start: number;
}

/**
 * Follows corners from a reference frame (chained KLT) and cuts the footage into spans for the focal
 * search: a span ends when too few corners survive, the picture moved far, or it grew long. Spans
 * with too little motion to tell anything (a static stretch) are dropped. Holds one span's pixels,
 * never the frames.
 */
export function createFocalTracks() {
  const spans: FocalSpan[] = [];
  let prev: Plane[] | null = null;
  let ref: { pix: Float32Array; q: Float64Array; start: number } | null = null;
  let pos: Float32Array = new Float32Array(0);
  let alive: Uint8Array = new Uint8Array(0);
  let views: Float32Array[] = [];
  let depths: Float32Array[] = [];

  function close() {
    if (ref && views.length) {
      const ids: number[] = [];
      for (let i = 0; i < alive.length; i++) if (alive[i]) ids.push(i);
      const last = views[views.length - 1];
      const moved = ids.map((i) => hypot2(last[2 * i] - ref!.pix[2 * i], last[2 * i + 1] - ref!.pix[2 * i + 1])).sort((a, b) => a - b);
      if (ids.length >= MIN_TRACKS && moved[moved.length >> 1] >= MIN_FLOW_PX) {
        // Evenly thinned: the search's cost is per corner, and a few hundred pin one number down.
        const stride = Math.ceil(ids.length / MAX_CORNERS);
        for (let k = ids.length - 1; k >= 0; k--) if (k % stride) ids.splice(k, 1);
        const pick = (a: ArrayLike<number>) => Float32Array.from(ids.flatMap((i) => [a[2 * i], a[2 * i + 1]]));
        // A few views spread over the span: more add little but time.
        const chosen = [...new Set(Array.from({ length: VIEWS }, (_v, k) => Math.round(((views.length - 1) * (k + 1)) / VIEWS)))];
        spans.push({
          ref: pick(ref.pix), q0: Float64Array.from(ids.map((i) => ref!.q[i])), start: ref.start,
          views: chosen.map((k) => pick(views[k])), viewDepth: chosen.map((k) => Float32Array.from(ids.map((i) => depths[k][i]))),
        });
      }
    }
    ref = null;
    views = [];
    depths = [];
  }

  function open(pyr: Plane[], inv: (x: number, y: number) => number, index: number) {
    const pts = detectCorners(pyr[0], 12);
    const pix: number[] = [], q: number[] = [];
    for (let i = 0; i < pts.length / 2; i++) {
      const r = inv(pts[2 * i], pts[2 * i + 1]);
      if (!(r > 0)) continue;
      pix.push(pts[2 * i], pts[2 * i + 1]);
      q.push(r);
    }
    ref = { pix: Float32Array.from(pix), q: Float64Array.from(q), start: index };
    pos = ref.pix.slice();
    alive = new Uint8Array(q.length).fill(1);
  }

  return {
    spans,
    /** `inv(x, y)`: the model's inverse depth at a tracking pixel (0: unknown). */
    push(pyr: Plane[], inv: (x: number, y: number) => number, index: number) {
      if (ref) {
        const ids: number[] = [];
        for (let i = 0; i < alive.length; i++) if (alive[i]) ids.push(i);
        // Loops, not closures made per frame (flatMap's, forEach's, the sort's, from's): V8 holds a closure's
        // optimised code weakly, so a collection dropped it and the next frame's was compiled again.
        const from = new Float32Array(2 * ids.length);
        for (let j = 0; j < ids.length; j++) { from[2 * j] = pos[2 * ids[j]]; from[2 * j + 1] = pos[2 * ids[j] + 1]; }
        const tr = trackKLT(prev!, pyr, from, 7, 1.0);
        for (let j = 0; j < ids.length; j++) {
          const id = ids[j];
          if (!tr.ok[j]) { alive[id] = 0; continue; }
          pos[2 * id] = tr.pts[2 * j]; pos[2 * id + 1] = tr.pts[2 * j + 1];
        }
        let n = 0;
        const flows: number[] = [];
        for (let i = 0; i < alive.length; i++) {
          if (!alive[i]) continue;
          n++;
          flows.push(hypot2(pos[2 * i] - ref.pix[2 * i], pos[2 * i + 1] - ref.pix[2 * i + 1]));
        }
        flows.sort(ascending);
        // Lost (a cut, a blur): the span ends at the frame before.
        if (n < MIN_TRACKS || n < KEEP * alive.length) { close(); }
        else {
          views.push(pos.slice());
          const depth = new Float32Array(alive.length);
          for (let i = 0; i < alive.length; i++) { const r = alive[i] ? inv(pos[2 * i], pos[2 * i + 1]) : 0; depth[i] = r > 0 ? 1 / r : 0; }
          depths.push(depth);
          if (flows[flows.length >> 1] > MAX_FLOW * pyr[0].width || views.length >= MAX_SPAN) close();
        }
      }
      if (!ref) open(pyr, inv, index);
      prev = pyr;
    },
    finish() { close(); },
  };
}

/** Fewest corners a span keeps, and the fraction of its corners that must survive. */
const MIN_TRACKS = 30;
const KEEP = 0.35;
/** Median corner motion (tracking pixels) below which a span tells nothing about the focal length. */
const MIN_FLOW_PX = 2;
/** A span ends when its median corner moved this fraction of the width, or after this many frames. */
const MAX_FLOW = 0.08;
const MAX_SPAN = 12;
/** Most corners a span keeps for the search. */
const MAX_CORNERS = 150;
/** Views per span. */
const VIEWS = 4;

function ascending(a: number, b: number): number {
  return a - b;
}
