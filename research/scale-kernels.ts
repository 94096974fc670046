/**
 * The main thread's scale path and depth passes timed on a real analysis, TypeScript against WebAssembly
 * (scale-wasm.ts), and the scale smoother of a base tree against this one's (not a test):
 *   node --import tsx research/scale-kernels.ts ANALYSIS_DIR BASE_TREE
 * ANALYSIS_DIR: a `gemdepth analyze` output (depth_NNNNNN.npy, poses.json) whose depth stands in for the
 * model's and whose poses for the tracker's. Per frame, as the stage runs them: the depth to the analysis
 * grid as disparity, the aligned plane and its fusion-grid copies, the links to frames 1, 2 and 4 back
 * (warp, ratios, medians), the smoother's solve; the two sides alternate frame by frame, so a loaded
 * machine hits both alike; the best of ROUNDS rounds. Checks that both give the same bits as it goes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Intrinsics, Mat4 } from '../src-main/common/types.ts';
import { scaleIntrinsics } from '../src-main/common/camera/intrinsics.ts';
import { depthDisparity, type FrameState } from '../src-main/engine/geometry/driver/frame-window.ts';
import { alignedPlanes, linkRatios } from '../src-main/engine/geometry/driver/scale-path.ts';
import { median } from '../src-main/engine/geometry/align.ts';
import { GEOMETRY_PARAMS } from '../src-main/engine/geometry/params.ts';
import { createScaleKernels } from '../src-main/engine/geometry/scale-wasm.ts';
import { createScaleSmoother } from '../src-main/engine/geometry/scale-smoother.ts';

const dir = resolve(process.argv[2] ?? '');
const base = resolve(process.argv[3] ?? '');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const oldSmoother = (await import(`${base}/src-main/engine/geometry/scale-smoother.ts`) as typeof import('../src-main/engine/geometry/scale-smoother.ts')).createScaleSmoother;

function npy(file: string): { data: Float32Array; width: number; height: number } {
  const b = readFileSync(file);
  const hl = b.readUInt16LE(8), header = b.toString('latin1', 10, 10 + hl);
  const [h, w] = header.match(/\((\d+), (\d+)\)/)!.slice(1).map(Number);
  const data = new Float32Array(w * h);
  new Uint8Array(data.buffer).set(b.subarray(10 + hl, 10 + hl + 4 * w * h));
  return { data, width: w, height: h };
}

const poses = JSON.parse(readFileSync(join(dir, 'poses.json'), 'utf8')) as { intrinsics: Intrinsics; frames: { c2w: Mat4 }[] };
const files = readdirSync(dir).filter((f) => /^depth_\d+\.npy$/.test(f)).sort();
const depths = files.map((f) => npy(join(dir, f)));
const p = GEOMETRY_PARAMS;
const aw = p.analysisWidth, ah = Math.max(8, Math.round((aw * depths[0].height) / depths[0].width));
const K = scaleIntrinsics(poses.intrinsics, aw, ah), n = aw * ah;
const kernels = createScaleKernels(aw, ah, depths[0].data.length);
const sections = ['disparity', 'align', 'links', 'solve'] as const;
type Times = Record<(typeof sections)[number], number>;
const zero = (): Times => ({ disparity: 0, align: 0, links: 0, solve: 0 });
const best = { ts: zero(), wasm: zero() };
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

for (let round = 0; round < ROUNDS; round++) {
  const t = { ts: zero(), wasm: zero() };
  const sm = { ts: oldSmoother({ pull: p.scale.pull, lookahead: p.scale.lookahead }), wasm: createScaleSmoother({ pull: p.scale.pull, lookahead: p.scale.lookahead }) };
  const held: FrameState[] = [];
  for (let i = 0; i < depths.length; i++) {
    const depth = { index: i, kind: 'metric' as const, ...depths[i] };
    const c2w = poses.frames[i].c2w;
    let t0 = performance.now();
    const x = depthDisparity(depth, aw, ah, new Float32Array(n));
    t.ts.disparity += performance.now() - t0;
    const xw = new Float32Array(n);
    t0 = performance.now();
    kernels.disparity(depth.data, depth.width, depth.height, true, xw);
    t.wasm.disparity += performance.now() - t0;
    if (!bits(x).equals(bits(xw))) throw new Error(`frame ${i}: disparity differs`);
    // The grey plane's stand-in: its fusion-grid copy costs the same whatever its values.
    const al = new Float32Array(n), alw = new Float32Array(n);
    t0 = performance.now();
    const coarse = alignedPlanes(K, x, x, al, 1, 0, p.scale.floor, p.fusion.step)!;
    t.ts.align += performance.now() - t0;
    t0 = performance.now();
    kernels.fitPlane(x, alw, 1, 0, p.scale.floor);
    const coarseW = kernels.fusionGrid(x, p.fusion.step);
    t.wasm.align += performance.now() - t0;
    if (!bits(al).equals(bits(alw)) || !bits(coarse.inv).equals(bits(coarseW.inv))) throw new Error(`frame ${i}: aligned planes differ`);
    const cur = { index: i, x, c2w } as FrameState;
    const logs = new Float32Array(n);
    for (const k of p.scale.links) {
      const o = held.find((s) => s.index === i - k);
      if (!o) continue;
      // The base's linkScale: every ratio's logarithm, their median, and for the previous frame the median deviation.
      t0 = performance.now();
      const r = linkRatios(K, o, cur, p.scale.stride, logs);
      let med = NaN, spread = NaN;
      if (r.n >= p.scale.minPixels) {
        med = median(logs, r.n);
        if (k === 1) {
          const dev = new Float32Array(r.n);
          for (let q = 0; q < r.n; q++) dev[q] = Math.abs(logs[q] - med);
          spread = median(dev, r.n);
        }
      }
      t.ts.links += performance.now() - t0;
      t0 = performance.now();
      kernels.loadCurrent(x);
      const w = kernels.link(o.x, K, o.c2w, c2w, p.scale.stride);
      let medW = NaN, spreadW = NaN;
      if (w.n >= p.scale.minPixels) {
        medW = kernels.medianLog(w.n);
        if (k === 1) spreadW = kernels.spread(w.n, medW);
      }
      t.wasm.links += performance.now() - t0;
      if (!Object.is(med, medW) || !Object.is(spread, spreadW)) throw new Error(`frame ${i}, link ${k}: medians differ`);
      if (Number.isFinite(med)) { sm.ts.link(o.index, i, med); sm.wasm.link(o.index, i, med); }
    }
    t0 = performance.now();
    sm.ts.solve(i);
    t.ts.solve += performance.now() - t0;
    t0 = performance.now();
    sm.wasm.solve(i);
    t.wasm.solve += performance.now() - t0;
    if (!Object.is(sm.ts.value(i), sm.wasm.value(i))) throw new Error(`frame ${i}: smoother differs`);
    held.push(cur);
    if (held.length > 5) held.shift();
  }
  for (const side of ['ts', 'wasm'] as const) for (const s of sections) best[side][s] = round ? Math.min(best[side][s], t[side][s]) : t[side][s];
}
const F = depths.length;
console.log(`${F} frames (${depths[0].width}x${depths[0].height} depth -> ${aw}x${ah}), best of ${ROUNDS} rounds, ms a frame (TypeScript / base smoother -> WebAssembly / new smoother):`);
let a = 0, b = 0;
for (const s of sections) {
  a += best.ts[s]; b += best.wasm[s];
  console.log(`  ${s.padEnd(10)} ${(best.ts[s] / F).toFixed(3)} -> ${(best.wasm[s] / F).toFixed(3)}  (${(best.wasm[s] / best.ts[s]).toFixed(2)}x)`);
}
console.log(`  ${'all'.padEnd(10)} ${(a / F).toFixed(3)} -> ${(b / F).toFixed(3)}  (${(b / a).toFixed(2)}x); same bits throughout`);
