import type { DepthImage } from '../../src-main/common/api/types.ts';
import type { ViewMode } from '../../src-main/common/project/schema.ts';
import { scaleIntrinsics } from '../../src-main/common/camera/intrinsics.ts';
import { depthRangeOf, nearRatioOf, toDistance } from '../../src-main/common/effects/distance.ts';
import { fogAddTable, fogAmount, fogAmountTable, fogStart, fogSpec } from '../../src-main/common/effects/fog.ts';
import { evaluateParams } from '../../src-main/common/effects/keyframes.ts';
import type { ResolvedParams } from '../../src-main/common/effects/params.ts';
import type { EffectStack, LowDistance } from '../../src-main/common/effects/types.ts';

/**
 * Playing frames whose stack is fog alone, drawn by the page's CPU into a 2D canvas rather than through
 * WebGL, where WebGL is software (SwiftShader, the test host's): there each WebGL frame costs the GPU
 * process tens of milliseconds of command overhead for a few microseconds of fog per pixel, and the
 * software compositor reads the canvas back while the page's thread waits for it. Fog is one
 * multiply-add per pixel on a picture of at most the proxy's 640 px, and a 2D canvas in a software
 * compositor is handed over without a readback. The same formula and low-res distance as the GL playback
 * (glsl/fog.glsl with LOW_RES_DIST: the analysis-resolution distance read bilinearly at each pixel's
 * centre), the amount from a table in 1/4096 steps and the blend in integers as export's kernel
 * (engine/effects/fog.ts): at most one 8-bit level from the GL picture. Paused frames still go through
 * WebGL (the exact frame, as export).
 */

/** Whether every enabled effect of the stack is fog (and the view shows the composite): then it draws here. */
export function cpuFogDraws(stack: EffectStack, mode: ViewMode): boolean {
  return mode === 'composite' && stack.every((e) => !e.enabled || e.effect === 'fog');
}

const L = 4096;

/** Bilinear taps of the low-res map at each output column or row's centre (GL's LINEAR, CLAMP_TO_EDGE). */
function taps(n: number, low: number) {
  const i0 = new Int32Array(n), i1 = new Int32Array(n), w = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const u = Math.min(low - 1, Math.max(0, ((k + 0.5) / n) * low - 0.5));
    i0[k] = Math.floor(u);
    i1[k] = Math.min(low - 1, i0[k] + 1);
    w[k] = u - i0[k];
  }
  return { i0, i1, w };
}

export interface CpuFog {
  /**
   * Fogs `px` (RGBA rows, top first, width x height: a 2D canvas' ImageData) in place with `depth` at
   * `time`; each step's milliseconds are added to `steps`.
   */
  apply(px: Uint8ClampedArray, width: number, height: number, depth: DepthImage | null, stack: EffectStack, time: number, steps?: Record<string, number>): void;
}

export function createCpuFog(): CpuFog {
  let lowOf: DepthImage | null = null;
  let low: LowDistance | null = null;
  let lowRange = depthRangeOf({ data: new Float32Array(1), kind: 'metric' });
  const starts = new Map<string, number>();
  // The bilinear taps per picture size.
  let tapsKey = '';
  let tx = taps(1, 1), ty = taps(1, 1);
  // The amount table (256 * f for each 1/L of distance) per density, start and falloff.
  const table = new Int32Array(L + 1);
  const add = new Int32Array(3 * 257);
  let row = new Float32Array(0);
  let tableKey = '';

  const fogPass = (px: Uint8ClampedArray, W: number, H: number, p: ResolvedParams, start: number, K: { fy: number; cy: number }, nearRatio: number) => {
    const { dist: d, width: lw } = low!;
    const [cr, cg, cb] = (p.color as number[]).map((c) => c * 255);
    const density = p.density as number, falloff = p.falloff as number;
    const height = !!p.heightFog;
    const level = p.heightLevel as number, hFall = p.heightFalloff as number;
    const tk = `${density} ${start} ${falloff}`;
    if (!height && tk !== tableKey) {
      fogAmountTable(L, density, start, falloff, table);
      tableKey = tk;
    }
    fogAddTable([cr, cg, cb], add);
    const t = table;
    const xi0 = tx.i0, xi1 = tx.i1, xw = tx.w;
    // Without height fog, each pixel read and written whole (opaque RGBA, little-endian: R the low byte).
    const px32 = new Uint32Array(px.buffer, px.byteOffset, W * H);
    // Bilinear is separable: the row's two low-res rows blended once, then each pixel blends two of those.
    if (row.length < lw) row = new Float32Array(lw);
    const rw = row;
    for (let y = 0; y < H; y++) {
      const r0 = ty.i0[y] * lw, r1 = ty.i1[y] * lw, wy = ty.w[y];
      for (let k = 0; k < lw; k++) rw[k] = d[r0 + k] + (d[r1 + k] - d[r0 + k]) * wy;
      const ry = (y + 0.5 - K.cy) / K.fy;
      for (let x = 0, i = y * W; x < W; x++, i++) {
        const a = rw[xi0[x]];
        const s = a + (rw[xi1[x]] - a) * xw[x];
        if (height) {
          // As fog.glsl: density thinned with height above the camera, the amount computed per pixel.
          const z = nearRatio + s * (1 - nearRatio);
          const g = fogAmount(s - start, density * Math.exp(-hFall * Math.max(0, -z * ry - level)), falloff);
          const o = i * 4;
          px[o] = px[o] * (1 - g) + cr * g + 0.5;
          px[o + 1] = px[o + 1] * (1 - g) + cg * g + 0.5;
          px[o + 2] = px[o + 2] * (1 - g) + cb * g + 0.5;
          continue;
        }
        const kf = s * L + 0.5;
        const f = t[kf >= L ? L : kf > 0 ? kf | 0 : 0];
        const g = 256 - f;
        const v = px32[i];
        const r = ((v & 0xff) * g + add[f]) >> 8;
        const gg = (((v >>> 8) & 0xff) * g + add[257 + f]) >> 8;
        const bb = (((v >>> 16) & 0xff) * g + add[514 + f]) >> 8;
        px32[i] = 0xff000000 | (bb << 16) | (gg << 8) | r;
      }
    }
  };

  return {
    apply(px, W, H, depth, stack, time, steps = {}) {
      const passes = stack.filter((e) => e.enabled && e.effect === 'fog');
      if (!depth || !passes.length) return;
      let t0 = performance.now();
      const lap = (k: string) => {
        const now = performance.now();
        steps[k] = (steps[k] ?? 0) + now - t0;
        t0 = now;
      };
      if (depth !== lowOf) {
        lowRange = depth.range ?? depthRangeOf(depth);
        low = { dist: toDistance(depth.data, lowRange), width: depth.width, height: depth.height };
        lowOf = depth;
        starts.clear();
      }
      const tk = `${W}x${H}:${depth.width}x${depth.height}`;
      if (tk !== tapsKey) [tx, ty, tapsKey] = [taps(W, depth.width), taps(H, depth.height), tk];
      const K = depth.intrinsics ? scaleIntrinsics(depth.intrinsics, W, H) : { fx: W, fy: W, cx: W / 2, cy: H / 2, width: W, height: H };
      lap('distance');
      for (const inst of passes) {
        const p = evaluateParams(fogSpec.params, inst, time);
        const sk = `${p.start as number} ${p.behindSubject ? 1 : 0}`;
        let start = starts.get(sk);
        if (start === undefined) starts.set(sk, (start = fogStart(p, low!)));
        fogPass(px, W, H, p, start, K, nearRatioOf(lowRange));
      }
      lap('fog');
    },
  };
}
