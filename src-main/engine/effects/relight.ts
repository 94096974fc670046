import type { ResolvedParams } from '../../common/effects/params.ts';
import { lightsOf, relightSpec, spotCones } from '../../common/effects/relight.ts';
import { SHADOW_BIAS, SHADOW_STEPS, SHADOW_THICKNESS, type SurfaceLights, type SurfaceMaps } from '../../common/effects/surface.ts';
import type { EffectDef, EffectInput, LowDistance } from '../../common/effects/types.ts';
import type { Intrinsics } from '../../common/types.ts';
import { splineKernels } from './upsample.ts';
import type { Kernels } from './wasm-kernels.ts';

/**
 * The CPU kernel of relight (common/effects/relight.ts holds its parameters and lights): the surface maps
 * and the shading pass in WebAssembly (wasm/low-res.as.ts surfaceLow, wasm/relight.as.ts relightApply).
 */
/**
 * surface.ts surfaceMaps in WebAssembly (wasm/low-res.as.ts surfaceLow, the same steps): normals and shadow
 * visibility in the kernels' normalVis and dirVis slots (views valid until the next call on this thread).
 */
export function surfaceMapsFast(k: Kernels, low: LowDistance, Kfull: Intrinsics, nr: number, smoothing: number, L: SurfaceLights): SurfaceMaps {
  const { width: lw, height: lh } = low;
  const sx = lw / Kfull.width, sy = lh / Kfull.height;
  const dl = Math.hypot(...L.dirDirection) || 1;
  const [px, py, pz] = L.pointPosition;
  // prettier-ignore
  k.f64('surfPrm', 20).set([
    Kfull.fx * sx, Kfull.fy * sy, Kfull.cx * sx, Kfull.cy * sy, nr, px, py, pz,
    -L.dirDirection[0] / dl, -L.dirDirection[1] / dl, -L.dirDirection[2] / dl,
    +L.pointOn, +L.dirOn, +L.shadows, L.shadowSoftness, L.shadowLength, SHADOW_STEPS, SHADOW_THICKNESS, SHADOW_BIAS, L.skyFrom,
  ]);
  const r = Math.round((smoothing / 100) * lh);
  k.exports.surfaceLow(k.input(low.dist, 'lowIn'), lw, lh, r, k.at('surfPrm'), k.at('zLow'), k.at('lowScratch'), k.at('normalVis'), k.at('dirVis'));
  return { width: lw, height: lh, normalVis: k.f32('normalVis', lw * lh * 4), dirVis: k.f32('dirVis', lw * lh) };
}

export function applyRelight(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, nearRatio: nr, K, low } = inp;
  const k = splineKernels(low.width, low.height, W, H);
  surfaceMapsFast(k, low, K, nr, p.smoothing as number, lightsOf(p));
  const sd = p.spotDirection as number[];
  const sn = Math.hypot(sd[0], sd[1], sd[2]) || 1;
  const dd = p.dirDirection as number[];
  const dn = Math.hypot(dd[0], dd[1], dd[2]) || 1;
  const [cosOut, cosIn] = spotCones(p);
  // The slots of wasm/relight.as.ts's parameter block, in its order.
  // prettier-ignore
  k.f64('prm', 30).set([
    p.ambient as number, p.strength as number, ...(p.pointPosition as number[]), ...(p.pointColor as number[]),
    p.pointIntensity as number, p.pointFalloff as number, +((p.spotAngle as number) < 180), cosOut, cosIn,
    sd[0] / sn, sd[1] / sn, sd[2] / sn, -dd[0] / dn, -dd[1] / dn, -dd[2] / dn, ...(p.dirColor as number[]),
    p.dirIntensity as number, p.shadows as number, K.fx, K.fy, K.cx, K.cy, nr, p.skyFrom as number,
  ]);
  const dst = k.owns(out) ? out.byteOffset : k.at('rgbOut');
  // The source's grain, which the light leaves out (wasm/grain-plane.as.ts; every pixel reads it).
  const src = k.input(rgb, 'rgb');
  k.exports.grainPlane(src, W, H, 0, k.at('grainRing'), k.at('grain'));
  // prettier-ignore
  k.exports.relightApply(
    src, k.input(dist, 'ftmp'), W, H, k.at('normalVis'), k.at('dirVis'), low.width, low.height,
    k.at('colIdx'), k.at('colW'), k.at('rowIdx'), k.at('rowW'), k.at('tmp'), k.at('prm'), dst, k.at('grain'),
  );
  if (!k.owns(out)) out.set(k.u8('rgbOut', W * H * 3));
}

export const relightEffect: EffectDef = { ...relightSpec, apply: applyRelight };
