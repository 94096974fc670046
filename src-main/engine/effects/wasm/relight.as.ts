/**
 * Relight's full-resolution pass (../relight.ts documents the shading; glsl/relight.glsl is its twin): the
 * low-res surface maps (4 channels normal + point visibility, 1 channel directional visibility) carried to
 * every pixel by the cubic B-spline (surface.ts splineUpsample: rows first into `tmp`, then down the
 * columns, in f32 as the shader does) and shaded in the same pass, so no frame-sized float planes are
 * written. The tap tables are upsample.ts's (same geometry).
 */
import { clampByte, grainAt, grainB, grainG, grainR } from './grain.as';
import { skyWeight } from './low-res.as';

// Shading parameters (f64 slots of `prm`; relight.ts relightParams fills them).
const AMB = 0, STR = 1, LX = 2, LY = 3, LZ = 4, PC = 5, PI = 8, PF = 9, SPOT = 10, COS_OUT = 11, COS_IN = 12;
const SX = 13, SY = 14, SZ = 15, UX = 16, UY = 17, UZ = 18, DC = 19, DI = 22, SH = 23, FX = 24, FY = 25, CX = 26, CY = 27, NR = 28, SKY = 29;

@inline function p64(prm: usize, k: i32): f64 {
  return load<f64>(prm + (<usize>k << 3));
}

@inline function clamp01(v: f64): f64 {
  return min(1, max(0, v));
}

export function relightApply(
  rgb: usize, dist: usize, W: i32, H: i32, normalVis: usize, dirVis: usize, lw: i32, lh: i32,
  colIdx: usize, colW: usize, rowIdx: usize, rowW: usize, tmp: usize, prm: usize, out: usize,
): void {
  // The four channels of normalVis go through the spline as one f32x4 (SIMD), the directional light's
  // visibility only when that light is on. tmp: lh x W f32x4, then lh x W f32.
  const withDir = p64(prm, DI) > 0;
  const tmpD = tmp + (<usize>(lh * W) << 4);
  for (let j = 0; j < lh; j++) {
    for (let X = 0; X < W; X++) {
      let acc = f32x4.splat(0);
      let ad: f32 = 0;
      for (let t = 0; t < 4; t++) {
        const k = <usize>(X * 4 + t) << 2;
        const w = load<f32>(colW + k);
        const s = j * lw + load<i32>(colIdx + k);
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(w), v128.load(normalVis + (<usize>s << 4))));
        if (withDir) ad += w * load<f32>(dirVis + (<usize>s << 2));
      }
      v128.store(tmp + (<usize>(j * W + X) << 4), acc);
      store<f32>(tmpD + (<usize>(j * W + X) << 2), ad);
    }
  }
  const amb = p64(prm, AMB), str = p64(prm, STR), lx = p64(prm, LX), ly = p64(prm, LY), lz = p64(prm, LZ);
  const pi = p64(prm, PI), pf = p64(prm, PF), spot = p64(prm, SPOT) != 0, cosOut = p64(prm, COS_OUT), cosIn = p64(prm, COS_IN);
  const sx = p64(prm, SX), sy = p64(prm, SY), sz = p64(prm, SZ), ux = p64(prm, UX), uy = p64(prm, UY), uz = p64(prm, UZ);
  const di = p64(prm, DI), sh = p64(prm, SH), fx = p64(prm, FX), fy = p64(prm, FY), cx = p64(prm, CX), cy = p64(prm, CY), nr = p64(prm, NR), skyFrom = p64(prm, SKY);
  let span = cosIn - cosOut;
  if (span == 0) span = 1e-9;
  for (let Y = 0; Y < H; Y++) {
    const k = <usize>(Y * 4) << 2;
    const j0 = load<i32>(rowIdx + k) * W, j1 = load<i32>(rowIdx + k + 4) * W, j2 = load<i32>(rowIdx + k + 8) * W, j3 = load<i32>(rowIdx + k + 12) * W;
    const w0 = load<f32>(rowW + k), w1 = load<f32>(rowW + k + 4), w2 = load<f32>(rowW + k + 8), w3 = load<f32>(rowW + k + 12);
    const v0 = f32x4.splat(w0), v1 = f32x4.splat(w1), v2 = f32x4.splat(w2), v3 = f32x4.splat(w3);
    const ry = (<f64>Y + 0.5 - cy) / fy;
    for (let X = 0; X < W; X++) {
      const a = f32x4.add(
        f32x4.add(f32x4.mul(v0, v128.load(tmp + (<usize>(j0 + X) << 4))), f32x4.mul(v1, v128.load(tmp + (<usize>(j1 + X) << 4)))),
        f32x4.add(f32x4.mul(v2, v128.load(tmp + (<usize>(j2 + X) << 4))), f32x4.mul(v3, v128.load(tmp + (<usize>(j3 + X) << 4)))),
      );
      let nx = <f64>f32x4.extract_lane(a, 0), ny = <f64>f32x4.extract_lane(a, 1), nz = <f64>f32x4.extract_lane(a, 2);
      const pv = <f64>f32x4.extract_lane(a, 3);
      const dv = withDir
        ? <f64>(w0 * load<f32>(tmpD + (<usize>(j0 + X) << 2)) + w1 * load<f32>(tmpD + (<usize>(j1 + X) << 2)) + w2 * load<f32>(tmpD + (<usize>(j2 + X) << 2)) + w3 * load<f32>(tmpD + (<usize>(j3 + X) << 2)))
        : 1.0;
      const i = Y * W + X;
      const s = <f64>load<f32>(dist + (<usize>i << 2));
      const zc = nr + s * (1 - nr);
      // The sky is infinitely far: no light of the scene reaches it (surface.ts skyWeight).
      const lit = 1 - skyWeight(s, skyFrom);
      const px = zc * ((<f64>X + 0.5 - cx) / fx), py = zc * ry;
      const nl = Math.sqrt(nx * nx + ny * ny + nz * nz);
      if (nl > 1e-12) { nx /= nl; ny /= nl; nz /= nl; } else { nx = 0; ny = 0; nz = -1; }
      let ndl: f64 = 0;
      if (pi > 0) {
        const vx = lx - px, vy = ly - py, vz = lz - zc;
        const d2 = vx * vx + vy * vy + vz * vz;
        let d = Math.sqrt(d2);
        if (d == 0) d = 1e-9;
        ndl = (max(0, (nx * vx + ny * vy + nz * vz) / d) * pi) / (1 + pf * d2);
        if (spot) {
          const t = clamp01((-(vx * sx + vy * sy + vz * sz) / d - cosOut) / span);
          ndl *= t * t * (3 - 2 * t);
        }
        ndl *= (1 - sh * (1 - clamp01(pv))) * lit;
      }
      const ndd = max(0, nx * ux + ny * uy + nz * uz) * di * (1 - sh * (1 - clamp01(dv))) * lit;
      const o = <usize>i * 3;
      // The light falls on the picture without its grain; the grain is added back as it was (grain.ts).
      grainAt(rgb, 3, W, H, X, Y);
      for (let c = 0; c < 3; c++) {
        const gain = 1 + str * (amb + ndl * p64(prm, PC + c) + ndd * p64(prm, DC + c) - 1);
        const n = c == 0 ? grainR : c == 1 ? grainG : grainB;
        store<u8>(out + o + c, clampByte(<f64>load<u8>(rgb + o + c) * gain - n * (gain - 1)));
      }
    }
  }
}
