import type { Mat4 } from '../../../common/types.ts';
import { selectKth } from '../../../common/select.ts';
import { averagingWeight } from '../averaging-weight.ts';
import { fuseWithPrior } from '../fuse.ts';
import { invRigid, mul4, transOf } from '../linalg.ts';
import { census5, planeSweep, sweepRange, STEREO_P2, STEREO_PRIOR } from '../mvs.ts';
import { createFrameFusion, type FusionPlan } from './frame-fusion.ts';
import { frameAt, type FrameState, type FrameWindow } from './frame-window.ts';
import type { ScalePath } from './scale-path.ts';

/**
 * The back end on the posed window: each frame's depth fused with its posed neighbours'
 * (view-fusion.ts) and, opt-in, refined by two-sided stereo (mvs.ts); both in the smoothed scale.
 */
export function createMultiView(w: FrameWindow, path: ScalePath) {
  let fuse: ReturnType<typeof createFrameFusion> | null = null;

  /**
   * Refines frame `ref` against posed neighbours in its shot; returns the frame's confidence. Where
   * nothing refines it, `final` is the aligned depth itself, not a copy (the fusion copies it before it
   * writes: frame-fusion.ts), so the stage's thread neither copies nor sends the same plane twice. `gain`
   * (the scale smoother's factor) puts it in the smoothed scale, so the prior and every neighbour's
   * baseline agree.
   */
  function refine(ref: FrameState, gain: number): number {
    const k = w.K!, sp = w.cfg.params.stereo;
    const refPose = path.poseOf(ref);
    const rs = positiveSample(ref.aligned, gain);
    if (!rs.length) { ref.final = ref.aligned; return 0; }
    // Order statistics by selection: the whole sort is only needed for the stereo's sweep range.
    const farRho = selectKth(rs, rs.length, Math.floor(rs.length * sp.parallaxQuantile));
    const midRho = selectKth(rs, rs.length, rs.length >> 1);
    // Choose neighbours whose baseline gives useful parallax (too little: no depth signal; too much: occlusion, distortion).
    // Loops, not filter and map closures, here and in weightOf: V8 holds a closure's optimised code weakly,
    // so a collection dropped it and the next frame's closures were compiled again.
    const cands: { s: FrameState; T: Mat4; px: number }[] = [];
    for (const s of w.frames) {
      if (!(s.shotId === ref.shotId && s !== ref && Math.abs(s.index - ref.index) <= w.cfg.lag + 4 && s.track > 0)) continue;
      const T = mul4(invRigid(path.poseOf(s)), refPose);
      const b = Math.hypot(...transOf(T));
      const c = { s, T, px: k.fx * b * farRho };
      if (c.px > 1.5) cands.push(c);
    }
    const pick = (list: typeof cands) => list.sort((a, b) => Math.abs(Math.log(a.px / sp.targetPx)) - Math.abs(Math.log(b.px / sp.targetPx))).slice(0, 2);
    const chosen = [...pick(cands.filter((c) => c.s.index < ref.index)), ...pick(cands.filter((c) => c.s.index > ref.index))];
    const maxPx = chosen.reduce((m, c) => Math.max(m, c.px), 0);
    const trackQ = Math.min(ref.track || 0, ...chosen.map((c) => c.s.track));
    // The frame's confidence keeps reading the parallax at the median depth: what most of the picture has.
    const conf = Math.min(1, (maxPx * midRho) / farRho / 8) * (chosen.length ? trackQ : 0);
    if (!w.cfg.mvs || chosen.length === 0 || maxPx < 3) { ref.final = ref.aligned; return conf; }
    const prior = gain === 1 ? ref.aligned : ref.aligned.map((v) => v * gain);
    const { min: lo, max: hi } = sweepRange(rs.sort());
    const labels = Math.max(24, Math.min(sp.maxLabels, Math.round(k.fx * maxPx / (k.fx * farRho) * (hi - lo) * 1.5)));
    // Multi-view consistency: the past and the future neighbours give two INDEPENDENT stereo depths
    // (different baselines, different pose errors, different occlusions). Only where they agree is the
    // stereo trusted to replace the model; a pose error or a false match shows up as disagreement.
    const past = chosen.filter((c) => c.s.index < ref.index), future = chosen.filter((c) => c.s.index > ref.index);
    const side = (cs: typeof chosen) => cs.reduce((m, c) => Math.max(m, c.px), 0);
    // Depth error ~ pose error (pixels) / parallax (pixels): a side whose baseline is short next to
    // the remaining pose error would only copy that error into the depth.
    if (side(past) < sp.minSidePx || side(future) < sp.minSidePx) { ref.final = ref.aligned; return conf; }
    // The model's depth is a soft term of the sweep's cost: in the smoothed scale it agrees with the
    // baselines (opt-in stereo on tartanair-hospital: TAE 6.98 -> 6.55, AbsRel and delta1 the same).
    const censusOf = (s: FrameState) => (s.census.length ? s.census : (s.census = census5(s.gray)));
    const sweep = (cs: typeof chosen) => planeSweep(ref.gray, censusOf(ref), cs.map((c) => ({ census: censusOf(c.s), T: c.T })), k, { min: lo, max: hi, labels }, { P2: STEREO_P2, prior: { inv: prior, ...STEREO_PRIOR } });
    const mA = sweep(past), mB = sweep(future);
    const N = prior.length;
    const wgt = new Float32Array(N), inv = new Float32Array(N);
    for (let p = 0; p < N; p++) {
      const a = mA.inv[p], b = mB.inv[p];
      if (!(prior[p] > 0 && a > 0 && b > 0)) continue;
      if (Math.abs(Math.log(a / b)) > sp.agree) continue;
      const v = Math.sqrt(a * b), r = v / prior[p];
      if (!(r > 0.33 && r < 3)) continue;
      const c = Math.min(1, Math.min(mA.conf[p], mB.conf[p]) / 0.3);
      if (c < 0.2) continue;
      wgt[p] = c; inv[p] = v;
    }
    // Pointwise only: spreading the stereo's correction to untrusted pixels (normalised convolution)
    // was measured to raise the temporal error with estimated poses.
    ref.final = fuseWithPrior(prior, inv, wgt, k.width, k.height, []);
    if (gain !== 1) for (let p = 0; p < N; p++) ref.final[p] /= gain;
    return conf;
  }

  /** Which posed neighbours frame `s` is fused with, and where (null: it is not fused). */
  function fusionPlan(s: FrameState, gain: number, wt: number): FusionPlan | null {
    if (s.track === 0 || !s.coarse || wt === 0) return null;
    const fp = w.cfg.params.fusion;
    const views: FusionPlan['views'] = [];
    for (const f of w.frames) {
      const d = Math.abs(f.index - s.index);
      // Every `every`-th frame of the clip, not of the distance: consecutive frames then fuse the same
      // neighbours and do not flicker between two sets (fewer views still average less of the model's
      // noise away; docs/measurements.md, stop 31).
      if (f === s || f.shotId !== s.shotId || !(f.track > 0) || !f.coarse || !(d <= w.cfg.fusionRadius && f.index % fp.every === 0)) continue;
      views.push({ index: f.index, c2w: path.poseOf(f), gain: path.gainOf(f) });
    }
    return views.length ? { views, c2w: path.poseOf(s), gain, wt } : null;
  }

  /** The frame's (refined) depth fused with its posed neighbours' aligned depth, all in the smoothed scale (frame-fusion.ts). */
  function fuseNeighbours(s: FrameState, gain: number, wt: number) {
    const plan = fusionPlan(s, gain, wt);
    if (!plan) return;
    fuse ??= createFrameFusion(w.K!, w.cfg.params.fusion);
    s.final = fuse(plan, s.coarse!, s.final, s.aligned, (i) => frameAt(w, i)!.coarse!);
  }

  /** The view fusion's and the temporal filter's strength for this frame (averaging-weight.ts). */
  function weightOf(s: FrameState): number {
    const near: number[] = [];
    for (const f of w.frames) if (f.shotId === s.shotId && f.disagree !== undefined && Math.abs(f.index - s.index) <= w.cfg.params.fusion.radius) near.push(f.disagree);
    return averagingWeight(near);
  }

  return { refine, fusionPlan, fuseNeighbours, weightOf };
}

/** Every third value of `a` times `gain` (rounded to float32, as a scaled copy holds it) that is positive. */
function positiveSample(a: Float32Array, gain: number): Float32Array {
  const v = new Float32Array(Math.ceil(a.length / 3));
  return v.subarray(0, samplePositive(a, gain, v));
}

/**
 * positiveSample's loop; how many it wrote. A function of its own: V8 compiles a long loop on-stack in its
 * first call, and code after the loop that had never run was thrown away on reaching it, and compiled again.
 */
function samplePositive(a: Float32Array, gain: number, v: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 3) {
    const x = gain === 1 ? a[i] : Math.fround(a[i] * gain);
    if (x > 0) v[n++] = x;
  }
  return n;
}
