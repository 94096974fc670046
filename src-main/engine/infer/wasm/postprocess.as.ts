/**
 * The model thread's per-frame work on a network output (../postprocess.ts: depthAtResolutionCached) in
 * AssemblyScript, compiled to WebAssembly by `npm run build:wasm` and embedded in ../postprocess-wasm-binary.ts.
 * Why: V8 runs these loops one value at a time with a branch per comparison; here four values go at once.
 * The same bits as the TypeScript: the same f64 operations in the same order, f32 where it stores, the
 * floor's and the range's comparisons as select / pmin / pmax (a NaN passes where `<` is false, as there).
 * Only the range's lanes are combined in another order than the TypeScript's scan: that changes nothing
 * but which zero (+0 or -0) is kept when the range ends at zero, which ../postprocess-wasm.ts rescans.
 * Pointers are byte offsets into this module's memory; ../postprocess-wasm.ts lays the buffers out.
 */

/**
 * `src` (f32, sw wide) resized bilinearly to `out` (f32, dw x dh), floored at `floor` when `metric`, its
 * minimum and maximum (as stored) written as f32 to `range` and `range + 4` (40 bytes there: the lanes too). Rows: `ya`, `yb` (i32, byte
 * offsets of the two source rows), `yw` (f64 weight of the second); columns: `xa`, `xb` (i32, byte offsets
 * in a row), `xw` (f64 weight of the second) and `xw1` (f64, 1 - xw). A row of weight 0 reads one source row.
 */
export function resize(src: usize, dw: i32, dh: i32, ya: usize, yb: usize, yw: usize, xa: usize, xb: usize, xw: usize, xw1: usize, out: usize, metric: bool, floor: f32, range: usize): void {
  const F = f32x4.splat(floor);
  let lo4 = f32x4.splat(Infinity), hi4 = f32x4.splat(-Infinity);
  let lo: f32 = Infinity, hi: f32 = -Infinity;
  const n4 = dw & ~3;
  for (let y = 0; y < dh; y++) {
    const r0 = src + <usize>load<i32>(ya + (<usize>y << 2));
    const r1 = src + <usize>load<i32>(yb + (<usize>y << 2));
    const wy = load<f64>(yw + (<usize>y << 3));
    const wy1 = 1 - wy;
    const WY = f64x2.splat(wy), WY1 = f64x2.splat(wy1);
    const o = out + (<usize>(y * dw) << 2);
    let x = 0;
    for (; x < n4; x += 4) {
      const ix = <usize>x << 2, dx = <usize>x << 3;
      const a0 = <usize>load<i32>(xa + ix), a1 = <usize>load<i32>(xa + ix, 4), a2 = <usize>load<i32>(xa + ix, 8), a3 = <usize>load<i32>(xa + ix, 12);
      const b0 = <usize>load<i32>(xb + ix), b1 = <usize>load<i32>(xb + ix, 4), b2 = <usize>load<i32>(xb + ix, 8), b3 = <usize>load<i32>(xb + ix, 12);
      const w0 = v128.load(xw + dx), w1 = v128.load(xw + dx, 16);
      const u0 = v128.load(xw1 + dx), u1 = v128.load(xw1 + dx, 16);
      let lo2: v128, hi2: v128;
      if (wy == 0) {
        lo2 = f64x2.add(f64x2.mul(pair(r0 + a0, r0 + a1), u0), f64x2.mul(pair(r0 + b0, r0 + b1), w0));
        hi2 = f64x2.add(f64x2.mul(pair(r0 + a2, r0 + a3), u1), f64x2.mul(pair(r0 + b2, r0 + b3), w1));
      } else {
        const t0 = f64x2.add(f64x2.mul(pair(r0 + a0, r0 + a1), u0), f64x2.mul(pair(r0 + b0, r0 + b1), w0));
        const t1 = f64x2.add(f64x2.mul(pair(r0 + a2, r0 + a3), u1), f64x2.mul(pair(r0 + b2, r0 + b3), w1));
        const s0 = f64x2.add(f64x2.mul(pair(r1 + a0, r1 + a1), u0), f64x2.mul(pair(r1 + b0, r1 + b1), w0));
        const s1 = f64x2.add(f64x2.mul(pair(r1 + a2, r1 + a3), u1), f64x2.mul(pair(r1 + b2, r1 + b3), w1));
        lo2 = f64x2.add(f64x2.mul(t0, WY1), f64x2.mul(s0, WY));
        hi2 = f64x2.add(f64x2.mul(t1, WY1), f64x2.mul(s1, WY));
      }
      let v = v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo2), f32x4.demote_f64x2_zero(hi2), 0, 1, 4, 5);
      if (metric) v = v128.bitselect(v, F, f32x4.ge(v, F));
      v128.store(o + ix, v);
      lo4 = f32x4.pmin(lo4, v);
      hi4 = f32x4.pmax(hi4, v);
    }
    for (; x < dw; x++) {
      const ix = <usize>x << 2, dx = <usize>x << 3;
      const a = <usize>load<i32>(xa + ix), b = <usize>load<i32>(xb + ix);
      const w = load<f64>(xw + dx), w1 = load<f64>(xw1 + dx);
      const top = <f64>load<f32>(r0 + a) * w1 + <f64>load<f32>(r0 + b) * w;
      let v: f32;
      if (wy == 0) v = <f32>top;
      else v = <f32>(top * wy1 + (<f64>load<f32>(r1 + a) * w1 + <f64>load<f32>(r1 + b) * w) * wy);
      if (metric && !(v >= floor)) v = floor;
      store<f32>(o + ix, v);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  v128.store(range, lo4, 8);
  v128.store(range, hi4, 24);
  for (let l = 0; l < 4; l++) {
    const a = load<f32>(range + (<usize>l << 2), 8), b = load<f32>(range + (<usize>l << 2), 24);
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  store<f32>(range, lo);
  store<f32>(range, hi, 4);
}

/** Two f32 values at `p` and `q`, widened: an f64x2. */
// @ts-ignore: decorator
@inline function pair(p: usize, q: usize): v128 {
  return f64x2.replace_lane(f64x2.splat(<f64>load<f32>(p)), 1, <f64>load<f32>(q));
}

/**
 * common/quantize.ts's round trip over `n` f32 values at `src`: each quantised, q = trunc((v - offset) *
 * inv + 0.5) clamped to 0..65535, into `q` (u16), and replaced by offset + q * scale (f64, stored f32).
 * A NaN truncates to 0 there (`| 0`) and here (saturating truncation); every other value is within range.
 */
export function roundTrip(src: usize, q: usize, n: i32, offset: f64, scale: f64, inv: f64): void {
  const OFF = f64x2.splat(offset), SC = f64x2.splat(scale), INV = f64x2.splat(inv), HALF = f64x2.splat(0.5);
  const ZERO = i32x4.splat(0), TOP = i32x4.splat(65535);
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    const p = src + (<usize>i << 2);
    const va = quant(v128.load(p), OFF, INV, HALF, ZERO, TOP);
    const vb = quant(v128.load(p, 16), OFF, INV, HALF, ZERO, TOP);
    v128.store(q + (<usize>i << 1), i16x8.narrow_i32x4_u(va, vb));
    v128.store(p, back(va, OFF, SC));
    v128.store(p, back(vb, OFF, SC), 16);
  }
  for (; i < n; i++) {
    const p = src + (<usize>i << 2);
    let k = i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(f64x2.splat((<f64>load<f32>(p) - offset) * inv + 0.5)), 0);
    k = k < 0 ? 0 : k > 65535 ? 65535 : k;
    store<u16>(q + (<usize>i << 1), <u16>k);
    store<f32>(p, <f32>(offset + <f64>k * scale));
  }
}

/** Four f32 values quantised: i32x4 in 0..65535. */
// @ts-ignore: decorator
@inline function quant(v: v128, OFF: v128, INV: v128, HALF: v128, ZERO: v128, TOP: v128): v128 {
  const lo = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), OFF), INV), HALF));
  const hi = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3)), OFF), INV), HALF));
  return i32x4.min_s(i32x4.max_s(v128.shuffle<i32>(lo, hi, 0, 1, 4, 5), ZERO), TOP);
}

/** Four quantised values as the cache gives them back: offset + q * scale, stored f32. */
// @ts-ignore: decorator
@inline function back(k: v128, OFF: v128, SC: v128): v128 {
  const lo = f64x2.add(OFF, f64x2.mul(f64x2.convert_low_i32x4_s(k), SC));
  const hi = f64x2.add(OFF, f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(k, k, 2, 3, 2, 3)), SC));
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}
