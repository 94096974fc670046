import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { boxFilter, type Plane } from './image.ts';

/** 5x5 census transform (24 bits): robust to the exposure and white-balance changes of real footage. */
export function census5(p: Plane): Int32Array {
  const w = p.width, h = p.height, d = p.data;
  const out = new Int32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const c = d[y * w + x];
      let bits = 0;
      for (let dy = -2; dy <= 2; dy++) {
        const yy = Math.min(h - 1, Math.max(0, y + dy)) * w;
        for (let dx = -2; dx <= 2; dx++) {
          if (!dx && !dy) continue;
          bits = (bits << 1) | (d[yy + Math.min(w - 1, Math.max(0, x + dx))] < c ? 1 : 0);
        }
      }
      out[y * w + x] = bits;
    }
  return out;
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export interface MvsSource {
  census: Int32Array;
  /** Reference camera -> source camera. */
  T: Mat4;
}

export interface MvsResult {
  /** Inverse depth per pixel (0 = none). */
  inv: Float32Array;
  /** 0..1: how distinct the winning hypothesis is (uniqueness of the aggregated cost minimum). */
  conf: Float32Array;
}

/**
 * Plane sweep over inverse depth with a census cost, occlusion-robust multi-view combination (mean
 * of the two best sources: a pixel hidden in one view is still matched in another), 3x3 aggregation
 * and 4-path semi-global regularisation, then sub-label refinement. The SGM smoothness is what keeps
 * textureless and repetitive areas from the outliers of winner-take-all.
 */
export function planeSweep(
  ref: Plane,
  refCensus: Int32Array,
  sources: MvsSource[],
  K: Intrinsics,
  range: { min: number; max: number; labels: number },
  o: { P1?: number; P2?: number; prior?: MvsPrior } = {},
): MvsResult {
  const w = ref.width, h = ref.height, N = w * h, D = range.labels;
  const rho = new Float32Array(D);
  for (let d = 0; d < D; d++) rho[d] = range.min + ((range.max - range.min) * d) / (D - 1);
  const cost = new Float32Array(D * N); // layout [pixel][label] so SGM reads contiguous label vectors
  const S = sources.length;
  // Per-source matching costs first (tight loops), then the occlusion-robust combination.
  const per = new Uint8Array(S * D * N).fill(255);
  for (let s = 0; s < S; s++) {
    const m = homographyTerms(sources[s].T, K);
    const src = sources[s].census;
    const base = s * D * N;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = y * w + x, cr = refCensus[p];
        // a = K R K^-1 p, b = K t: the source pixel of hypothesis rho is (a + rho b) dehomogenised.
        const ax = m[0] * x + m[1] * y + m[2], ay = m[3] * x + m[4] * y + m[5], az = m[6] * x + m[7] * y + m[8];
        const o = base + p * D;
        for (let d = 0; d < D; d++) {
          const r = rho[d];
          const hz = az + r * m[11];
          if (hz <= 1e-9) continue;
          const u = (ax + r * m[9]) / hz + 0.5, v = (ay + r * m[10]) / hz + 0.5;
          if (u < 0 || v < 0 || u >= w || v >= h) continue;
          per[o + d] = popcount(cr ^ src[(v | 0) * w + (u | 0)]);
        }
      }
  }
  for (let i = 0; i < D * N; i++) {
    let b1 = 255, b2 = 255, nv = 0;
    for (let s = 0; s < S; s++) {
      const v = per[s * D * N + i];
      if (v === 255) continue;
      nv++;
      if (v < b1) { b2 = b1; b1 = v; } else if (v < b2) b2 = v;
    }
    cost[i] = nv === 0 ? 10 : nv === 1 ? b1 + 1 : (b1 + b2) / 2;
  }
  aggregateBox(cost, w, h, D);
  if (o.prior) addPrior(cost, rho, o.prior, N, D);
  const agg = sgm(cost, ref, D, o.P1 ?? 1.2, o.P2 ?? 8);
  const inv = new Float32Array(N), conf = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    const o0 = p * D;
    let best = 0, bv = Infinity;
    for (let d = 0; d < D; d++) if (agg[o0 + d] < bv) { bv = agg[o0 + d]; best = d; }
    let second = Infinity;
    for (let d = 0; d < D; d++) if (Math.abs(d - best) > 2 && agg[o0 + d] < second) second = agg[o0 + d];
    let sub = best;
    if (best > 0 && best < D - 1) {
      const c0 = agg[o0 + best - 1], c1 = bv, c2 = agg[o0 + best + 1];
      const den = c0 - 2 * c1 + c2;
      if (den > 1e-6) sub = best + Math.max(-0.5, Math.min(0.5, (c0 - c2) / (2 * den)));
    }
    // Hypotheses at the ends of the range usually mean "outside it": no trustworthy value.
    const edge = best === 0 || best === D - 1;
    inv[p] = range.min + ((range.max - range.min) * sub) / (D - 1);
    conf[p] = edge || !Number.isFinite(second) ? 0 : Math.min(1, (second - bv) / (bv + 1e-3));
  }
  return { inv, conf };
}

/** Inverse-depth range a sweep covers around a prior (its values sorted ascending, no zeros): wide enough for a model off by 2x. */
export function sweepRange(sorted: ArrayLike<number>, below = 0.4, above = 2): { min: number; max: number } {
  return { min: sorted[Math.floor(sorted.length * 0.02)] * below, max: sorted[Math.floor(sorted.length * 0.98)] * above };
}

/** Prior weight, sigma and cap, and the SGM P2, that scored best with ground-truth poses on tartanair-hospital (npm run eval:stereo). */
export const STEREO_PRIOR = { sigma: 0.3, weight: 0.5, cap: 10 } as const;
export const STEREO_P2 = 24;

/**
 * The model's (aligned) inverse depth as a soft data term: where the pictures do not decide (no
 * texture, no parallax, occlusion) the regularised minimum stays near the model instead of drifting
 * to whatever label the noise favours; where they do, the photometric cost outweighs it.
 */
export interface MvsPrior {
  inv: Float32Array;
  /** Relative error of the prior (log units) one cost unit stands for. */
  sigma: number;
  /** Cost per sigma of deviation. */
  weight: number;
  /** Deviation (in sigmas) beyond which the cost stops growing: the model may be plainly wrong. */
  cap: number;
}

function addPrior(cost: Float32Array, rho: Float32Array, pr: MvsPrior, N: number, D: number): void {
  const lr = rho.map((r) => Math.log(r));
  for (let p = 0; p < N; p++) {
    const v = pr.inv[p];
    if (!(v > 0)) continue;
    const lv = Math.log(v), o = p * D;
    for (let d = 0; d < D; d++) cost[o + d] += pr.weight * Math.min(pr.cap, Math.abs(lr[d] - lv) / pr.sigma);
  }
}

function homographyTerms(T: Mat4, K: Intrinsics): number[] {
  const { fx, fy, cx, cy } = K;
  // K R K^-1
  const R = [T[0], T[1], T[2], T[4], T[5], T[6], T[8], T[9], T[10]];
  const Ki = [1 / fx, 0, -cx / fx, 0, 1 / fy, -cy / fy, 0, 0, 1];
  const KR = [
    fx * R[0] + cx * R[6], fx * R[1] + cx * R[7], fx * R[2] + cx * R[8],
    fy * R[3] + cy * R[6], fy * R[4] + cy * R[7], fy * R[5] + cy * R[8],
    R[6], R[7], R[8],
  ];
  const M = new Array<number>(12);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) M[i * 3 + j] = KR[i * 3] * Ki[j] + KR[i * 3 + 1] * Ki[3 + j] + KR[i * 3 + 2] * Ki[6 + j];
  const t = [T[3], T[7], T[11]];
  M[9] = fx * t[0] + cx * t[2]; M[10] = fy * t[1] + cy * t[2]; M[11] = t[2];
  return M;
}

function aggregateBox(cost: Float32Array, w: number, h: number, D: number): void {
  const slice = new Float32Array(w * h), out = new Float32Array(w * h);
  for (let d = 0; d < D; d++) {
    for (let p = 0; p < w * h; p++) slice[p] = cost[p * D + d];
    boxFilter(slice, w, h, 1, out);
    for (let p = 0; p < w * h; p++) cost[p * D + d] = out[p];
  }
}

/**
 * Semi-global matching along 4 directions. P2 is lowered across image edges so depth may jump where
 * the picture does (object boundaries) but not inside smooth regions.
 */
function sgm(cost: Float32Array, img: Plane, D: number, P1: number, P2: number): Float32Array {
  const w = img.width, h = img.height, I = img.data;
  const total = new Float32Array(cost.length);
  const Lprev = new Float32Array(D), Lcur = new Float32Array(D);
  const dirs: [number, number][] = [[1, 0], [-1, 0], [0, 1], [0, -1]];
  for (const [dx, dy] of dirs) {
    const lines = dx !== 0 ? h : w, len = dx !== 0 ? w : h;
    for (let line = 0; line < lines; line++) {
      let prevMin = 0, prevI = 0;
      for (let k = 0; k < len; k++) {
        const x = dx > 0 ? k : dx < 0 ? w - 1 - k : line;
        const y = dy > 0 ? k : dy < 0 ? h - 1 - k : line;
        const p = y * w + x, o = p * D;
        const Ip = I[p];
        let curMin = Infinity;
        if (k === 0) {
          for (let d = 0; d < D; d++) { Lcur[d] = cost[o + d]; if (Lcur[d] < curMin) curMin = Lcur[d]; }
        } else {
          const p2 = P2 / (1 + Math.abs(Ip - prevI) / 8);
          const jump = prevMin + Math.max(P1, p2);
          for (let d = 0; d < D; d++) {
            let m = Lprev[d];
            if (d > 0 && Lprev[d - 1] + P1 < m) m = Lprev[d - 1] + P1;
            if (d < D - 1 && Lprev[d + 1] + P1 < m) m = Lprev[d + 1] + P1;
            if (jump < m) m = jump;
            const v = cost[o + d] + m - prevMin;
            Lcur[d] = v;
            if (v < curMin) curMin = v;
          }
        }
        for (let d = 0; d < D; d++) { total[o + d] += Lcur[d]; Lprev[d] = Lcur[d]; }
        prevMin = curMin; prevI = Ip;
      }
    }
  }
  return total;
}
