/**
 * A/B of relight's CPU kernel (engine/effects/relight.ts applyRelight) of two source trees, run alternately on
 * the same real frames in one process (not a test): `npx tsx research/relight-ab.ts OLD_TREE [NEW_TREE]
 * [--clip cockatoo.mp4] [--frames 20] [--rounds 3] [--effect relight:...]`; a tree is a checkout's root (a git
 * worktree at the old commit, with node_modules), NEW_TREE defaults to this one. Each tree's modules are its
 * own, so each runs its own WebAssembly. Prints CPU ms a frame of each (mean, and the sum of each frame's
 * fastest run), of the surface maps alone, and how many output bytes differ.
 */
import { cpuUsage } from 'node:process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { evaluateParams } from '../src-main/common/effects/keyframes.ts';
import { lightsOf, relightSpec } from '../src-main/common/effects/relight.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import type { EffectInput } from '../src-main/common/effects/types.ts';
import type { ResolvedParams } from '../src-main/common/effects/params.ts';
import { arg, loadClip } from './relight-clip.ts';

type Apply = (inp: EffectInput, p: ResolvedParams, out: Uint8Array) => void;
type Maps = (inp: EffectInput, p: ResolvedParams) => void;

const cpu = (f: () => void) => {
  const c = cpuUsage();
  f();
  const d = cpuUsage(c);
  return (d.user + d.system) / 1000;
};

const trees = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (trees.length === 1) trees.push(resolve(import.meta.dirname, '..'));
const applies: Apply[] = [];
const maps: Maps[] = [];
for (const t of trees) {
  const at = (f: string) => pathToFileURL(join(resolve(t), 'src-main/engine/effects', f)).href;
  const relight = await import(at('relight.ts'));
  const { splineKernels } = await import(at('upsample.ts'));
  applies.push(relight.applyRelight);
  // The surface maps alone (wasm/low-res.as.ts surfaceLow), as applyRelight calls them.
  maps.push((inp, p) => relight.surfaceMapsFast(splineKernels(inp.low.width, inp.low.height, inp.width, inp.height), inp.low, inp.K, inp.nearRatio, p.smoothing as number, lightsOf(p)));
}
const clip = arg('--clip') ?? 'cockatoo.mp4';
const n = Number(arg('--frames') ?? 20);
const rounds = Number(arg('--rounds') ?? 3);
const { info, K, frames, preps } = await loadClip(clip, 0, n);
const { width: W, height: H } = info;
const p = evaluateParams(relightSpec.params, parseEffectSpec(arg('--effect') ?? 'relight'), 0);
const outs = applies.map(() => new Uint8Array(W * H * 3));
const t = applies.map(() => 0), tm = applies.map(() => 0);
// Each frame's fastest run of each tree too: less moved by bursts of other load than the mean.
const best = applies.map(() => frames.map(() => Infinity));
let differ = 0, runs = 0;
for (let r = 0; r <= rounds; r++)
  frames.forEach((f, i) => {
    const inp = { width: W, height: H, rgb: f.data, dist: preps[i].dist, low: preps[i].low, nearRatio: preps[i].nearRatio, K };
    // Old first on even steps, new first on odd ones; round 0 compiles and sizes memory (not timed).
    const order = (r * n + i) % 2 ? [1, 0] : [0, 1];
    for (const k of order) {
      const mm = cpu(() => maps[k](inp, p));
      if (r > 0) tm[k] += mm;
      const ms = cpu(() => applies[k](inp, p, outs[k]));
      if (r > 0) t[k] += ms;
      if (r > 0) best[k][i] = Math.min(best[k][i], ms);
    }
    if (r === 0) for (let b = 0; b < outs[0].length; b++) differ += +(outs[0][b] !== outs[1][b]);
    if (r > 0) runs++;
  });
const bestMs = best.map((b) => b.reduce((a, x) => a + x, 0) / n);
console.log(`${clip} ${W}x${H}, ${n} frames x ${rounds} rounds alternated, relight kernel CPU ms a frame:`);
console.log(`  old ${trees[0]}: mean ${(t[0] / runs).toFixed(2)}, best ${bestMs[0].toFixed(2)}`);
console.log(`  new ${trees[1]}: mean ${(t[1] / runs).toFixed(2)} (${(t[1] / t[0]).toFixed(3)}x of old), best ${bestMs[1].toFixed(2)} (${(bestMs[1] / bestMs[0]).toFixed(3)}x)`);
console.log(`  surface maps alone: old ${(tm[0] / runs).toFixed(2)}, new ${(tm[1] / runs).toFixed(2)} (${(tm[1] / tm[0]).toFixed(3)}x)`);
console.log(`  output bytes differing ${differ} of ${n * W * H * 3}`);
