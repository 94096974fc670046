/**
 * Export's colour conversions, four pixels per f32x4: the decoder's planar YUV (4:2:0 or 4:4:4, 8 bit) to
 * packed RGB8, and the effects' RGB8 to planar 4:2:0 for the encoder. Piping YUV halves the bytes of a
 * 4:2:0 frame and takes swscale's conversions out of both ffmpeg processes.
 * The caller gives the matrix as coefficients (yuv.ts: BT.601 or BT.709, limited or full range):
 *   to RGB:  y' = (Y - yo) * ys, r = y' + crv (V - 128), g = y' - cgu (U - 128) - cgv (V - 128), b = y' + cbu (U - 128)
 *   to YUV:  Y = yo + ky (kr r + kg g + kb b), U = 128 + ku (b - luma), V = 128 + kv (r - luma)
 * 4:2:0 chroma is taken per 2x2 block both ways (each sample covers its block: the same chroma for the
 * four pixels on decode, the mean of the four pixels on encode), as swscale does at equal sizes.
 * Rounding is to nearest (x + 0.5 truncated; negatives clamp to 0 regardless); saturating narrows clamp to 0..255.
 * Rows are processed in groups of four pixels (eight for 4:2:0 encode) with a scalar tail; a group's
 * 16-byte load or store may touch up to 4 bytes past its row, so buffers keep 16 bytes of slack (yuv.ts).
 */

// Matrix coefficients (set by setMatrix, kept between frames).
let yo: f32 = 16, ys: f32 = 1, crv: f32 = 0, cgu: f32 = 0, cgv: f32 = 0, cbu: f32 = 0;
let kr: f32 = 0.299, kg: f32 = 0.587, kb: f32 = 0.114, ky: f32 = 1, ku: f32 = 0, kv: f32 = 0;

export function setMatrix(
  yOff: f32, yScale: f32, rV: f32, gU: f32, gV: f32, bU: f32,
  wr: f32, wg: f32, wb: f32, yGain: f32, uGain: f32, vGain: f32,
): void {
  yo = yOff; ys = yScale; crv = rV; cgu = gU; cgv = gV; cbu = bU;
  kr = wr; kg = wg; kb = wb; ky = yGain; ku = uGain; kv = vGain;
}

@inline function toByte(v: f32): u8 {
  const i = <i32>(v + 0.5);
  return <u8>(i < 0 ? 0 : i > 255 ? 255 : i);
}

/** Packs four pixels' r, g, b (f32x4 each) as 12 bytes at o (16 written: 4 of slack). */
@inline function storeRgb4(o: usize, r: v128, g: v128, b: v128): void {
  const half = f32x4.splat(0.5);
  const ri = i32x4.trunc_sat_f32x4_s(f32x4.add(r, half));
  const gi = i32x4.trunc_sat_f32x4_s(f32x4.add(g, half));
  const bi = i32x4.trunc_sat_f32x4_s(f32x4.add(b, half));
  const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(ri, gi), i16x8.narrow_i32x4_s(bi, bi));
  v128.store(o, i8x16.shuffle(bytes, bytes, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 13, 14, 15));
}

/** Four f32 as four bytes at o (rounded, clamped). */
@inline function storeBytes4(o: usize, v: v128): void {
  const i = i32x4.trunc_sat_f32x4_s(f32x4.add(v, f32x4.splat(0.5)));
  const n = i16x8.narrow_i32x4_s(i, i);
  v128.store32_lane(o, i8x16.narrow_i16x8_u(n, n), 0);
}

/** Bytes 0..3 at p as f32x4. */
@inline function load4(p: usize): v128 {
  return f32x4.convert_i32x4_u(i8x16.swizzle(v128.load32_zero(p), i8x16(0, -1, -1, -1, 1, -1, -1, -1, 2, -1, -1, -1, 3, -1, -1, -1)));
}

/** Bytes 0, 0, 1, 1 at p as f32x4 (two 4:2:0 chroma samples over four pixels). */
@inline function load2x2(p: usize): v128 {
  return f32x4.convert_i32x4_u(i8x16.swizzle(v128.load32_zero(p), i8x16(0, -1, -1, -1, 0, -1, -1, -1, 1, -1, -1, -1, 1, -1, -1, -1)));
}

/**
 * Planar YUV (Y plane at y, U at u, V at v; chroma of (W/2)x(H/2) when sub, else WxH) to packed RGB8 at out.
 * With sub, W and H are even.
 */
export function yuvToRgb(y: usize, u: usize, v: usize, W: i32, H: i32, sub: bool, out: usize): void {
  const yo4 = f32x4.splat(yo), ys4 = f32x4.splat(ys), c128 = f32x4.splat(128);
  const crv4 = f32x4.splat(crv), cgu4 = f32x4.splat(cgu), cgv4 = f32x4.splat(cgv), cbu4 = f32x4.splat(cbu);
  const cw = sub ? W >> 1 : W;
  for (let row = 0; row < H; row++) {
    const yr = y + <usize>(row * W);
    const cr = <usize>((sub ? row >> 1 : row) * cw);
    const ur = u + cr, vr = v + cr;
    const o = out + <usize>(row * W) * 3;
    let x = 0;
    for (; x + 4 <= W; x += 4) {
      const Y = f32x4.mul(f32x4.sub(load4(yr + <usize>x), yo4), ys4);
      const cx = <usize>(sub ? x >> 1 : x);
      const U = f32x4.sub(sub ? load2x2(ur + cx) : load4(ur + cx), c128);
      const V = f32x4.sub(sub ? load2x2(vr + cx) : load4(vr + cx), c128);
      const r = f32x4.add(Y, f32x4.mul(crv4, V));
      const g = f32x4.sub(f32x4.sub(Y, f32x4.mul(cgu4, U)), f32x4.mul(cgv4, V));
      const b = f32x4.add(Y, f32x4.mul(cbu4, U));
      storeRgb4(o + <usize>x * 3, r, g, b);
    }
    for (; x < W; x++) {
      const Y = (<f32>load<u8>(yr + <usize>x) - yo) * ys;
      const cx = <usize>(sub ? x >> 1 : x);
      const U = <f32>load<u8>(ur + cx) - 128, V = <f32>load<u8>(vr + cx) - 128;
      const p = o + <usize>x * 3;
      store<u8>(p, toByte(Y + crv * V));
      store<u8>(p + 1, toByte(Y - cgu * U - cgv * V));
      store<u8>(p + 2, toByte(Y + cbu * U));
    }
  }
}

/** Channel ch (0 r, 1 g, 2 b) of the four packed RGB8 pixels held in the first 12 bytes of px. */
@inline function channel(px: v128, ch: i32): v128 {
  if (ch == 0) return f32x4.convert_i32x4_u(i8x16.swizzle(px, i8x16(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1)));
  if (ch == 1) return f32x4.convert_i32x4_u(i8x16.swizzle(px, i8x16(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1)));
  return f32x4.convert_i32x4_u(i8x16.swizzle(px, i8x16(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1)));
}

/** Sums of neighbouring lanes of a then b: (a0 + a1, a2 + a3, b0 + b1, b2 + b3). */
@inline function pairSums(a: v128, b: v128): v128 {
  return f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
}

/** Packed RGB8 (W x H, both even) to planar 4:2:0: Y plane at y, U and V planes of (W/2)x(H/2) at u and v. */
export function rgbToYuv420(rgb: usize, W: i32, H: i32, y: usize, u: usize, v: usize): void {
  const kr4 = f32x4.splat(kr), kg4 = f32x4.splat(kg), kb4 = f32x4.splat(kb);
  const yo4 = f32x4.splat(yo), ky4 = f32x4.splat(ky), ku4 = f32x4.splat(ku * 0.25), kv4 = f32x4.splat(kv * 0.25);
  const c128 = f32x4.splat(128);
  const cw = W >> 1;
  for (let row = 0; row < H; row += 2) {
    const s0 = rgb + <usize>(row * W) * 3, s1 = s0 + <usize>W * 3;
    const y0 = y + <usize>(row * W), y1 = y0 + <usize>W;
    const co = <usize>((row >> 1) * cw);
    let x = 0;
    for (; x + 8 <= W; x += 8) {
      // Pixels x..x+3 (a) and x+4..x+7 (b) of both rows.
      const a0 = v128.load(s0 + <usize>x * 3), b0 = v128.load(s0 + <usize>(x + 4) * 3);
      const a1 = v128.load(s1 + <usize>x * 3), b1 = v128.load(s1 + <usize>(x + 4) * 3);
      const ra0 = channel(a0, 0), ga0 = channel(a0, 1), ba0 = channel(a0, 2);
      const rb0 = channel(b0, 0), gb0 = channel(b0, 1), bb0 = channel(b0, 2);
      const ra1 = channel(a1, 0), ga1 = channel(a1, 1), ba1 = channel(a1, 2);
      const rb1 = channel(b1, 0), gb1 = channel(b1, 1), bb1 = channel(b1, 2);
      const la0 = f32x4.add(f32x4.add(f32x4.mul(kr4, ra0), f32x4.mul(kg4, ga0)), f32x4.mul(kb4, ba0));
      const lb0 = f32x4.add(f32x4.add(f32x4.mul(kr4, rb0), f32x4.mul(kg4, gb0)), f32x4.mul(kb4, bb0));
      const la1 = f32x4.add(f32x4.add(f32x4.mul(kr4, ra1), f32x4.mul(kg4, ga1)), f32x4.mul(kb4, ba1));
      const lb1 = f32x4.add(f32x4.add(f32x4.mul(kr4, rb1), f32x4.mul(kg4, gb1)), f32x4.mul(kb4, bb1));
      storeBytes4(y0 + <usize>x, f32x4.add(yo4, f32x4.mul(ky4, la0)));
      storeBytes4(y0 + <usize>(x + 4), f32x4.add(yo4, f32x4.mul(ky4, lb0)));
      storeBytes4(y1 + <usize>x, f32x4.add(yo4, f32x4.mul(ky4, la1)));
      storeBytes4(y1 + <usize>(x + 4), f32x4.add(yo4, f32x4.mul(ky4, lb1)));
      // Sums over each 2x2 block (the 0.25 is in ku4, kv4); U and V are linear in r, g, b.
      const l = f32x4.add(pairSums(la0, lb0), pairSums(la1, lb1));
      const r = f32x4.add(pairSums(ra0, rb0), pairSums(ra1, rb1));
      const b = f32x4.add(pairSums(ba0, bb0), pairSums(ba1, bb1));
      const cx = co + <usize>(x >> 1);
      storeBytes4(u + cx, f32x4.add(c128, f32x4.mul(ku4, f32x4.sub(b, l))));
      storeBytes4(v + cx, f32x4.add(c128, f32x4.mul(kv4, f32x4.sub(r, l))));
    }
    for (; x < W; x += 2) {
      let ls: f32 = 0, rs: f32 = 0, bs: f32 = 0;
      for (let k = 0; k < 4; k++) {
        const p = (k < 2 ? s0 : s1) + <usize>(x + (k & 1)) * 3;
        const r = <f32>load<u8>(p), g = <f32>load<u8>(p + 1), b = <f32>load<u8>(p + 2);
        const l = kr * r + kg * g + kb * b;
        store<u8>((k < 2 ? y0 : y1) + <usize>(x + (k & 1)), toByte(yo + ky * l));
        ls += l; rs += r; bs += b;
      }
      const cx = co + <usize>(x >> 1);
      store<u8>(u + cx, toByte(128 + ku * 0.25 * (bs - ls)));
      store<u8>(v + cx, toByte(128 + kv * 0.25 * (rs - ls)));
    }
  }
}
