/**
 * The geometry stage's hot kernels timed one by one on real cockatoo frames, for two source trees in
 * one process (A/B against a checkout of the base commit): each kernel's best of several rounds, the
 * trees alternating, so a loaded machine hits both alike. Also checks that both give the same bits.
 *   node --import tsx research/geo-kernels.ts /path/to/base-tree [/path/to/new-tree]
 */
import { resolve } from 'node:path';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import type { Mat4 } from '../src-main/common/types.ts';
import { getManifest } from '../src-main/engine/infer/manifest.ts';
import { depthSize } from '../src-main/engine/preprocess/index.ts';

const trees = [resolve(process.argv[2] ?? '.'), resolve(process.argv[3] ?? '.')];
const clip = process.env.CLIP ?? resolve(trees[1], '..', 'shared', 'clips', 'cockatoo.mp4');
const ROUNDS = Number(process.env.ROUNDS ?? 7);

type Mods = Awaited<ReturnType<typeof load>>;
async function load(root: string) {
  const g = `${root}/src-main/engine/geometry`;
  return {
    image: await import(`${g}/image.ts`) as typeof import('../src-main/engine/geometry/image.ts'),
    features: await import(`${g}/features.ts`) as typeof import('../src-main/engine/geometry/features.ts'),
    ba: await import(`${g}/window-ba.ts`) as typeof import('../src-main/engine/geometry/window-ba.ts'),
    fusion: await import(`${g}/view-fusion.ts`) as typeof import('../src-main/engine/geometry/view-fusion.ts'),
    temporal: await import(`${g}/temporal-filter.ts`) as typeof import('../src-main/engine/geometry/temporal-filter.ts'),
    linalg: await import(`${g}/linalg.ts`) as typeof import('../src-main/engine/geometry/linalg.ts'),
    output: await import(`${g}/driver/frame-output.ts`) as typeof import('../src-main/engine/geometry/driver/frame-output.ts'),
    frameFusion: await import(`${g}/driver/frame-fusion.ts`) as typeof import('../src-main/engine/geometry/driver/frame-fusion.ts'),
    params: await import(`${g}/params.ts`) as typeof import('../src-main/engine/geometry/params.ts'),
    scalePath: await import(`${g}/driver/scale-path.ts`) as typeof import('../src-main/engine/geometry/driver/scale-path.ts'),
  };
}

const info = await probe(clip);
// The frames at the size the analysis hands the geometry (decoded at the default model's depth size:
// 398x224 for a 720p clip); FULL=1: the clip's own size.
const size = process.env.FULL === '1' ? { width: info.width, height: info.height } : depthSize((await getManifest('fastdepth')).size, info.width, info.height);
const frames: Uint8Array[] = [];
for await (const f of readFrames(info, { start: 40, end: 41, width: size.width, height: size.height, scaleFlags: 'bilinear' })) frames.push(f.data);
const W = size.width, H = size.height, AW = 256;
const mods = await Promise.all(trees.map(load));

/** A smooth synthetic inverse depth on a w x h grid (a slanted plane with a bump), > 0 everywhere. */
function invPlane(w: number, h: number): Float32Array {
  const a = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * w + x] = 0.3 + 0.4 * (y / h) + 0.2 * Math.exp(-((x - w / 2) ** 2 + (y - h / 2) ** 2) / (0.05 * w * w));
  return a;
}
const pose = (m: Mods, k: number): Mat4 => m.linalg.fromRt(m.linalg.expSO3([0.002 * k, 0.004 * k, 0.001 * k]), [0.01 * k, 0.002 * k, 0.005 * k]);

/** The arrays one after another (a kernel's every output compared, not only its last). */
function concat(parts: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Each kernel: run(tree's modules) -> something whose bytes must agree between the trees. */
const kernels: Record<string, (m: Mods) => ArrayLike<number>> = {
  trackingPyramid: (m) => concat(m.image.trackingPyramid(frames[0], W, H, AW).map((l) => l.data)),
  downsampleRgbGray: (m) => { const d = m.image.downsampleRgbGray(frames[0], W, H, AW, Math.round((AW * H) / W)); return concat([d.gray.data, d.rgb]); },
  // The model's depth to the analysis grid (prepareFrame) and the refinement's factor back (the output thread).
  resizeWithHoles: (() => {
    const src = invPlane(W, H).map((v, i) => (i % 613 === 0 ? 0 : v)), grid = invPlane(AW, 144).map((v, i) => (i % 401 === 0 ? 0 : v));
    return (m: Mods) => concat([m.image.resizeWithHoles(src, W, H, AW, 144), m.image.resizeWithHoles(grid, AW, 144, W, H)]);
  })(),
  detectCorners: (m) => m.features.detectCorners(m.image.trackingPyramid(frames[0], W, H, AW)[0], 12),
  trackKLT: (() => {
    const cache = new Map<Mods, { a: ReturnType<Mods['image']['trackingPyramid']>; b: ReturnType<Mods['image']['trackingPyramid']>; pts: Float32Array }>();
    return (m: Mods) => {
      let c = cache.get(m);
      if (!c) {
        const a = m.image.trackingPyramid(frames[0], W, H, AW), b = m.image.trackingPyramid(frames[1], W, H, AW);
        cache.set(m, (c = { a, b, pts: m.features.detectCorners(a[0], 12) }));
      }
      return m.features.trackKLT(c.a, c.b, c.pts, 7, 2).pts;
    };
  })(),
  windowBA: (m) => windowBA(m, false),
  // The same with the focal length free, as the tracker runs it while the field of view is estimated.
  windowBAFocal: (m) => windowBA(m, true),
  linkScale: (() => {
    // Three links' warps of a 398x224 inverse depth and their median ratios, as the scale path takes them
    // (the planes made once: only the links are timed).
    const w = 398, h = 224, K = { fx: 300, fy: 300, cx: 199, cy: 112, width: w, height: h };
    const x = invPlane(w, h).map((v, i) => (i % 211 === 0 ? 0 : v));
    const xs = [1, 2, 4].map((k) => x.map((v, i) => v * (1 + 0.01 * k * Math.sin(i / 300))));
    return (m: Mods) => {
      const cur = { index: 10, shotId: 0, track: 1, x, c2w: pose(m, 0), disagree: 0 };
      const frames = [1, 2, 4].map((k, j) => ({ index: 10 - k, shotId: 0, track: 1, x: xs[j], c2w: pose(m, -k) }));
      const links: number[] = [];
      const win = { scaled: true, K, cfg: { params: m.params.GEOMETRY_PARAMS }, frames, smoother: { link: (_a: number, _b: number, v: number) => links.push(v) } };
      m.scalePath.linkScale(win as never, cur as never);
      return [...links, cur.disagree];
    };
  })(),
};
function windowBA(m: Mods, focal: boolean): ArrayLike<number> {
  {
    // A window as the tracker makes one: ~800 corners seen in 6 frames, the poses started off by a little.
    const n = 800, M = 6, K = { fx: 400, fy: 400, cx: 256, cy: 144, width: 512, height: 288 };
    const rays = new Float32Array(2 * n), q = new Float64Array(n);
    for (let i = 0; i < n; i++) { rays[2 * i] = ((i * 37) % 512 - 256) / 400; rays[2 * i + 1] = ((i * 91) % 288 - 144) / 400; q[i] = 0.3 + ((i * 13) % 100) / 150; }
    const obs = Array.from({ length: M }, (_v, j) => {
      const T = pose(m, j + 1), uv = new Float32Array(2 * n), ids = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = i;
        const z = 1 / q[i], x = rays[2 * i] * z, y = rays[2 * i + 1] * z;
        const X = T[0] * x + T[1] * y + T[2] * z + T[3], Y = T[4] * x + T[5] * y + T[6] * z + T[7], Z = T[8] * x + T[9] * y + T[10] * z + T[11];
        uv[2 * i] = (K.fx * X) / Z + K.cx + 0.3 * Math.sin(i * 1.7 + j); uv[2 * i + 1] = (K.fy * Y) / Z + K.cy + 0.3 * Math.cos(i * 2.3 + j);
      }
      return { T: pose(m, j + 1.2), ids, uv };
    });
    const pb = { rays, q: q.map((v, i) => v * (1 + 0.05 * Math.sin(i))), q0: q.slice() };
    const fo = { s: 0.02, s0: 0, sigma: 0.1, info: 0 };
    m.ba.bundleAdjustWindow(pb, obs, K, { priorSigma: 2, focal: focal ? fo : undefined });
    return concat([pb.q, ...obs.map((o) => o.T), [fo.s, fo.info]]);
  }
}
const kernels2: Record<string, (m: Mods) => ArrayLike<number>> = {
  viewFusion: (m) => {
    const K = m.fusion.fusionGrid({ fx: 200, fy: 200, cx: 128, cy: 72, width: AW, height: 144 });
    const f = m.fusion.createViewFusion(K);
    const inv = invPlane(K.width, K.height), gray = invPlane(K.width, K.height).map((v) => v * 200);
    const views = Array.from({ length: 48 }, (_v, k) => ({ inv, gray, c2w: pose(m, k - 24), gain: 1.01 }));
    return f.fuse({ inv, gray, c2w: pose(m, 0) }, views);
  },
  temporalFilter: (m) => {
    const w = 398, h = 224, K = { fx: 200, fy: 200, cx: 199, cy: 112, width: w, height: h };
    const t = m.temporal.createTemporalFilter({ K, kind: 'relative-inverse', width: w, height: h });
    const d = invPlane(w, h);
    let out = d;
    for (let k = 0; k < 4; k++) out = t.apply(d, pose(m, k), 0, 1);
    return out;
  },
  // A frame's output on the output thread: the fit on the model's 398x224 grid, the refinement's factor
  // from the 256x144 analysis grid, the temporal filter; four frames in a row (the filter carries).
  frameOutput: (() => {
    const w = 398, h = 224, K = { fx: 200, fy: 200, cx: 128, cy: 72, width: AW, height: 144 };
    const Kd = { ...K, fx: 200 * w / AW, fy: 200 * h / 144, cx: 199, cy: 112, width: w, height: h };
    const input = invPlane(w, h).map((v, i) => (i % 997 === 0 ? 0 : i % 1499 === 0 ? 50 : v));
    const aligned = invPlane(AW, 144), final = aligned.map((v, i) => v * (1 + 0.05 * Math.sin(i / 50)));
    return (m: Mods) => {
      const make = m.output.createOutputMaker({ temporal: { K: Kd, alpha: 0.5, tolerance: 0.2, minConfidence: 0.05 }, keepAligned: false, fusion: { params: m.params.GEOMETRY_PARAMS.fusion, radius: 24 } });
      let out: Float32Array = input;
      for (let k = 0; k < 4; k++) {
        out = make({ index: k, shotId: 0, kind: k & 1 ? 'metric' : 'relative-inverse', outW: w, outH: h, input, a: 1.1, b: 0.01, gain: 1.02, K, aligned, final, c2w: pose(m, k), conf: 1, wt: 0.8 }).depth.data;
      }
      return out;
    };
  })(),
  // A frame's view fusion as the output thread runs it: 48 neighbours on the 64x36 fusion grid.
  frameFusion: (() => {
    const K = { fx: 200, fy: 200, cx: 128, cy: 72, width: AW, height: 144 };
    const n = (AW / 4) * 36;
    const plane = (k: number) => ({ inv: invPlane(AW / 4, 36).map((v, i) => v * (1 + 0.02 * Math.sin(i + k))), gray: invPlane(AW / 4, 36).map((v, i) => v * 200 + (i % 7)) });
    const planes = Array.from({ length: 49 }, (_v, k) => plane(k));
    const aligned = invPlane(AW, 144);
    const fusers = new Map<Mods, ReturnType<Mods['frameFusion']['createFrameFusion']>>();
    return (m: Mods) => {
      let fuse = fusers.get(m);
      if (!fuse) fusers.set(m, (fuse = m.frameFusion.createFrameFusion(K, m.params.GEOMETRY_PARAMS.fusion)));
      if (planes[0].inv.length !== n) throw new Error('fusion grid');
      const views = Array.from({ length: 48 }, (_v, k) => ({ index: k < 24 ? k : k + 1, c2w: pose(m, ((k < 24 ? k : k + 1) - 24) / 4), gain: 1 + 0.001 * k }));
      return fuse({ views, c2w: pose(m, 0), gain: 1.01, wt: 0.8 }, planes[24], aligned, aligned, (i) => planes[i]);
    };
  })(),
};

Object.assign(kernels, kernels2);

// CLOCK=cpu: the process's CPU time instead of the wall clock (on a loaded machine the wall clock
// counts the time the kernel waited for a core).
const now = process.env.CLOCK === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
// KERNELS=a,b: only those.
if (process.env.KERNELS) for (const k of Object.keys(kernels)) if (!process.env.KERNELS.split(',').includes(k)) delete kernels[k];
const best: number[][] = Object.keys(kernels).map(() => [Infinity, Infinity]);
const rows: string[] = [];
Object.values(kernels).forEach((run) => {
  const a = Float64Array.from(run(mods[0])), b = Float64Array.from(run(mods[1]));
  const same = a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  rows.push(same ? 'same bits' : `DIFFERENT (max |d| ${Math.max(...a.map((v, i) => Math.abs(v - b[i])))})`);
});
for (let r = 0; r < ROUNDS; r++)
  Object.values(kernels).forEach((run, k) => {
    for (const t of [0, 1]) {
      const t0 = now();
      run(mods[t]);
      best[k][t] = Math.min(best[k][t], now() - t0);
    }
  });
console.log(`A: ${trees[0]}\nB: ${trees[1]}  (best of ${ROUNDS}, ${process.env.CLOCK === 'cpu' ? 'CPU ' : ''}ms)`);
Object.keys(kernels).forEach((name, k) => console.log(`${name.padEnd(18)} A ${best[k][0].toFixed(2).padStart(8)}  B ${best[k][1].toFixed(2).padStart(8)}  B/A ${(best[k][1] / best[k][0]).toFixed(2)}  ${rows[k]}`));
