/** Geometry snapshot: decode cockatoo, model depth from a raw-only analysis in a fixed cache, then the calibrated geometry stage; dumps outputs. */
import { writeFileSync, readFileSync } from 'node:fs';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { cameraFor, scaleIntrinsics } from '../src-main/common/camera/intrinsics.ts';
import { createCalibratedStage } from '../src-main/engine/geometry/calibrated-stage.ts';
import type { GeometryFrame } from '../src-main/engine/geometry/stage.ts';

const WT = process.env.WT ?? '/work/wt-geo';
const clip = process.env.CLIP ?? '/work/shared/clips/cockatoo.mp4';
const mode = process.argv[2];
if (mode === 'compare') {
  const a = readFileSync(process.argv[3]), b = readFileSync(process.argv[4]);
  const fa = new Float32Array(a.buffer, a.byteOffset, a.length / 4), fb = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  if (fa.length !== fb.length) { console.log('length differs', fa.length, fb.length); process.exit(1); }
  let maxAbs = 0, maxRel = 0, nDiff = 0;
  for (let i = 0; i < fa.length; i++) {
    if (fa[i] === fb[i]) continue;
    nDiff++;
    const d = Math.abs(fa[i] - fb[i]);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(1e-9, Math.abs(fa[i])));
  }
  console.log(JSON.stringify({ values: fa.length, differing: nDiff, maxAbs, maxRel, identical: nDiff === 0 && a.equals(b) }));
  process.exit(0);
}
const out = process.argv[3];
const limit = Number(process.argv[4] ?? 1e9);
const cacheDir = '/tmp/geo/cache';
const r = await runAnalysis({ input: clip, poses: false, cacheDir, device: 'cpu', preview: false });
const c = cameraFor(r.info.width, r.info.height, {});
const K = scaleIntrinsics(c.K, r.width, r.height);
// OUTPUT_THREAD=1: the frames' outputs on their own thread, as the analysis job makes them.
const stage = createCalibratedStage({ intrinsics: K, source: c.source, mvs: false, fusion: true, outputThread: process.env.OUTPUT_THREAD === '1' });
const chunks: Float32Array[] = [];
const take = (os: Awaited<ReturnType<typeof stage.push>>) => {
  for (const o of os) {
    chunks.push(Float32Array.from([o.index, o.confidence, o.shotId, ...o.pose]), o.depth.data);
  }
};
const frames: GeometryFrame[] = [];
let i = 0;
for await (const f of readFrames(r.info, { start: r.start, end: r.end, width: r.width, height: r.height, scaleFlags: 'bilinear' })) {
  if (i >= limit) break;
  frames.push({ rgb: f, depth: await r.readDepth(r.start + i), index: r.start + i });
  i++;
}
// CPU seconds of this (the stage's) thread alone, from Linux's per-thread accounting: with the output
// thread on, what leaves the stage's thread (the analysis's bottleneck) shows here.
const mainCpu = () => { const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const t0 = performance.now(); const c0 = process.cpuUsage(); const m0 = mainCpu();
for (const f of frames) take(await stage.push(f));
take(await stage.flush());
const secs = (performance.now() - t0) / 1000; const cpu = process.cpuUsage(c0); const cpuSecs = (cpu.user + cpu.system) / 1e6;
const mainMsPerFrame = (mainCpu() - m0) * 1000 / frames.length;
console.log(JSON.stringify({ frames: frames.length, geometrySecs: secs, cpuSecs, cpuMsPerFrame: cpuSecs * 1000 / frames.length, mainMsPerFrame, fps: frames.length / secs, fov: stage.camera()?.fovDeg, wt: WT }));
const total = chunks.reduce((s, c) => s + c.length, 0);
const all = new Float32Array(total);
let o = 0;
for (const c of chunks) { all.set(c, o); o += c.length; }
writeFileSync(out, Buffer.from(all.buffer));
