import { KLT_WASM_BASE64 } from './klt-wasm-binary.ts';
import type { Plane } from './image.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';

/**
 * The tracker's Lucas-Kanade in WebAssembly (wasm/klt.as.ts), with the same results as features.ts: lk.
 *
 * A pyramid is copied into the module's memory (with its gradients, computed there; every plane with a
 * border of 2r + 4 pixels repeating its edge, so that no window needs clamped reads) the first time it is
 * tracked from or to, and stays in one of SLOTS slots until the least recently used is needed: a frame is
 * tracked from and to several times (forward and back, the keyframe, the unit transfer's chain), so most
 * calls copy nothing. A larger pyramid or point count gets a new memory and instance (slots emptied).
 */
interface KltExports {
  padCopy(src: number, w: number, h: number, pad: number, dst: number): void;
  gradients(src: number, w: number, h: number, pad: number, gx: number, gy: number): void;
  lk(lv: number, levels: number, pts: number, n: number, r: number, out: number, ok: number, tpl: number): void;
  grayPlane(src: number, n: number, out: number): number;
  normalizeGain(d: number, n: number, sum: number): void;
  pyrDown(s: number, w: number, h: number, out: number): void;
  downsampleRgbGray(src: number, sw: number, sh: number, dw: number, dh: number, gray: number, rgb: number, acc: number, cols: number): void;
  cornerScore(src: number, w: number, h: number, scratch: number, score: number): number;
}

const SLOTS = 8;
/** Largest window radius and pyramid depth the layout leaves room for (larger: the TypeScript path). */
export const KLT_MAX_RADIUS = 31;
const MAX_LEVELS = 8;
/** The window's template (gradients and values), rows of whole v128. */
const SCRATCH = 3 * (2 * KLT_MAX_RADIUS + 1) * 16 * Math.ceil((2 * KLT_MAX_RADIUS + 1) / 4);
const HEADER = MAX_LEVELS * 32 + SCRATCH;

/** The border a window of radius r needs: tracks end within r of the image, a row's last vector reads up to 3 pixels past the window, bilinear one more. */
const padFor = (r: number) => 2 * r + 4;

interface Slot { key: Plane | null; levels: number; pad: number; used: number; at: number[] }
interface State { exports: KltExports; buffer: ArrayBuffer; slotBytes: number; points: number; slots: Slot[]; clock: number }

const kltModule = embeddedWasm(KLT_WASM_BASE64);
let state: State | null = null;

const paddedSize = (l: Plane, pad: number) => (l.width + 2 * pad) * (l.height + 2 * pad);
const pyramidBytes = (p: Plane[], pad: number) => p.reduce((s, l) => s + 3 * 4 * paddedSize(l, pad), 0);

function ensure(slotBytes: number, points: number): State {
  if (state && state.slotBytes >= slotBytes && state.points >= points) return state;
  // Grow both to at least the old sizes: alternating callers must not rebuild each other's memory.
  slotBytes = Math.max(slotBytes, state?.slotBytes ?? 0);
  points = Math.max(points, state?.points ?? 0, 4096);
  const bytes = HEADER + SLOTS * slotBytes + points * 17 + 64;
  const { exports, buffer } = wasmInstance<KltExports>(kltModule(), bytes);
  const slots = Array.from({ length: SLOTS }, () => ({ key: null, levels: 0, pad: 0, used: 0, at: [] }));
  state = { exports, buffer, slotBytes, points, slots, clock: 0 };
  return state;
}

/** Byte offsets of each level's data, gx and gy (their pixels (0, 0)) for pyramid `p`, copying it in when no slot holds it. */
function place(s: State, p: Plane[], pad: number): number[] {
  s.clock++;
  let slot = s.slots.find((x) => x.key === p[0] && x.levels === p.length && x.pad === pad);
  if (!slot) {
    const i = s.slots.reduce((b, x, j) => (x.used < s.slots[b].used ? j : b), 0);
    slot = s.slots[i];
    let o = HEADER + i * s.slotBytes;
    slot.at = [];
    for (const l of p) {
      const n = 4 * paddedSize(l, pad), origin = 4 * (pad * (l.width + 2 * pad) + pad);
      const [d, gx, gy] = [o + origin, o + n + origin, o + 2 * n + origin];
      // The plane comes in where gy will be (written last), then is padded into place.
      new Float32Array(s.buffer, o + 2 * n, l.width * l.height).set(l.data);
      s.exports.padCopy(o + 2 * n, l.width, l.height, pad, d);
      s.exports.gradients(d, l.width, l.height, pad, gx, gy);
      slot.at.push(d, gx, gy);
      o += 3 * n;
    }
    slot.key = p[0];
    slot.levels = p.length;
    slot.pad = pad;
  }
  slot.used = s.clock;
  return slot.at;
}

/** features.ts: lk in WebAssembly: pyramid `pa` to `pb` (same sizes), window radius r. */
export function lkWasm(pa: Plane[], pb: Plane[], pts: Float32Array, r: number): { pts: Float32Array; ok: Uint8Array } {
  const n = pts.length / 2;
  const pad = padFor(r);
  const s = ensure(Math.max(pyramidBytes(pa, pad), pyramidBytes(pb, pad)), n);
  const a = place(s, pa, pad);
  const b = place(s, pb, pad);
  const lv = new Int32Array(s.buffer, 0, MAX_LEVELS * 8);
  for (let l = 0; l < pa.length; l++) lv.set([a[3 * l], a[3 * l + 1], a[3 * l + 2], b[3 * l], pa[l].width, pa[l].height, pa[l].width + 2 * pad, 0], 8 * l);
  const ptsAt = HEADER + SLOTS * s.slotBytes, outAt = ptsAt + 8 * s.points, okAt = outAt + 8 * s.points;
  new Float32Array(s.buffer, ptsAt, 2 * n).set(pts);
  s.exports.lk(0, pa.length, ptsAt, n, r, outAt, okAt, MAX_LEVELS * 32);
  return { pts: new Float32Array(s.buffer, outAt, 2 * n).slice(), ok: new Uint8Array(s.buffer, okAt, n).slice() };
}

let prep: { exports: KltExports; buffer: ArrayBuffer; bytes: number } | null = null;

/** The frame-preparation instance (its own memory, apart from the tracker's slots), with at least `need` bytes. */
function prepOf(need: number) {
  if (!prep || prep.bytes < need) {
    // Grown to at least the old size: callers with other frame sizes must not rebuild it by turns.
    need = Math.max(need, prep?.bytes ?? 0);
    prep = { ...wasmInstance<KltExports>(kltModule(), need), bytes: need };
  }
  return prep;
}

/**
 * image.ts: downsampleRgbGray's blocks of one or two rows and columns in WebAssembly: the same
 * integer sums and operations, the same bits (test/geometry/geometry-kernels.test.ts). Why: as
 * pyramidWasm, about twice as fast as V8 ran it in the analysis.
 */
export function downsampleWasm(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, into?: Float32Array): { gray: Float32Array; rgb: Uint8Array } {
  const n = 3 * sw * sh, gAt = (n + 3) & ~3, rgbAt = gAt + 4 * dw * dh, accAt = (rgbAt + 3 * dw * dh + 3) & ~3, colsAt = accAt + 12 * sw;
  const { exports: x, buffer } = prepOf(colsAt + 4 * dw + 64);
  new Uint8Array(buffer, 0, n).set(src.subarray(0, n));
  x.downsampleRgbGray(0, sw, sh, dw, dh, gAt, rgbAt, accAt, colsAt);
  const gray = new Float32Array(buffer, gAt, dw * dh);
  const rgb = new Uint8Array(buffer, rgbAt, 3 * dw * dh);
  // With `into`, the grey goes there and the colours stay a view of the module's memory (valid until the
  // next call here): the analysis reads them once (the cut detector's histogram), so no copy is made.
  if (into?.length === dw * dh) { into.set(gray); return { gray: into, rgb }; }
  return { gray: gray.slice(), rgb: rgb.slice() };
}

/**
 * image.ts: trackingPyramid of a w x h RGB8 frame tracked at its own size, in WebAssembly (its own
 * instance and memory): the same operations, the same bits. `into`: arrays the levels are copied to
 * (the analysis recycles those of frames that left its window: no new 0.47 MB a 720p frame). Why: in the analysis these loops cost
 * about twice as much in V8 as here (they ran well below their speed in a loop of their own).
 */
export function pyramidWasm(rgb: Uint8Array, w: number, h: number, levels: number, into?: (Float32Array | undefined)[]): Plane[] {
  const sizes: [number, number][] = [[w, h]];
  for (let l = 1; l < levels; l++) { const [pw, ph] = sizes[l - 1]; sizes.push([Math.max(1, pw >> 1), Math.max(1, ph >> 1)]); }
  const planes = sizes.reduce((s, [pw, ph]) => s + 4 * pw * ph, 0);
  const { exports: x, buffer } = prepOf(3 * w * h + planes + 64);
  new Uint8Array(buffer, 0, 3 * w * h).set(rgb.subarray(0, 3 * w * h));
  // Planes from a 4-aligned offset after the frame, one after another.
  const at = [(3 * w * h + 3) & ~3];
  for (let l = 1; l < levels; l++) at.push(at[l - 1] + 4 * sizes[l - 1][0] * sizes[l - 1][1]);
  x.normalizeGain(at[0], w * h, x.grayPlane(0, w * h, at[0]));
  for (let l = 1; l < levels; l++) x.pyrDown(at[l - 1], sizes[l - 1][0], sizes[l - 1][1], at[l]);
  // `into`: planes to reuse, by level (one of another size, or none, gets a new array).
  return sizes.map(([pw, ph], l) => {
    const v = new Float32Array(buffer, at[l], pw * ph), d = into?.[l];
    return { width: pw, height: ph, data: d?.length === pw * ph ? (d.set(v), d) : v.slice() };
  });
}

/**
 * features.ts: detectCorners' score plane and its largest value, in WebAssembly: the same operations,
 * the same bits (test/geometry/geometry-kernels.test.ts). The plane is a view of the module's memory,
 * valid until the next call here.
 */
export function cornerScoreWasm(p: Plane): { score: Float32Array; max: number } {
  const n = p.width * p.height, score = 4 * n, scratch = 8 * n;
  // The scratch: three planes, three rows of f32 and (8-aligned) three of f64.
  const { exports: x, buffer } = prepOf(scratch + 12 * n + 12 * p.width + 24 * p.width + 64);
  new Float32Array(buffer, 0, n).set(p.data);
  const max = x.cornerScore(0, p.width, p.height, scratch, score);
  return { score: new Float32Array(buffer, score, n), max };
}

/** Whether lkWasm takes these pyramids and window. */
export const wasmTakes = (pa: Plane[], pb: Plane[], r: number) =>
  r <= KLT_MAX_RADIUS && pa.length <= MAX_LEVELS && pa.length === pb.length && pa.every((l, i) => l.width === pb[i].width && l.height === pb[i].height);
