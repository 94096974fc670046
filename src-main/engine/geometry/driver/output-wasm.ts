import { quantize, type Quantized } from '../../../common/quantize.ts';
import { LUT } from '../../../common/effects/colormap.ts';
import type { DepthKind } from '../../../common/types.ts';
import { OUTPUT_WASM_BASE64 } from '../output-wasm-binary.ts';
import { spikeLimitOfValue, spikeRank } from '../depth-spikes.ts';
import { embeddedWasm, wasmInstance } from '../../wasm-instance.ts';

/** The module's exports (wasm/output.as.ts); pointers are byte offsets into its memory. */
interface OutputExports {
  minMax(d: number, n: number, res: number): void;
  quantize(d: number, n: number, offset: number, inv: number, q: number): void;
  colorize(d: number, n: number, metric: boolean, lo: number, scale: number, lut: number, rgb: number): void;
  fitInverse(src: number, inv: number, n: number, limit: number, metric: boolean, a: number, b: number, res: number): void;
  finalPass(inv: number, keep: boolean, floor: number, up: number, scaled: boolean, n: number, d: number, metric: boolean, z: number): void;
  resizeWithHoles(src: number, sw: number, sh: number, dw: number, dh: number, out: number, taps: number): void;
  ratioOf(fin: number, al: number, ratio: number, n: number): void;
  scaleBy(base: number, up: number, out: number, n: number): void;
  spikeSample(src: number, n: number, metric: boolean, sample: number): number;
  kthPositive(v: number, m: number, k: number, hist: number): number;
}


const outputModule = embeddedWasm(OUTPUT_WASM_BASE64);
/** An instance with `bytes` of memory of its own (never grown: views on it stay valid). */
function instance(bytes: number): { exports: OutputExports; buffer: ArrayBuffer } {
  return wasmInstance<OutputExports>(outputModule(), bytes);
}

/**
 * The output thread's extras (output-worker.ts) in WebAssembly (wasm/output.as.ts: minMax, quantize,
 * colorize): the cache's quantised form (common/quantize.ts: quantize) and the preview's colours
 * (common/effects/colormap.ts: colorizeDepth over a fixed range), the same bytes, four pixels at a
 * time. The frame's depth is copied into the module's memory once for both (`load`); in TypeScript
 * the two were a fifth of the output thread's time.
 */
export function createWasmExtras(n: number) {
  const n4 = (n + 3) & ~3;
  // Layout: min and max (f64), the colour table (four bytes an entry), the depth, the quantised, the colours (+ a spare byte).
  const res = 0, lut = 16, d = lut + 4 * 256, q = d + 4 * n4, rgb = q + 2 * n4, bytes = rgb + 3 * n4 + 16;
  const { exports, buffer } = instance(bytes);
  const table = new Uint8Array(buffer, lut, 4 * 256);
  for (let i = 0; i < 256; i++) table.set(LUT.subarray(3 * i, 3 * i + 3), 4 * i);
  const dM = new Float32Array(buffer, d, n), qM = new Uint16Array(buffer, q, n), rgbM = new Uint8Array(buffer, rgb, 3 * n), resM = new Float64Array(buffer, res, 2);
  return {
    /** The frame's depth (n values) into the module: what quantize and colorize read. */
    load(src: Float32Array): void {
      if (src.length !== n) throw new Error(`output extras: ${src.length} values, not ${n}`);
      dM.set(src);
    },
    /** common/quantize.ts: quantize of the loaded depth; `into`: as there. */
    quantize(into?: Uint16Array): Quantized {
      exports.minMax(d, n, res);
      const lo = resM[0], hi = resM[1];
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error('depth map holds non-finite values');
      const offset = Math.fround(lo), scale = Math.fround(hi > lo ? (hi - lo) / 65535 : 1), inv = 1 / scale;
      // A step that underflows float32: x | 0 and the module's saturating truncation part; the TypeScript then.
      if (!Number.isFinite(inv)) return quantize(dM, into);
      const data = into !== undefined && into.length === n ? into : new Uint16Array(n);
      exports.quantize(d, n, offset, inv, q);
      data.set(qM);
      return { offset, scale, data };
    },
    /** colorizeDepth of the loaded depth over `range`; `out`: n * 3 bytes to colour into. */
    colorize(kind: DepthKind, range: [number, number], out?: Uint8Array): Uint8Array {
      const [lo, hi] = range;
      exports.colorize(d, n, kind === 'metric', lo, 255 / (hi - lo), lut, rgb);
      const o = out !== undefined && out.length === 3 * n ? out : new Uint8Array(3 * n);
      o.set(rgbM);
      return o;
    },
  };
}

/**
 * The output maker's passes on the depth grid (frame-output.ts: fitInverse, ratioOf with
 * resizeWithHoles, finalPass) in WebAssembly, the same values; their planes live in the module's
 * memory (`inv`, `up`: views the TypeScript may read and write between the calls) for an n-pixel
 * depth grid and an `na`-pixel analysis grid, so only the model's depth comes in and the output goes out.
 */
export function createWasmOutputPasses(n: number, na: number, dw: number) {
  const n4 = (n + 3) & ~3, na4 = (na + 3) & ~3;
  const res = 0, src = 16, inv = src + 4 * n4, up = inv + 4 * n4, d = up + 4 * n4, z = d + 4 * n4;
  const fin = z + 4 * n4, al = fin + 4 * na4, ratio = al + 4 * na4, taps = ratio + 4 * na4, hist = taps + 16 * dw + 16, sample = hist + 4 * 2048;
  const bytes = sample + 4 * Math.ceil(n / 3) + 16;
  const { exports, buffer } = instance(bytes);
  const resF = new Float64Array(buffer, res, 1), resI = new Int32Array(buffer, res + 8, 1);
  const srcM = new Float32Array(buffer, src, n), finM = new Float32Array(buffer, fin, na), alM = new Float32Array(buffer, al, na);
  const dM = new Float32Array(buffer, d, n), zM = new Float32Array(buffer, z, n);
  return {
    n, na, dw,
    inv: new Float32Array(buffer, inv, n),
    up: new Float32Array(buffer, up, n),
    /** The model's depth (n values) into the module: what spikeLimit and fitInverse read. */
    load(s: Float32Array): void {
      srcM.set(s);
    },
    /** depth-spikes.ts: spikeLimitOfSample of the loaded depth's sample (frame-output.ts: sampleInverse). */
    spikeLimit(metric: boolean): number {
      const m = exports.spikeSample(src, n, metric, sample);
      return m ? spikeLimitOfValue(exports.kthPositive(sample, m, spikeRank(m), hist)) : Infinity;
    },
    /** fitInverse of the loaded depth into `inv`; returns the largest, the failed count in `failed`. */
    fitInverse(limit: number, metric: boolean, a: number, b: number): number {
      exports.fitInverse(src, inv, n, limit, metric, a, b, res);
      this.failed = resI[0];
      return resF[0];
    },
    failed: 0,
    /** ratioOf(final, aligned) on the sw x sh analysis grid, resized into `up` (dw x dh). */
    ratioUp(final: Float32Array, aligned: Float32Array, sw: number, sh: number, dh: number): void {
      finM.set(final);
      alM.set(aligned);
      exports.ratioOf(fin, al, ratio, na);
      exports.resizeWithHoles(ratio, sw, sh, dw, dh, up, taps);
    },
    /** finalPass from `inv` (and `up` with `scaled`) into `out` and, where given, the depth along the ray into `zOut`. */
    finalPass(keep: boolean, floor: number, scaled: boolean, metric: boolean, out: Float32Array, zOut: Float32Array | null): void {
      exports.finalPass(inv, keep, floor, up, scaled, n, d, metric, z);
      out.set(dM);
      if (zOut) zOut.set(zM);
    },
  };
}

/**
 * frame-fusion.ts's last steps in WebAssembly, the same values: the fusion's factor (sw x sh) resized
 * to the dw x dh analysis grid (resizeWithHoles) and applied to the frame's depth.
 */
export function createWasmFactorUp(sw: number, sh: number, dw: number, dh: number) {
  const ns = sw * sh, n = dw * dh, ns4 = (ns + 3) & ~3, n4 = (n + 3) & ~3;
  const ratio = 0, up = ratio + 4 * ns4, base = up + 4 * n4, out = base + 4 * n4, taps = out + 4 * n4, bytes = taps + 16 * dw + 16;
  const { exports, buffer } = instance(bytes);
  const ratioM = new Float32Array(buffer, ratio, ns), baseM = new Float32Array(buffer, base, n), outM = new Float32Array(buffer, out, n);
  return {
    /** `into` = `from` times the factor `r` (sw x sh) resized, where positive; `into` may be `from`. */
    apply(r: Float32Array, from: Float32Array, into: Float32Array): void {
      ratioM.set(r);
      baseM.set(from);
      exports.resizeWithHoles(ratio, sw, sh, dw, dh, up, taps);
      exports.scaleBy(base, up, out, n);
      into.set(outM);
    },
  };
}
