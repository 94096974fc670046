/**
 * Where relight's frame-to-frame change on still pixels comes from (not a test): `npx tsx research/relight-stability.ts
 * [--clip cockatoo.mp4] [--start 0] [--frames 12] [--gap 1] [--cache DIR] [--params 'smoothing=5'] [--presmooth N]`.
 * For frames t, t+gap of a shared clip, "still" pixels are those whose decoded source RGB is identical in
 * both frames (the source's own change there is nil). It prints the fraction of still pixels whose relit output
 * changes (the engine's kernel), then attributes the change by swapping one input of frame t+gap for frame t's in a
 * float64 model of the same shading (common/effects: surfaceMaps, splineUpsample, the grain): the low-res depth
 * itself, the normals, the point light's shadow visibility, the full-resolution distance (light vector, falloff,
 * sky). Also the mean absolute change of the gain and of each map on still pixels. A change that grows with
 * --gap is motion (the camera, the scene); one that does not is noise of the depth.
 * --presmooth N: the model's normals from the depth smoothed by N more box passes (a candidate).
 * --dump PNG: source | gain (top) and its change on still pixels (bottom) | distance change, first pair.
 * --stills PNG: source t | relit t, relit t+gap | |relit change - source change| x 20.
 * --encode: libx264 as export runs it (medium, crf 18) on the source, the relit frames, the relit frames with
 * one frame's depth throughout, uniform gains and a fixed smooth gain field: CPU ms and KiB a frame. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { resolveFfmpeg } from '../src-main/engine/decode/ffmpeg-path.ts';
import { applyStack, type PreparedDepth } from '../src-main/engine/effects/apply.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import { splineKernels } from '../src-main/engine/effects/upsample.ts';
import { evaluateParams } from '../src-main/common/effects/keyframes.ts';
import { lightsOf, relightSpec } from '../src-main/common/effects/relight.ts';
import { boxMean } from '../src-main/common/effects/guided-filter.ts';
import { skyWeight, splineUpsample, surfaceMaps } from '../src-main/common/effects/surface.ts';
import type { Intrinsics, RgbFrame } from '../src-main/common/types.ts';
import { arg, loadClip } from './relight-clip.ts';

const GAP = Number(arg("--gap") ?? 1);
const STILLS = arg('--stills');
/** Where --encode writes its raw frames and encodes. */
const ENC_DIR = join(tmpdir(), 'relight-stability');
const ENCODE = process.argv.includes('--encode');
const DUMP = arg('--dump');
const PRESMOOTH = Number(arg('--presmooth') ?? 0);

interface Parts {
  nv: Float32Array; // full-res normal xyz + point visibility (spline of the low-res maps)
  dist: Float32Array; // full-res distance
  grain: Float32Array; // 3 planes
}

function partsOf(prep: PreparedDepth, frame: RgbFrame, K: Intrinsics, p: ReturnType<typeof evaluateParams>, withMaps = true): Parts {
  const { width: W, height: H } = frame;
  const { width: lw, height: lh } = prep.low;
  if (!withMaps) return { nv: new Float32Array(0), dist: prep.dist, grain: grainOf(frame, lw, lh) };
  // --presmooth N: N more box passes of the smoothing radius before surfaceMaps' own two (a candidate).
  let low = prep.low.dist;
  const r = Math.round(((p.smoothing as number) / 100) * lh);
  for (let k = 0; k < PRESMOOTH; k++) low = Float32Array.from(boxMean(low, lw, lh, r));
  const maps = surfaceMaps(low, lw, lh, K, prep.nearRatio, p.smoothing as number, lightsOf(p));
  const nv = splineUpsample(maps.normalVis, 4, lw, lh, W, H);
  return { nv, dist: new Float32Array(prep.dist), grain: grainOf(frame, lw, lh) };
}

function grainOf(frame: RgbFrame, lw: number, lh: number): Float32Array {
  const { width: W, height: H } = frame;
  const k = splineKernels(lw, lh, W, H);
  k.exports.grainPlane(k.input(frame.data, 'rgb'), W, H, 0, k.at('grainRing'), k.at('grain'));
  const n = W * H + 4;
  const g = k.f32('grain', n * 3);
  const grain = new Float32Array(W * H * 3);
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) grain[i * 3 + c] = g[c * n + i];
  return grain;
}

/** relight.glsl's shading in f64 (point light, no spot, no directional light): the gain per pixel. */
function gainOf(nv: Float32Array, dist: Float32Array, W: number, H: number, K: Intrinsics, nr: number, p: ReturnType<typeof evaluateParams>, out: Float64Array): void {
  const [lx, ly, lz] = p.pointPosition as number[];
  const pi = p.pointIntensity as number, pf = p.pointFalloff as number, sh = p.shadows as number, amb = p.ambient as number, str = p.strength as number;
  const skyFrom = p.skyFrom as number;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const s = dist[i];
      const zc = nr + s * (1 - nr);
      const lit = 1 - skyWeight(s, skyFrom);
      const Px = (zc * (x + 0.5 - K.cx)) / K.fx, Py = (zc * (y + 0.5 - K.cy)) / K.fy;
      let nx = nv[i * 4], ny = nv[i * 4 + 1], nz = nv[i * 4 + 2];
      const nl = Math.hypot(nx, ny, nz);
      if (nl > 1e-12) { nx /= nl; ny /= nl; nz /= nl; } else { nx = 0; ny = 0; nz = -1; }
      const vx = lx - Px, vy = ly - Py, vz = lz - zc;
      const d2 = vx * vx + vy * vy + vz * vz;
      const d = Math.max(Math.sqrt(d2), 1e-9);
      let ndl = (Math.max(0, (nx * vx + ny * vy + nz * vz) / d) * pi) / (1 + pf * d2);
      ndl *= (1 - sh * (1 - Math.min(1, Math.max(0, nv[i * 4 + 3])))) * lit;
      out[i] = 1 + str * (amb + ndl - 1); // white light: one gain (the colour's channels are near 1)
    }
}

function outOf(rgb: Uint8Array, grain: Float32Array, gain: Float64Array, out: Uint8Array): void {
  for (let i = 0; i < gain.length; i++)
    for (let c = 0; c < 3; c++) {
      const s = rgb[i * 3 + c], n = grain[i * 3 + c];
      out[i * 3 + c] = Math.min(255, Math.max(0, Math.floor((s - n) * gain[i] + n + 0.5)));
    }
}

async function main() {
  const clip = arg('--clip') ?? 'cockatoo.mp4';
  const n = Number(arg('--frames') ?? 12);
  const start = Number(arg('--start') ?? 0);
  const extra = arg('--params');
  const { info, analysis, K, frames, preps } = await loadClip(clip, start, n);
  const { width: W, height: H } = info;
  const inst = parseEffectSpec(extra ? `relight:${extra}` : 'relight');
  const p = evaluateParams(relightSpec.params, inst, 0);
  const outs = frames.map((f, t) => new Uint8Array(applyStack(f, preps[t], analysis.intrinsics, [inst], f.time)));
  if (STILLS) {
    // Source t | relit t on top; relit t+1 | |relit change - source change| x 20 below (full size, PNG).
    const png = new PNG({ width: W * 2, height: H * 2 });
    const put = (X: number, Y: number, r: number, g: number, b: number) => png.data.set([r, g, b, 255], (Y * W * 2 + X) * 4);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        const [s0, o0, o1, s1] = [frames[0].data, outs[0], outs[GAP], frames[GAP].data];
        put(x, y, s0[i], s0[i + 1], s0[i + 2]);
        put(W + x, y, o0[i], o0[i + 1], o0[i + 2]);
        put(x, H + y, o1[i], o1[i + 1], o1[i + 2]);
        const d = [0, 1, 2].map((c) => Math.min(255, 20 * Math.abs(o1[i + c] - o0[i + c] - (s1[i + c] - s0[i + c]))));
        put(W + x, H + y, d[0], d[1], d[2]);
      }
    writeFileSync(STILLS, PNG.sync.write(png));
    return;
  }
  if (ENCODE) {
    mkdirSync(ENC_DIR, { recursive: true });
    // libx264 as export runs it (medium, crf 18, yuv420p), CPU ms a frame: the source, the relit frames, and
    // the relit frames with frame `start`'s depth throughout (what a depth without frame-to-frame change would cost).
    const frozen = frames.map((f) => new Uint8Array(applyStack(f, preps[0], analysis.intrinsics, [inst], f.time)));
    const enc = (name: string, pics: Uint8Array[]) => {
      const raw = join(ENC_DIR, `${name}.rgb`);
      writeFileSync(raw, Buffer.concat(pics.map((q) => Buffer.from(q.buffer, q.byteOffset, q.byteLength))));
      const cmd = `TIMEFORMAT='%U %S'; time ${resolveFfmpeg().ffmpeg} -hide_banner -nostdin -loglevel error -y -f rawvideo -pix_fmt rgb24 -s ${W}x${H} -r ${info.frameRate.num}/${info.frameRate.den} -i ${raw} -c:v libx264 -preset medium -crf 18 -pix_fmt yuv420p ${join(ENC_DIR, `${name}.mp4`)}`;
      const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
      const [u, sy] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
      const bytes = statSync(join(ENC_DIR, `${name}.mp4`)).size;
      console.log(`  x264 ${name.padEnd(14)} ${(((u + sy) * 1000) / n).toFixed(1)} ms CPU/frame, ${(bytes / n / 1024).toFixed(1)} KiB/frame`);
    };
    enc('source', frames.map((f) => f.data));
    enc('relit', outs);
    enc('relit-frozen', frozen);
    // The f64 model with the full-resolution distance, and with the low-res distance's B-spline instead (no
    // edges or texture of the guided upsampling in the light vector, falloff and sky weight).
    const model: Uint8Array[] = [], smooth: Uint8Array[] = [];
    const g = new Float64Array(W * H);
    frames.forEach((f, t) => {
      const pt = partsOf(preps[t], f, K, p);
      const lowUp = Float32Array.from(splineUpsample(preps[t].low.dist, 1, preps[t].low.width, preps[t].low.height, W, H));
      for (const [dist, list] of [[pt.dist, model], [lowUp, smooth]] as const) {
        gainOf(pt.nv, dist, W, H, K, preps[t].nearRatio, p, g);
        const o = new Uint8Array(W * H * 3);
        outOf(f.data, pt.grain, g, o);
        list.push(o);
      }
    });
    // A fixed smooth gain field (0.85 .. 1.65, a blob at the upper left, no depth at all): what any light that
    // varies across the picture costs when the content moves under it.
    const field = frames.map((f) => {
      const o = new Uint8Array(W * H * 3);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const gg = 0.85 + 0.8 * Math.exp(-(((x - 0.3 * W) / (0.35 * W)) ** 2 + ((y - 0.25 * H) / (0.5 * H)) ** 2));
          for (let c = 0; c < 3; c++) o[(y * W + x) * 3 + c] = Math.min(255, Math.round(f.data[(y * W + x) * 3 + c] * gg));
        }
      return o;
    });
    enc('fixed-field', field);
    enc('model', model);
    enc('model-lowdist', smooth);
    // Uniform gains, the grain amplified or kept (what brightening alone costs the encoder).
    for (const g of [0.85, 1.3]) {
      const plain: Uint8Array[] = [], kept: Uint8Array[] = [];
      for (const f of frames) {
        const gr = partsOf(preps[0], f, K, p, false).grain;
        const a = new Uint8Array(f.data.length), b = new Uint8Array(f.data.length);
        for (let i = 0; i < a.length; i++) {
          a[i] = Math.min(255, Math.round(f.data[i] * g));
          b[i] = Math.min(255, Math.max(0, Math.round((f.data[i] - gr[i]) * g + gr[i])));
        }
        plain.push(a);
        kept.push(b);
      }
      enc(`gain${g}`, plain);
      enc(`gain${g}-grain`, kept);
    }
    return;
  }
  const parts = frames.map((f, i) => partsOf(preps[i], f, K, p));
  const acc = { still: 0, srcAll: 0, kernel: 0, model: 0, lowDepth: 0, normals: 0, vis: 0, dist: 0, grain: 0, dGain: 0, dN: 0, dVis: 0, dDist: 0, dLow: 0, lowStill: 0 };
  const ga = new Float64Array(W * H), gb = new Float64Array(W * H), gs = new Float64Array(W * H);
  const oa = new Uint8Array(W * H * 3), ob = new Uint8Array(W * H * 3), os = new Uint8Array(W * H * 3);
  const changed = (a: Uint8Array, b: Uint8Array, i: number) => a[i * 3] !== b[i * 3] || a[i * 3 + 1] !== b[i * 3 + 1] || a[i * 3 + 2] !== b[i * 3 + 2];
  for (let t = 0; t + GAP < n; t++) {
    const A = parts[t], B = parts[t + GAP], sa = frames[t].data, sb = frames[t + GAP].data;
    const still = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) still[i] = changed(sa, sb, i) ? 0 : 1;
    gainOf(A.nv, A.dist, W, H, K, preps[t].nearRatio, p, ga);
    outOf(sa, A.grain, ga, oa);
    gainOf(B.nv, B.dist, W, H, K, preps[t].nearRatio, p, gb);
    outOf(sb, B.grain, gb, ob);
    const frac = (o: Uint8Array) => {
      let c = 0;
      for (let i = 0; i < W * H; i++) if (still[i] && changed(oa, o, i)) c++;
      return c;
    };
    let ns = 0;
    for (let i = 0; i < W * H; i++)
      if (still[i]) {
        ns++;
        acc.dGain += Math.abs(gb[i] - ga[i]);
        acc.dN += Math.hypot(B.nv[i * 4] - A.nv[i * 4], B.nv[i * 4 + 1] - A.nv[i * 4 + 1], B.nv[i * 4 + 2] - A.nv[i * 4 + 2]);
        acc.dVis += Math.abs(B.nv[i * 4 + 3] - A.nv[i * 4 + 3]);
        acc.dDist += Math.abs(B.dist[i] - A.dist[i]);
        if (changed(outs[t], outs[t + GAP], i)) acc.kernel++;
      }
    acc.still += ns;
    acc.srcAll += W * H;
    acc.model += frac(ob);
    // Swap one part of t+1 for t's: the change left is what the other parts make.
    const swap = (nv: Float32Array, dist: Float32Array, grain: Float32Array) => {
      gainOf(nv, dist, W, H, K, preps[t].nearRatio, p, gs);
      outOf(sb, grain, gs, os);
      return frac(os);
    };
    const nvN = new Float32Array(B.nv), nvV = new Float32Array(B.nv);
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 3; c++) nvN[i * 4 + c] = A.nv[i * 4 + c];
      nvV[i * 4 + 3] = A.nv[i * 4 + 3];
    }
    acc.normals += swap(nvN, B.dist, B.grain);
    acc.vis += swap(nvV, B.dist, B.grain);
    acc.dist += swap(B.nv, A.dist, B.grain);
    acc.grain += swap(B.nv, B.dist, A.grain);
    acc.lowDepth += swap(A.nv, A.dist, B.grain); // all of the depth's parts from t
    const la = preps[t].low.dist, lb = preps[t + GAP].low.dist;
    for (let i = 0; i < la.length; i++) acc.dLow += Math.abs(lb[i] - la[i]);
    acc.lowStill += la.length;
    if (DUMP && t === 0) {
      // Source | |change of gain| x 2000 (still pixels; others dark blue) | |change of distance| x 2000.
      const png = new PNG({ width: W * 3, height: H });
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const i = y * W + x;
          const put = (X: number, r: number, g: number, b: number) => png.data.set([r, g, b, 255], (y * W * 3 + X) * 4);
          put(x, sa[i * 3], sa[i * 3 + 1], sa[i * 3 + 2]);
          const v = Math.min(255, Math.abs(gb[i] - ga[i]) * 2000), d = Math.min(255, Math.abs(B.dist[i] - A.dist[i]) * 2000);
          if (still[i]) put(W + x, v, v, v);
          else put(W + x, 0, 0, 60);
          if (y < H / 2) { const q = Math.min(255, (ga[i] - 0.5) * 200); put(W + x, q, q, q); } // top half: the gain itself
          put(2 * W + x, d, d, d);
        }
      writeFileSync(DUMP, PNG.sync.write(png));
    }
  }
  const pct = (v: number) => `${((100 * v) / acc.still).toFixed(1)}%`;
  console.log(`${clip} frames ${start}..${start + n - 1} ${extra ?? 'defaults'}: still pixels ${((100 * acc.still) / acc.srcAll).toFixed(1)}% of all`);
  console.log(`  output changes on still pixels: kernel ${pct(acc.kernel)}, f64 model ${pct(acc.model)}`);
  console.log(`  with t's instead of t+1's: normals ${pct(acc.normals)}, point visibility ${pct(acc.vis)}, full-res distance ${pct(acc.dist)}, grain ${pct(acc.grain)}, all depth parts ${pct(acc.lowDepth)}`);
  console.log(`  mean |change| on still pixels: gain ${(acc.dGain / acc.still).toExponential(2)}, normal ${(acc.dN / acc.still).toExponential(2)}, visibility ${(acc.dVis / acc.still).toExponential(2)}, distance ${(acc.dDist / acc.still).toExponential(2)}; low-res distance (all samples) ${(acc.dLow / acc.lowStill).toExponential(2)}`);
}

await main();
