/**
 * Relight's CPU kernel by part, CPU ms a frame of a shared clip at its size (not a test):
 * `npx tsx research/relight-parts.ts [--clip cockatoo.mp4] [--frames 20] [--cache DIR]`. The surface maps
 * (wasm/low-res.as.ts surfaceLow), the grain plane (wasm/grain-plane.as.ts) and the shading pass
 * (wasm/relight.as.ts), each run on every frame in turn, as applyRelight calls them, after one warm-up frame.
 */
import { cpuUsage } from 'node:process';
import { applyRelight, surfaceMapsFast } from '../src-main/engine/effects/relight.ts';
import { splineKernels } from '../src-main/engine/effects/upsample.ts';
import { evaluateParams } from '../src-main/common/effects/keyframes.ts';
import { lightsOf, relightSpec } from '../src-main/common/effects/relight.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import { arg, loadClip } from './relight-clip.ts';


function cpuMs(f: () => void): number {
  const c = cpuUsage();
  f();
  const d = cpuUsage(c);
  return (d.user + d.system) / 1000;
}

async function main() {
  const clip = arg('--clip') ?? 'cockatoo.mp4';
  const n = Number(arg('--frames') ?? 20);
  // Frame 0 compiles and sizes the kernels' memory: n timed frames after it.
  const { info, K, frames, preps } = await loadClip(clip, 0, n + 1);
  const { width: W, height: H } = info;
  const p = evaluateParams(relightSpec.params, parseEffectSpec('relight'), 0);
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
