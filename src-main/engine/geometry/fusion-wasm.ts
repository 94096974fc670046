import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { FUSION_WASM_BASE64 } from './fusion-wasm-binary.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';

/**
 * The view fusion in WebAssembly (wasm/fusion.as.ts), with the same results as view-fusion.ts: each
 * view's warp and the gathering of its values, and the per-pixel combination. The values are gathered straight into the module's memory, value k of
 * pixel p at k * n4 + p (four neighbouring pixels' k-th values side by side, as the sort reads them).
 */
interface FusionExports {
  warpAccumulate(inv: number, from: number, g: number, T: number, fx: number, fy: number, cx: number, cy: number, w: number, h: number, rayX: number, rayY: number,
    warped: number, grey: number, own: number, refGray: number, vals: number, n4: number, count: number, reachLo: number, reachHi: number, photo: number): void;
  temporalWarp(prev: number, M: number, fx: number, fy: number, cx: number, cy: number, w: number, h: number, sx: number, sy: number, rayX: number, rayY: number, warped: number, crackAt: number, crackZ: number): void;
  blend(warped: number, z: number, out: number, n: number, metric: boolean, tol: number, k: number, flip: boolean): void;
  combine(vals: number, n4: number, count: number, own: number, out: number, n: number, lo: number, hi: number, trim: number, scratch: number, net: number): void;
}


/** Most values a pixel the sorting networks take. */
export const COMBINE_MAX_VALUES = 64;

/**
 * Batcher's odd-even merge sort for `size` inputs (a power of two) as compare-exchange pairs (lower
 * index first), in an order that sorts; the pairs touching inputs at or past `m` left out: with those
 * inputs +inf, no pair ever moves a value there, so the rest sorts the first m.
 */
export function sortingNetwork(size: number, m: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let p = 1; p < size; p *= 2)
    for (let k = p; k >= 1; k = k >> 1)
      for (let j = k % p; j <= size - 1 - k; j += 2 * k)
        for (let i = 0; i <= Math.min(k - 1, size - j - k - 1); i++)
          if (Math.floor((i + j) / (p * 2)) === Math.floor((i + j + k) / (p * 2)) && i + j + k < m) pairs.push([i + j, i + j + k]);
  return pairs;
}

const fusionModule = embeddedWasm(FUSION_WASM_BASE64);
/** The networks for 0..COMBINE_MAX_VALUES values, made once. */
let nets: [number, number][][] | null = null;

function instance(bytes: number): { exports: FusionExports; buffer: ArrayBuffer } {
  return wasmInstance<FusionExports>(fusionModule(), bytes);
}

/**
 * The temporal filter's warp (temporal-filter.ts: splat and fillCracks) in WebAssembly, the same
 * values: its two depth planes (this frame's and the history, swapped by the filter) and the warped
 * plane live in the module's memory. `sx`, `sy`: intrinsics' pixels per grid pixel; rays as the
 * filter makes them.
 */
export function createWasmTemporalWarp(K: Intrinsics, w: number, h: number, sx: number, sy: number, rayX: Float32Array, rayY: Float32Array) {
  const n = w * h, n4 = (n + 3) & ~3;
  const M = 0, rx = 96, ry = rx + 4 * ((w + 3) & ~3), z0 = ry + 4 * ((h + 3) & ~3), z1 = z0 + 4 * n4, warped = z1 + 4 * n4, crackAt = warped + 4 * n4, crackZ = crackAt + 4 * n4, out = crackZ + 4 * n4;
  const { exports, buffer } = instance(out + 4 * n4);
  new Float32Array(buffer, rx, w).set(rayX);
  new Float32Array(buffer, ry, h).set(rayY);
  const Mm = new Float64Array(buffer, M, 12);
  const planes = [new Float32Array(buffer, z0, n), new Float32Array(buffer, z1, n)], outPlane = new Float32Array(buffer, out, n);
  return {
    /** The two depth planes. */
    planes,
    warped: new Float32Array(buffer, warped, n),
    /** planes[which] moved by T into `warped`, the cracks filled. */
    warp(which: number, T: Mat4): void {
      for (let i = 0; i < 12; i++) Mm[i] = T[i];
      exports.temporalWarp(which ? z1 : z0, M, K.fx, K.fy, K.cx, K.cy, w, h, sx, sy, rx, ry, warped, crackAt, crackZ);
    },
    /** temporal-filter.ts: blend of `warped` into planes[which] and `o` (copied through the module's memory); k = weight * (1 - alpha). */
    blend(which: number, o: Float32Array, metric: boolean, tol: number, k: number, flip: boolean): void {
      outPlane.set(o);
      exports.blend(warped, which ? z1 : z0, out, n, metric, tol, k, flip);
      o.set(outPlane);
    },
  };
}

/**
 * The fusion's warp, gathering and combination for the grid of `K` (rays as view-fusion.ts makes
 * them): its own memory (the values' planes, ~0.6 MB for the 64 x 36 fusion grid).
 */
export function createWasmFusion(K: Intrinsics, rayX: Float64Array, rayY: Float64Array) {
  const n = K.width * K.height, n4 = (n + 3) & ~3;
  // Layout: the networks' table (8 bytes per m) and pairs, the sort's scratch, then the planes.
  nets ??= Array.from({ length: COMBINE_MAX_VALUES + 1 }, (_v, m) => (m < 2 ? [] : sortingNetwork(2 ** Math.ceil(Math.log2(m)), m)));
  const netBytes = 8 * (COMBINE_MAX_VALUES + 1) + 4 * nets.reduce((s, p) => s + p.length, 0);
  const scratch = Math.ceil(netBytes / 16) * 16;
  const count = scratch + 16 * COMBINE_MAX_VALUES, own = count + 4 * n4, out = own + 4 * n4;
  const rx = out + 4 * n4, ry = rx + 8 * K.width, T = ry + 8 * K.height, inv = T + 96, gray = inv + 4 * n4, warped = gray + 4 * n4, grey = warped + 4 * n4, refGray = grey + 4 * n4;
  const vals = refGray + 4 * n4;
  const bytes = vals + 4 * n4 * COMBINE_MAX_VALUES;
  const { exports, buffer } = instance(bytes);
  const memory = { buffer };
  const table = new Int32Array(memory.buffer, 0, 2 * (COMBINE_MAX_VALUES + 1)), pairs = new Uint32Array(memory.buffer);
  let at = 8 * (COMBINE_MAX_VALUES + 1);
  nets.forEach((net: [number, number][], m: number) => {
    table[2 * m] = net.length;
    table[2 * m + 1] = at;
    for (const [a, b] of net) { pairs[at >> 2] = (a * 16) | ((b * 16) << 16); at += 4; }
  });
  new Float64Array(memory.buffer, rx, K.width).set(rayX);
  new Float64Array(memory.buffer, ry, K.height).set(rayY);
  const Tm = new Float64Array(memory.buffer, T, 12), invM = new Float32Array(memory.buffer, inv, n), grayM = new Float32Array(memory.buffer, gray, n);
  return {
    n4,
    /** Value k of pixel p at k * n4 + p. */
    vals: new Float32Array(memory.buffer, vals, n4 * COMBINE_MAX_VALUES),
    /** Values per pixel (0 past n). */
    count: new Int32Array(memory.buffer, count, n4),
    own: new Float32Array(memory.buffer, own, n),
    refGray: new Float32Array(memory.buffer, refGray, n),
    out: new Float32Array(memory.buffer, out, n),
    /** view-fusion.ts: warp then accumulate, for the view (inv times g, grey levels) moved by M; own and refGray set. */
    warpAccumulate(viewInv: Float32Array, viewGray: Float32Array, g: number, M: Mat4, reachLo: number, reachHi: number, photo: number): void {
      invM.set(viewInv);
      grayM.set(viewGray);
      for (let i = 0; i < 12; i++) Tm[i] = M[i];
      exports.warpAccumulate(inv, gray, g, T, K.fx, K.fy, K.cx, K.cy, K.width, K.height, rx, ry, warped, grey, own, refGray, vals, n4, count, reachLo, reachHi, photo);
    },
    combine(lo: number, hi: number, trim: number): void {
      exports.combine(vals, n4, count, own, out, n, lo, hi, trim, scratch, 0);
    },
  };
}
