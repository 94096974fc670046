/**
 * Relight's full-resolution pass (../relight.ts documents the shading; glsl/relight.glsl is its twin): the
 * low-res surface maps (4 channels normal + point visibility, 1 channel directional visibility) carried to
 * every pixel by the cubic B-spline (surface.ts splineUpsample: rows first into `tmp`, lh x W x 5 f32, then
 * down the columns, f32 between the passes as there) and shaded in the same pass, so no frame-sized
 * float planes are written. The tap tables are upsample.ts's (same geometry).
 */

// Shading parameters (f64 slots of `prm`; relight.ts relightParams fills them).
const AMB = 0, STR = 1, LX = 2, LY = 3, LZ = 4, PC = 5, PI = 8, PF = 9, SPOT = 10, COS_OUT = 11, COS_IN = 12;
const SX = 13, SY = 14, SZ = 15, UX = 16, UY = 17, UZ = 18, DC = 19, DI = 22, SH = 23, FX = 24, FY = 25, CX = 26, CY = 27, NR = 28;

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
  for (let j = 0; j < lh; j++) {
    for (let X = 0; X < W; X++) {
      let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0;
      for (let t = 0; t < 4; t++) {
        const k = <usize>(X * 4 + t) << 2;
        const w = <f64>load<f32>(colW + k);
        const s = j * lw + load<i32>(colIdx + k);
        const nv = normalVis + (<usize>s << 4);
        a0 += w * <f64>load<f32>(nv);
        a1 += w * <f64>load<f32>(nv + 4);
        a2 += w * <f64>load<f32>(nv + 8);
        a3 += w * <f64>load<f32>(nv + 12);
        a4 += w * <f64>load<f32>(dirVis + (<usize>s << 2));
      }
      const d = tmp + <usize>(j * W + X) * 20;
      store<f32>(d, <f32>a0);
      store<f32>(d + 4, <f32>a1);
      store<f32>(d + 8, <f32>a2);
      store<f32>(d + 12, <f32>a3);
      store<f32>(d + 16, <f32>a4);
    }
  }
  const amb = p64(prm, AMB), str = p64(prm, STR), lx = p64(prm, LX), ly = p64(prm, LY), lz = p64(prm, LZ);
  const pi = p64(prm, PI), pf = p64(prm, PF), spot = p64(prm, SPOT) != 0, cosOut = p64(prm, COS_OUT), cosIn = p64(prm, COS_IN);
  const sx = p64(prm, SX), sy = p64(prm, SY), sz = p64(prm, SZ), ux = p64(prm, UX), uy = p64(prm, UY), uz = p64(prm, UZ);
  const di = p64(prm, DI), sh = p64(prm, SH), fx = p64(prm, FX), fy = p64(prm, FY), cx = p64(prm, CX), cy = p64(prm, CY), nr = p64(prm, NR);
  let span = cosIn - cosOut;
  if (span == 0) span = 1e-9;
  for (let Y = 0; Y < H; Y++) {
    const k = <usize>(Y * 4) << 2;
    const r0 = tmp + <usize>(load<i32>(rowIdx + k) * W) * 20, w0 = <f64>load<f32>(rowW + k);
    const r1 = tmp + <usize>(load<i32>(rowIdx + k + 4) * W) * 20, w1 = <f64>load<f32>(rowW + k + 4);
    const r2 = tmp + <usize>(load<i32>(rowIdx + k + 8) * W) * 20, w2 = <f64>load<f32>(rowW + k + 8);
    const r3 = tmp + <usize>(load<i32>(rowIdx + k + 12) * W) * 20, w3 = <f64>load<f32>(rowW + k + 12);
    const ry = (<f64>Y + 0.5 - cy) / fy;
    for (let X = 0; X < W; X++) {
      const x = <usize>X * 20;
      // Each channel rounded to f32 as surface.ts splineUpsample stores it.
      let nx = <f64><f32>(w0 * <f64>load<f32>(r0 + x) + w1 * <f64>load<f32>(r1 + x) + w2 * <f64>load<f32>(r2 + x) + w3 * <f64>load<f32>(r3 + x));
      let ny = <f64><f32>(w0 * <f64>load<f32>(r0 + x + 4) + w1 * <f64>load<f32>(r1 + x + 4) + w2 * <f64>load<f32>(r2 + x + 4) + w3 * <f64>load<f32>(r3 + x + 4));
      let nz = <f64><f32>(w0 * <f64>load<f32>(r0 + x + 8) + w1 * <f64>load<f32>(r1 + x + 8) + w2 * <f64>load<f32>(r2 + x + 8) + w3 * <f64>load<f32>(r3 + x + 8));
      const pv = <f64><f32>(w0 * <f64>load<f32>(r0 + x + 12) + w1 * <f64>load<f32>(r1 + x + 12) + w2 * <f64>load<f32>(r2 + x + 12) + w3 * <f64>load<f32>(r3 + x + 12));
      const dv = <f64><f32>(w0 * <f64>load<f32>(r0 + x + 16) + w1 * <f64>load<f32>(r1 + x + 16) + w2 * <f64>load<f32>(r2 + x + 16) + w3 * <f64>load<f32>(r3 + x + 16));
      const i = Y * W + X;
      const zc = nr + <f64>load<f32>(dist + (<usize>i << 2)) * (1 - nr);
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
        ndl *= 1 - sh * (1 - clamp01(pv));
      }
      const ndd = max(0, nx * ux + ny * uy + nz * uz) * di * (1 - sh * (1 - clamp01(dv)));
      const o = <usize>i * 3;
      for (let c = 0; c < 3; c++) {
        const shade = amb + ndl * p64(prm, PC + c) + ndd * p64(prm, DC + c);
        const v = <f64>load<u8>(rgb + o + c) * (1 + str * (shade - 1)) + 0.5;
        store<u8>(out + o + c, v <= 0 ? 0 : v >= 255 ? 255 : <i32>v);
      }
    }
  }
}
