/**
 * Relight's CPU kernel by part, CPU ms a frame of a shared clip at its size (not a test):
 * `npx tsx research/relight-parts.ts [--clip cockatoo.mp4] [--frames 20] [--cache DIR]`. The surface maps
 * (wasm/low-res.as.ts surfaceLow), the grain plane (wasm/grain-plane.as.ts) and the shading pass
 * (wasm/relight.as.ts), each run on every frame in turn, as applyRelight calls them, after one warm-up frame.
 */
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { prepareDepth, type PreparedDepth } from '../src-main/engine/effects/apply.ts';
import { applyRelight, surfaceMapsFast } from '../src-main/engine/effects/relight.ts';
import { depthPlane, splineKernels } from '../src-main/engine/effects/upsample.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { clipDepthRange } from '../src-main/engine/jobs/depth-range.ts';
import { evaluateParams } from '../src-main/common/effects/keyframes.ts';
import { lightsOf, relightSpec } from '../src-main/common/effects/relight.ts';
import { scaleIntrinsics } from '../src-main/common/camera/intrinsics.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import type { RgbFrame } from '../src-main/common/types.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SHARED = process.env.GEMDEPTH_SHARED ?? join(import.meta.dirname, '..', '..', 'shared');

function cpuMs(f: () => void): number {
  const c = cpuUsage();
  f();
  const d = cpuUsage(c);
  return (d.user + d.system) / 1000;
}

async function main() {
  const clip = arg('--clip') ?? 'cockatoo.mp4';
  const n = Number(arg('--frames') ?? 20);
  const input = join(SHARED, 'clips', clip);
  const info = await probe(input);
  const analysis = await runAnalysis({ input, cacheDir: arg('--cache') ?? '/tmp/rl/cache', preview: false });
  const range = await clipDepthRange(analysis);
  const { width: W, height: H } = info;
  const K = scaleIntrinsics(analysis.intrinsics, W, H);
  const p = evaluateParams(relightSpec.params, parseEffectSpec('relight'), 0);
  const frames: RgbFrame[] = [];
  for await (const f of readFrames(info, { start: 0, end: n })) frames.push(f);
  const preps: PreparedDepth[] = [];
  for (const f of frames) {
    const d = await analysis.readDepth(f.index);
    const pr = prepareDepth(d, f, range, false, depthPlane(W, H, d.width, d.height));
    preps.push({ ...pr, dist: new Float32Array(pr.dist), low: { ...pr.low, dist: new Float32Array(pr.low.dist) } });
  }
  const out = new Uint8Array(W * H * 3);
  const t = { maps: 0, grain: 0, whole: 0 };
  frames.forEach((f, i) => {
    const prep = preps[i];
    const k = splineKernels(prep.low.width, prep.low.height, W, H);
    const maps = cpuMs(() => surfaceMapsFast(k, prep.low, K, prep.nearRatio, p.smoothing as number, lightsOf(p)));
    const src = k.input(f.data, 'rgb');
    const grain = cpuMs(() => k.exports.grainPlane(src, W, H, 0, k.at('grainRing'), k.at('grain')));
    const whole = cpuMs(() => applyRelight({ width: W, height: H, rgb: f.data, dist: prep.dist, low: prep.low, nearRatio: prep.nearRatio, K }, p, out));
    if (i === 0) return; // compiles and sizes the memory
    t.maps += maps;
    t.grain += grain;
    t.whole += whole;
  });
  const m = n;
  console.log(`${clip} ${W}x${H}, ${m} frames, CPU ms a frame: whole ${(t.whole / m).toFixed(1)}, surface maps ${(t.maps / m).toFixed(1)}, grain plane ${(t.grain / m).toFixed(1)}, shading (rest) ${((t.whole - t.maps - t.grain) / m).toFixed(1)}`);
}

await main();
