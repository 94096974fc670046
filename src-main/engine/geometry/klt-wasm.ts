import { KLT_WASM_BASE64 } from './klt-wasm-binary.ts';
import type { Plane } from './image.ts';

/**
 * The tracker's Lucas-Kanade in WebAssembly (wasm/klt.as.ts), with the same results as features.ts: lk.
 *
 * A pyramid is copied into the module's memory (with its gradients, computed there) the first time it is
 * tracked from or to, and stays in one of SLOTS slots until the least recently used is needed: a frame is
 * tracked from and to several times (forward and back, the keyframe, the unit transfer's chain), so most
 * calls copy nothing. A larger pyramid or point count gets a new memory and instance (slots emptied).
 */
interface KltExports {
  gradients(src: number, w: number, h: number, gx: number, gy: number): void;
  lk(lv: number, levels: number, pts: number, n: number, r: number, out: number, ok: number, ix: number, iy: number, i0: number, tab: number): void;
}

/** The part of the WebAssembly JS API used here (the engine compiles without the DOM library, where TypeScript declares it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const SLOTS = 8;
/** Largest window radius and pyramid depth the layout leaves room for (larger: the TypeScript path). */
export const KLT_MAX_RADIUS = 31;
const MAX_LEVELS = 8;
const SCRATCH = ((2 * KLT_MAX_RADIUS + 1) ** 2 + 2) * 4;
const TAB = 24 * (2 * KLT_MAX_RADIUS + 1);
const HEADER = MAX_LEVELS * 32 + 3 * SCRATCH + TAB;

interface Slot { key: Plane | null; levels: number; used: number; at: number[] }
interface State { exports: KltExports; buffer: ArrayBuffer; slotBytes: number; points: number; slots: Slot[]; clock: number }

let wasmModule: object | null = null;
let state: State | null = null;

const pyramidBytes = (p: Plane[]) => p.reduce((s, l) => s + 3 * 4 * l.width * l.height, 0);

function ensure(slotBytes: number, points: number): State {
  if (state && state.slotBytes >= slotBytes && state.points >= points) return state;
  // Grow both to at least the old sizes: alternating callers must not rebuild each other's memory.
  slotBytes = Math.max(slotBytes, state?.slotBytes ?? 0);
  points = Math.max(points, state?.points ?? 0, 4096);
  const bytes = HEADER + SLOTS * slotBytes + points * 17 + 64;
  wasmModule ??= new WebAssemblyApi.Module(Buffer.from(KLT_WASM_BASE64, 'base64'));
  const memory = new WebAssemblyApi.Memory({ initial: Math.ceil(bytes / 65536) });
  const instance = new WebAssemblyApi.Instance(wasmModule, { env: { memory } });
  const slots = Array.from({ length: SLOTS }, () => ({ key: null, levels: 0, used: 0, at: [] }));
  state = { exports: instance.exports as KltExports, buffer: memory.buffer, slotBytes, points, slots, clock: 0 };
  return state;
}

/** Byte offsets of each level's data, gx and gy for pyramid `p`, copying it in when no slot holds it. */
function place(s: State, p: Plane[]): number[] {
  s.clock++;
  let slot = s.slots.find((x) => x.key === p[0] && x.levels === p.length);
  if (!slot) {
    const i = s.slots.reduce((b, x, j) => (x.used < s.slots[b].used ? j : b), 0);
    slot = s.slots[i];
    let o = HEADER + i * s.slotBytes;
    slot.at = [];
    for (const l of p) {
      const n = l.width * l.height;
      new Float32Array(s.buffer, o, n).set(l.data);
      s.exports.gradients(o, l.width, l.height, o + 4 * n, o + 8 * n);
      slot.at.push(o, o + 4 * n, o + 8 * n);
      o += 12 * n;
    }
    slot.key = p[0];
    slot.levels = p.length;
  }
  slot.used = s.clock;
  return slot.at;
}

/** features.ts: lk in WebAssembly: pyramid `pa` to `pb` (same sizes), window radius r. */
export function lkWasm(pa: Plane[], pb: Plane[], pts: Float32Array, r: number): { pts: Float32Array; ok: Uint8Array } {
  const n = pts.length / 2;
  const s = ensure(Math.max(pyramidBytes(pa), pyramidBytes(pb)), n);
  const a = place(s, pa);
  const b = place(s, pb);
  const lv = new Int32Array(s.buffer, 0, MAX_LEVELS * 8);
  for (let l = 0; l < pa.length; l++) lv.set([a[3 * l], a[3 * l + 1], a[3 * l + 2], b[3 * l], pa[l].width, pa[l].height, 0, 0], 8 * l);
  const ix = MAX_LEVELS * 32, iy = ix + SCRATCH, i0 = iy + SCRATCH;
  const ptsAt = HEADER + SLOTS * s.slotBytes, outAt = ptsAt + 8 * s.points, okAt = outAt + 8 * s.points;
  new Float32Array(s.buffer, ptsAt, 2 * n).set(pts);
  s.exports.lk(0, pa.length, ptsAt, n, r, outAt, okAt, ix, iy, i0, i0 + SCRATCH);
  return { pts: new Float32Array(s.buffer, outAt, 2 * n).slice(), ok: new Uint8Array(s.buffer, okAt, n).slice() };
}

/** Whether lkWasm takes these pyramids and window. */
export const wasmTakes = (pa: Plane[], pb: Plane[], r: number) =>
  r <= KLT_MAX_RADIUS && pa.length <= MAX_LEVELS && pa.length === pb.length && pa.every((l, i) => l.width === pb[i].width && l.height === pb[i].height);
