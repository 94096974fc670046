import { KERNELS_WASM_BASE64 } from './wasm-binary.ts';

/**
 * The WebAssembly kernels (wasm/kernels.as.ts) and the memory they work in, one per thread.
 *
 * Buffers live at fixed slots of the module's memory, sized for the largest frame seen so far. A larger
 * frame gets a new memory and instance instead of growing the old one: growing would detach every view
 * handed out before (upsample.ts: depthPlane), and a detached view fails far from its cause. Arrays that are views of
 * the current memory are used in place; any other array is copied into its slot (inputs) or out of it
 * (outputs).
 */
interface KernelExports {
  guidedApply(
    coef: number, lw: number, lh: number, guide: number, W: number, H: number, out: number,
    colIdx: number, colW: number, rowIdx: number, rowW: number, tmp: number, lo: number, hi: number,
  ): void;
  guidedLow(rgb: number, W: number, depth: number, lw: number, lh: number, colCell: number, rowSpan: number, I: number, scratch: number, r: number, eps: number, out: number): void;
  surfaceLow(dist: number, lw: number, lh: number, r: number, prm: number, z: number, scratch: number, normalVis: number, dirVis: number): void;
  relightApply(
    rgb: number, dist: number, W: number, H: number, normalVis: number, dirVis: number, lw: number, lh: number,
    colIdx: number, colW: number, rowIdx: number, rowW: number, tmp: number, prm: number, out: number, grain: number,
  ): void;
  fogTable(rgb: number, dist: number, out: number, n: number, amount: number, add: number, L: number): void;
  refocusPrep(
    rgb: number, dist: number, W: number, Hi: number, focus: number, aperture: number, maxBlur: number, H: number, gain: number, thr: number, rec: number, range: number,
    search: number, lowCol: number, lowRow: number, minCoc: number, need: number,
  ): void;
  refocusHalve(rec: number, W: number, H: number, pure: number, half: number): void;
  refocusCompose(
    rec: number, half: number, halfOut: number, search: number, lowCol: number, lowRow: number, pattern: number,
    W: number, H: number, thr: number, minCoc: number, fgEps: number, minHalf: number, tol: number,
    skipBelow: number, skipMarked: boolean, out: number, grain: number, planes: number,
  ): void;
  /** grain-plane.as.ts: the grain of a frame into the 'grain' slot's three planes (grainPlaneFloats apart); `need` 0: everywhere. */
  grainPlane(rgb: number, W: number, H: number, need: number, ring: number, out: number): void;
  /** grain.as.ts: the source's grain at (x, y) into grainR/G/B (exported for the tests). */
  grainAt(base: number, stride: number, W: number, H: number, x: number, y: number): void;
  grainR: { value: number };
  grainG: { value: number };
  grainB: { value: number };
}

/** Largest sizes the memory holds: output width/height, low-res sample count and low-res height. */
interface Capacity {
  w: number;
  h: number;
  low: number;
  lh?: number;
}

/**
 * The part of the WebAssembly JS API used here. The engine compiles without the DOM library, which is
 * where TypeScript declares WebAssembly, and Node's types declare only part of it.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Slot =
  | 'amount' | 'add' | 'colIdx' | 'colW' | 'rowIdx' | 'rowW' | 'colCell' | 'rowSpan' | 'coef' | 'tmp' | 'rgb' | 'rgbOut' | 'dist' | 'ftmp'
  | 'rec' | 'search' | 'lowCol' | 'lowRow' | 'pattern' | 'rec1' | 'out1' | 'search1' | 'lowCol1' | 'lowRow1' | 'rec2' | 'out2' | 'search2' | 'lowCol2' | 'lowRow2' | 'lowIn' | 'cellI' | 'lowScratch' | 'zLow' | 'normalVis' | 'dirVis' | 'surfPrm' | 'prm' | 'grain' | 'grainRing' | 'grainNeed';

export interface Kernels {
  readonly exports: KernelExports;
  readonly memory: WasmMemory;
  /** Byte offset of a slot. */
  at(slot: Slot): number;
  /** Pointer for reading `a`: its own place when it lives in this memory, else a copy in `slot`. */
  input(a: ArrayBufferView, slot: Slot): number;
  /** A typed view of a slot (valid until a larger frame replaces the memory). */
  f32(slot: Slot, length: number): Float32Array;
  f64(slot: Slot, length: number): Float64Array;
  i32(slot: Slot, length: number): Int32Array;
  u8(slot: Slot, length: number): Uint8Array;
  /** Whether `a` is a view of this memory (then kernels can write it in place). */
  owns(a: ArrayBufferView): boolean;
  /** Runs `write` unless the slot already holds the table named `key` (tables outlive calls). */
  fill(slot: Slot, key: string, write: () => void): void;
}

let wasmModule: object | null = null;
let current: (Kernels & { cap: Capacity }) | null = null;

function compiled(): object {
  if (!wasmModule) wasmModule = new WebAssemblyApi.Module(Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)));
  return wasmModule;
}

/** Floats per grain plane (grain-plane.as.ts grainPlaneStride: the last group of four may write past w x h). */
export const grainPlaneFloats = (w: number, h: number) => w * h + 4;

/** Entries of the fog amount table (fog.ts); fixed so the slot size is known. */
export const FOG_TABLE_SIZE = 16384;

function layout(cap: Capacity) {
  const n = cap.w * cap.h;
  const bytes: [Slot, number][] = [
    ['amount', (FOG_TABLE_SIZE + 1) * 4],
    ['add', 3 * 257 * 4],
    ['colIdx', cap.w * 16],
    ['colW', cap.w * 16],
    ['rowIdx', cap.h * 16],
    ['rowW', cap.h * 16],
    ['colCell', cap.w * 4],
    // One [y0, y1) per low-res row: lh can exceed the frame's height (an export smaller than the analysis depth).
    ['rowSpan', Math.max(cap.h, cap.lh ?? 0) * 8],
    ['coef', cap.low * 8],
    // The B-spline's row pass: 2 channels for the guided filter, 5 for relight's surface maps (and its
    // table of W + 3 column slopes).
    ['tmp', (cap.lh ?? 0) * cap.w * 20 + (cap.w + 3) * 4],
    ['rgb', n * 3],
    ['rgbOut', n * 3],
    ['dist', n * 4],
    ['ftmp', n * 4],
    ['rec', n * 16],
    ['search', cap.low * 4],
    ['lowCol', cap.w * 4],
    ['lowRow', cap.h * 4],
    // refocus's patterns of 12, 24 and 48 samples (wasm/refocus.as.ts PATTERN_BYTES each).
    ['pattern', 3 * 64 * 3 * 4],
    // The refocus pyramid's half- and quarter-resolution levels.
    ['rec1', ((cap.w + 1) >> 1) * ((cap.h + 1) >> 1) * 16],
    ['out1', ((cap.w + 1) >> 1) * ((cap.h + 1) >> 1) * 3],
    ['search1', cap.low * 4],
    ['lowCol1', cap.w * 4],
    ['lowRow1', cap.h * 4],
    ['rec2', ((cap.w + 3) >> 2) * ((cap.h + 3) >> 2) * 16],
    ['out2', ((cap.w + 3) >> 2) * ((cap.h + 3) >> 2) * 3],
    ['search2', cap.low * 4],
    ['lowCol2', cap.w * 4],
    ['lowRow2', cap.h * 4],
    ['lowIn', cap.low * 4],
    ['cellI', cap.low * 4],
    // 11 planes of the low-res grid, then a sum and a count per low-res column: lw can exceed the frame's width
    // (an export narrower than the analysis depth), and lw <= low.
    ['lowScratch', (cap.low * 13 + cap.w * 2) * 8],
    ['zLow', cap.low * 4],
    ['normalVis', cap.low * 16],
    ['dirVis', cap.low * 4],
    ['surfPrm', 32 * 8],
    ['prm', 32 * 8],
    // grain-plane.as.ts: three f32 planes of grainPlaneFloats; its ring (grainRingBytes: 5 rows and the column
    // sums, 64 bytes per padded pixel, at most w + 23 of them); refocus's mask.
    ['grain', grainPlaneFloats(cap.w, cap.h) * 3 * 4],
    ['grainRing', 64 * (cap.w + 24)],
    ['grainNeed', n + 4],
  ];
  const offsets = {} as Record<Slot, number>;
  let end = 1024;
  for (const [slot, b] of bytes) {
    offsets[slot] = end;
    end += (b + 63) & ~63;
  }
  return { offsets, end };
}

/** Kernels whose memory holds frames of at least this size. */
export function kernelsFor(need: Capacity): Kernels {
  const fits = (c: Capacity) => need.w <= c.w && need.h <= c.h && need.low <= c.low && (need.lh ?? 0) <= (c.lh ?? 0);
  if (current && fits(current.cap)) return current;
  const max = (k: keyof Capacity) => Math.max(need[k] ?? 0, current?.cap[k] ?? 0);
  const cap = { w: max('w'), h: max('h'), low: max('low'), lh: max('lh') };
  const { offsets, end } = layout(cap);
  const memory = new WebAssemblyApi.Memory({ initial: Math.ceil(end / 65536) });
  const held = new Map<Slot, string>();
  const exports = new WebAssemblyApi.Instance(compiled(), { env: { memory } }).exports as unknown as KernelExports;
  const k = {
    cap,
    exports,
    memory,
    at: (slot: Slot) => offsets[slot],
    owns: (a: ArrayBufferView) => a.buffer === memory.buffer,
    input(a: ArrayBufferView, slot: Slot) {
      if (a.buffer === memory.buffer) return a.byteOffset;
      new Uint8Array(memory.buffer, offsets[slot], a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return offsets[slot];
    },
    f32: (slot: Slot, length: number) => new Float32Array(memory.buffer, offsets[slot], length),
    f64: (slot: Slot, length: number) => new Float64Array(memory.buffer, offsets[slot], length),
    i32: (slot: Slot, length: number) => new Int32Array(memory.buffer, offsets[slot], length),
    u8: (slot: Slot, length: number) => new Uint8Array(memory.buffer, offsets[slot], length),
    fill(slot: Slot, key: string, write: () => void) {
      if (held.get(slot) === key) return;
      write();
      held.set(slot, key);
    },
  };
  current = k;
  return k;
}
