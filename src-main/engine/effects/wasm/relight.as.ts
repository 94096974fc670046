/**
 * Relight's full-resolution pass (../relight.ts documents the shading; glsl/relight.glsl is its twin): the
 * low-res surface maps (4 channels normal + point visibility, 1 channel directional visibility) carried to
 * every pixel by the cubic B-spline (surface.ts splineUpsample: rows first into `tmp`, then down the
 * columns, in f32 as the shader does) and shaded in the same pass, so no frame-sized float planes are
 * written. The tap tables are upsample.ts's (same geometry).
 */

import { grainPlaneStride } from './grain-plane.as';

// Shading parameters (f64 slots of `prm`; relight.ts relightParams fills them).
const AMB = 0, STR = 1, LX = 2, LY = 3, LZ = 4, PC = 5, PI = 8, PF = 9, SPOT = 10, COS_OUT = 11, COS_IN = 12;
const SX = 13, SY = 14, SZ = 15, UX = 16, UY = 17, UZ = 18, DC = 19, DI = 22, SH = 23, FX = 24, FY = 25, CX = 26, CY = 27, NR = 28, SKY = 29;

@inline function p64(prm: usize, k: i32): f64 {
  return load<f64>(prm + (<usize>k << 3));
}

export function relightApply(
  rgb: usize, dist: usize, W: i32, H: i32, normalVis: usize, dirVis: usize, lw: i32, lh: i32,
  colIdx: usize, colW: usize, rowIdx: usize, rowW: usize, tmp: usize, prm: usize, out: usize, grain: usize,
): void {
  // The row pass writes five planes (nx, ny, nz, point visibility, directional visibility; lh x W f32
  // each), so that the column pass reads four neighbouring pixels of a channel as one f32x4 and the
  // shading runs on four pixels at once, in f32 as the shader does. The four channels of normalVis go
  // through the row pass as one f32x4, the directional light's visibility only when that light is on.
  const withDir = p64(prm, DI) > 0;
  const plane = <usize>(lh * W) << 2;
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
      const d = tmp + (<usize>(j * W + X) << 2);
      store<f32>(d, f32x4.extract_lane(acc, 0));
      store<f32>(d + plane, f32x4.extract_lane(acc, 1));
      store<f32>(d + 2 * plane, f32x4.extract_lane(acc, 2));
      store<f32>(d + 3 * plane, f32x4.extract_lane(acc, 3));
      store<f32>(d + 4 * plane, ad);
    }
  }
  const amb = v4(prm, AMB), str = v4(prm, STR), lx = v4(prm, LX), ly = v4(prm, LY), lz = v4(prm, LZ), pi = v4(prm, PI), pf = v4(prm, PF), cosOut = v4(prm, COS_OUT);
  const sx = v4(prm, SX), sy = v4(prm, SY), sz = v4(prm, SZ), ux = v4(prm, UX), uy = v4(prm, UY), uz = v4(prm, UZ), di = v4(prm, DI), sh = v4(prm, SH), nr = v4(prm, NR);
  const pr = v4(prm, PC), pg = v4(prm, PC + 1), pb = v4(prm, PC + 2), dr = v4(prm, DC), dg = v4(prm, DC + 1), db = v4(prm, DC + 2);
  const pointOn = p64(prm, PI) > 0, spot = p64(prm, SPOT) != 0;
  // The sky (surface.ts skyWeight): distances from skyFrom on fade to infinitely far, where no light of the scene reaches.
  const skyFrom = p64(prm, SKY), withSky = skyFrom < 1, skyV = f32x4.splat(<f32>skyFrom), skyInv = f32x4.splat(<f32>(1 / (1 - min(skyFrom, 0.999))));
  let span = p64(prm, COS_IN) - p64(prm, COS_OUT);
  if (span == 0) span = 1e-9;
  const spanInv = f32x4.splat(<f32>(1 / span));
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  const W4 = W & ~3;
  const gStride = grainPlaneStride(W, H) << 2;
  // The ray's x slope (x + .5 - cx) / fx of each column (W + 3 f32 after the row pass's five planes), the
  // same f32 arithmetic the four lanes did per pixel, once per frame instead of once per row.
  const rxs = tmp + 5 * plane;
  const cxf = <f32>p64(prm, CX), fxf = <f32>p64(prm, FX);
  for (let X = 0; X < W + 3; X++) store<f32>(rxs + (<usize>X << 2), (<f32>X + 0.5 - cxf) / fxf);
  for (let Y = 0; Y < H; Y++) {
    const k = <usize>(Y * 4) << 2;
    const r0 = tmp + (<usize>(load<i32>(rowIdx + k) * W) << 2), r1 = tmp + (<usize>(load<i32>(rowIdx + k + 4) * W) << 2);
    const r2 = tmp + (<usize>(load<i32>(rowIdx + k + 8) * W) << 2), r3 = tmp + (<usize>(load<i32>(rowIdx + k + 12) * W) << 2);
    const w0 = f32x4.splat(load<f32>(rowW + k)), w1 = f32x4.splat(load<f32>(rowW + k + 4));
    const w2 = f32x4.splat(load<f32>(rowW + k + 8)), w3 = f32x4.splat(load<f32>(rowW + k + 12));
    const ry = f32x4.splat(<f32>((<f64>Y + 0.5 - p64(prm, CY)) / p64(prm, FY)));
    // Four pixels at a time; a width that is not a multiple of 4 ends pixel by pixel (lane 0 of the same
    // arithmetic, the other lanes repeating it).
    for (let X = 0; X < W; ) {
      const single = X >= W4;
      const i = Y * W + X;
      const c = <usize>X << 2;
      const nx0 = column(r0, r1, r2, r3, c, w0, w1, w2, w3, single);
      const ny0 = column(r0 + plane, r1 + plane, r2 + plane, r3 + plane, c, w0, w1, w2, w3, single);
      const nz0 = column(r0 + 2 * plane, r1 + 2 * plane, r2 + 2 * plane, r3 + 2 * plane, c, w0, w1, w2, w3, single);
      const pv = column(r0 + 3 * plane, r1 + 3 * plane, r2 + 3 * plane, r3 + 3 * plane, c, w0, w1, w2, w3, single);
      const dv = withDir ? column(r0 + 4 * plane, r1 + 4 * plane, r2 + 4 * plane, r3 + 4 * plane, c, w0, w1, w2, w3, single) : one;
      const dd = single ? f32x4.splat(load<f32>(dist + (<usize>i << 2))) : v128.load(dist + (<usize>i << 2));
      const zc = f32x4.add(nr, f32x4.mul(dd, f32x4.sub(one, nr)));
      let unsky = one;
      if (withSky) {
        const t = clamp4(f32x4.mul(f32x4.sub(dd, skyV), skyInv), zero, one);
        unsky = f32x4.sub(one, f32x4.mul(f32x4.mul(t, t), f32x4.sub(f32x4.splat(3), f32x4.add(t, t))));
      }
      const rx = single ? f32x4.splat(load<f32>(rxs + c)) : v128.load(rxs + c);
      const px = f32x4.mul(zc, rx), py = f32x4.mul(zc, ry);
      const nl = f32x4.sqrt(f32x4.add(f32x4.add(f32x4.mul(nx0, nx0), f32x4.mul(ny0, ny0)), f32x4.mul(nz0, nz0)));
      const ok = f32x4.gt(nl, f32x4.splat(1e-12));
      // One division for the three components (a multiply each), as the shader's normalize.
      const inl = f32x4.div(one, nl);
      const nx = v128.bitselect(f32x4.mul(nx0, inl), zero, ok);
      const ny = v128.bitselect(f32x4.mul(ny0, inl), zero, ok);
      const nz = v128.bitselect(f32x4.mul(nz0, inl), f32x4.splat(-1), ok);
      let ndl = zero;
      if (pointOn) {
        const vx = f32x4.sub(lx, px), vy = f32x4.sub(ly, py), vz = f32x4.sub(lz, zc);
        const d2 = f32x4.add(f32x4.add(f32x4.mul(vx, vx), f32x4.mul(vy, vy)), f32x4.mul(vz, vz));
        let d = f32x4.sqrt(d2);
        d = v128.bitselect(f32x4.splat(1e-9), d, f32x4.eq(d, zero));
        // max(0, n.v / d) * intensity / (1 + falloff d^2) with one division (d > 0).
        const ndv = f32x4.add(f32x4.add(f32x4.mul(nx, vx), f32x4.mul(ny, vy)), f32x4.mul(nz, vz));
        ndl = f32x4.div(f32x4.mul(f32x4.max(zero, ndv), pi), f32x4.mul(d, f32x4.add(one, f32x4.mul(pf, d2))));
        if (spot) {
          const id = f32x4.div(one, d);
          const sv = f32x4.mul(f32x4.neg(f32x4.add(f32x4.add(f32x4.mul(vx, sx), f32x4.mul(vy, sy)), f32x4.mul(vz, sz))), id);
          const t = clamp4(f32x4.mul(f32x4.sub(sv, cosOut), spanInv), zero, one);
          ndl = f32x4.mul(ndl, f32x4.mul(f32x4.mul(t, t), f32x4.sub(f32x4.splat(3), f32x4.add(t, t))));
        }
        ndl = f32x4.mul(f32x4.mul(ndl, f32x4.sub(one, f32x4.mul(sh, f32x4.sub(one, clamp4(pv, zero, one))))), unsky);
      }
      // Without the directional light its term is +0 (every factor finite, its intensity 0): not computed.
      let ndd = zero;
      if (withDir) {
        const ndu = f32x4.add(f32x4.add(f32x4.mul(nx, ux), f32x4.mul(ny, uy)), f32x4.mul(nz, uz));
        ndd = f32x4.mul(f32x4.mul(f32x4.mul(f32x4.max(zero, ndu), di), f32x4.sub(one, f32x4.mul(sh, f32x4.sub(one, clamp4(dv, zero, one))))), unsky);
      }
      const o = <usize>i * 3;
      let sr: v128, sg: v128, sb: v128;
      if (single) {
        sr = f32x4.splat(<f32>load<u8>(rgb + o));
        sg = f32x4.splat(<f32>load<u8>(rgb + o + 1));
        sb = f32x4.splat(<f32>load<u8>(rgb + o + 2));
      } else {
        // 16 bytes hold the 12 of four pixels (the 4 after them lie in the next slot of the memory).
        const px4 = v128.load(rgb + o);
        sr = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1)));
        sg = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1)));
        sb = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1)));
      }
      // The grain of the four pixels (or of the one, in every lane): grain-plane.as.ts's planes.
      const g = grain + (<usize>i << 2);
      let nr4: v128, ng4: v128, nb4: v128;
      if (single) {
        nr4 = f32x4.splat(load<f32>(g)); ng4 = f32x4.splat(load<f32>(g + gStride)); nb4 = f32x4.splat(load<f32>(g + 2 * gStride));
      } else {
        nr4 = v128.load(g); ng4 = v128.load(g + gStride); nb4 = v128.load(g + 2 * gStride);
      }
      // Saturating narrows clamp to 0..255; the shuffle interleaves r, g, b per pixel.
      const rg = i16x8.narrow_i32x4_s(lit(sr, nr4, pr, dr, amb, ndl, ndd, str, withDir), lit(sg, ng4, pg, dg, amb, ndl, ndd, str, withDir));
      const bb = lit(sb, nb4, pb, db, amb, ndl, ndd, str, withDir);
      const bytes = i8x16.narrow_i16x8_u(rg, i16x8.narrow_i32x4_s(bb, bb));
      const rgbOut = i8x16.shuffle(bytes, bytes, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 13, 14, 15);
      if (single) {
        store<u16>(out + o, <u16>i16x8.extract_lane_u(rgbOut, 0));
        store<u8>(out + o + 2, <u8>i8x16.extract_lane_u(rgbOut, 2));
        X++;
      } else {
        v128.store64_lane(out + o, rgbOut, 0);
        v128.store32_lane(out + o + 8, rgbOut, 2);
        X += 4;
      }
    }
  }
}

@inline function v4(prm: usize, k: i32): v128 {
  return f32x4.splat(<f32>p64(prm, k));
}

/**
 * The lit source, rounded: the light falls on the picture without its grain n (grain.ts) and the grain is
 * added back as it was, so brightening does not amplify it: (s - n) * gain + n.
 */
@inline function lit(s: v128, n: v128, pc: v128, dc: v128, amb: v128, ndl: v128, ndd: v128, str: v128, withDir: bool): v128 {
  const one = f32x4.splat(1);
  // Without the directional light ndd is +0, and +0 added to a sum that is never -0 (amb and ndl are at
  // least +0) leaves it as it is: the term is not computed.
  const point = f32x4.add(amb, f32x4.mul(ndl, pc));
  const shade = withDir ? f32x4.add(point, f32x4.mul(ndd, dc)) : point;
  const gain = f32x4.add(one, f32x4.mul(str, f32x4.sub(shade, one)));
  return i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.sub(s, n), gain), f32x4.add(n, f32x4.splat(0.5))));
}

@inline function clamp4(a: v128, lo: v128, hi: v128): v128 {
  return f32x4.min(hi, f32x4.max(lo, a));
}

/** The column pass of one channel plane at the byte offset c of rows r0..r3 (four pixels, or one), in the row pass's order. */
@inline function column(r0: usize, r1: usize, r2: usize, r3: usize, c: usize, w0: v128, w1: v128, w2: v128, w3: v128, single: bool): v128 {
  if (single) {
    const a = f32x4.extract_lane(w0, 0) * load<f32>(r0 + c) + f32x4.extract_lane(w1, 0) * load<f32>(r1 + c);
    const b = f32x4.extract_lane(w2, 0) * load<f32>(r2 + c) + f32x4.extract_lane(w3, 0) * load<f32>(r3 + c);
    return f32x4.splat(a + b);
  }
  return f32x4.add(
    f32x4.add(f32x4.mul(w0, v128.load(r0 + c)), f32x4.mul(w1, v128.load(r1 + c))),
    f32x4.add(f32x4.mul(w2, v128.load(r2 + c)), f32x4.mul(w3, v128.load(r3 + c))),
  );
}
