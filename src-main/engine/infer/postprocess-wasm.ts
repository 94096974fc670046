import { maxOfLastMinMax, minMax, quantizeStepOf, type Quantized } from '../../common/quantize.ts';
import { axis } from '../preprocess/resize.ts';
import type { Size } from '../preprocess/index.ts';
import { POSTPROCESS_WASM_BASE64 } from './postprocess-wasm-binary.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';

/**
 * The model thread's per-frame work on an output map in WebAssembly (wasm/postprocess.as.ts): the resize to
 * the depth resolution with the metric floor and the range in one pass, then the cache's round trip; the
 * same bits as postprocess.ts's depthAtResolution followed by common/quantize.ts's quantizeRoundTrip.
 */
interface Exports {
  resize(src: number, dw: number, dh: number, ya: number, yb: number, yw: number, xa: number, xb: number, xw: number, xw1: number, out: number, metric: boolean, floor: number, range: number): void;
  roundTrip(src: number, q: number, n: number, offset: number, scale: number, inv: number): void;
}

const postprocessModule = embeddedWasm(POSTPROCESS_WASM_BASE64);

/** One module instance with its buffers laid out for one pair of sizes (a clip's frames all share it). */
interface Resizer {
  key: string;
  run: (map: Float32Array, metric: boolean, floor: number, into: Float32Array, qInto: Uint16Array) => { offset: number; scale: number };
}
let current: Resizer | null = null;

function resizer(sw: number, sh: number, dw: number, dh: number): Resizer {
  const key = `${sw}x${sh}:${dw}x${dh}`;
  if (current?.key === key) return current;
  const n = dw * dh;
  const up8 = (b: number) => (b + 7) & ~7;
  // Byte layout: the range (40), the rows' and columns' grids, the source map, the output, its uint16 form.
  const range = 0, ya = 64, yb = ya + up8(4 * dh), yw = yb + up8(4 * dh), xa = yw + 8 * dh, xb = xa + up8(4 * dw), xw = xb + up8(4 * dw), xw1 = xw + 8 * dw;
  const src = xw1 + 8 * dw, out = src + up8(4 * sw * sh), q = out + up8(4 * n), end = q + up8(2 * n);
  const { exports, buffer: buf } = wasmInstance<Exports>(postprocessModule(), end);
  // The grids as resizePlane reads them: source offsets (bytes here), weights widened to f64, 1 - w in f64.
  const X = axis(dw, sw), Y = axis(dh, sh);
  new Int32Array(buf, ya, dh).set(Y.i0.map((i) => 4 * sw * i));
  new Int32Array(buf, yb, dh).set(Y.i1.map((i) => 4 * sw * i));
  new Float64Array(buf, yw, dh).set(Y.w);
  new Int32Array(buf, xa, dw).set(X.i0.map((i) => 4 * i));
  new Int32Array(buf, xb, dw).set(X.i1.map((i) => 4 * i));
  new Float64Array(buf, xw, dw).set(X.w);
  new Float64Array(buf, xw1, dw).set(Float64Array.from(X.w, (w) => 1 - w));
  const source = new Float32Array(buf, src, sw * sh), output = new Float32Array(buf, out, n), quantized = new Uint16Array(buf, q, n);
  const lohi = new Float32Array(buf, range, 2);
  current = {
    key,
    run(map, metric, floor, into, qInto) {
      source.set(map);
      exports.resize(src, dw, dh, ya, yb, yw, xa, xb, xw, xw1, out, metric, floor, range);
      let lo = lohi[0], hi = lohi[1];
      // The lanes met a zero in another order than a scan would: the scan's zero (+0 or -0, as first seen).
      if (lo === 0 || hi === 0) {
        lo = minMax(output);
        hi = maxOfLastMinMax();
      }
      const { offset, scale } = quantizeStepOf(lo, hi);
      exports.roundTrip(out, q, n, offset, scale, 1 / scale);
      into.set(output);
      qInto.set(quantized);
      return { offset, scale };
    },
  };
  return current;
}

/**
 * depthAtResolution then quantizeRoundTrip (the same bits for the depth and its quantised form), into
 * `into` and `qInto` when they have the depth size's length (finished frames' arrays, recycled).
 */
export function depthAtResolutionCachedWasm(
  map: Float32Array,
  w: number,
  h: number,
  size: Size,
  metric: boolean,
  floor: number,
  into?: Float32Array,
  qInto?: Uint16Array,
): { depth: Float32Array; quantized: Quantized } {
  const n = size.width * size.height;
  const depth = into?.length === n && into !== map ? into : new Float32Array(n);
  const data = qInto?.length === n ? qInto : new Uint16Array(n);
  const { offset, scale } = resizer(w, h, size.width, size.height).run(map, metric, Math.fround(floor), depth, data);
  return { depth, quantized: { offset, scale, data } };
}
