import { axis } from './resize.ts';
import { PLANAR_WASM_BASE64 } from './planar-wasm-binary.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';

/** The network input's resize and normalisation in WebAssembly (wasm/planar.as.ts); normalize.ts: rgbToPlanar. */
interface Exports {
  planar(rgb: number, dw: number, dh: number, ya: number, yb: number, yw: number, xa: number, xb: number, xw: number, out: number, k0: number, k1: number, k2: number, b0: number, b1: number, b2: number): void;
}

const planarModule = embeddedWasm(PLANAR_WASM_BASE64);

type Planar = (rgb: Uint8Array, k: readonly number[], b: readonly number[], out: Float32Array, offset: number) => void;
/** One instance per pair of sizes, its buffers laid out for them (every frame of a clip has the same). */
const instances = new Map<string, Planar>();

function planarFor(sw: number, sh: number, dw: number, dh: number): Planar {
  const key = `${sw}x${sh}:${dw}x${dh}`;
  let p = instances.get(key);
  if (p) return p;
  const up8 = (b: number) => (b + 7) & ~7;
  // Byte layout: the rows' and columns' grids, the picture (and 4 bytes: a pixel is read as a 32-bit word), the planes.
  const ya = 0, yb = up8(4 * dh), yw = yb + up8(4 * dh), xa = yw + 8 * dh, xb = xa + up8(4 * dw), xw = xb + up8(4 * dw);
  const rgb = xw + 8 * dw, out = rgb + up8(3 * sw * sh + 4), end = out + 12 * dw * dh;
  const { exports, buffer: buf } = wasmInstance<Exports>(planarModule(), end);
  const X = axis(dw, sw), Y = axis(dh, sh);
  new Int32Array(buf, ya, dh).set(Y.i0.map((i) => 3 * sw * i));
  new Int32Array(buf, yb, dh).set(Y.i1.map((i) => 3 * sw * i));
  new Float64Array(buf, yw, dh).set(Y.w);
  new Int32Array(buf, xa, dw).set(X.i0.map((i) => 3 * i));
  new Int32Array(buf, xb, dw).set(X.i1.map((i) => 3 * i));
  new Float64Array(buf, xw, dw).set(X.w);
  const picture = new Uint8Array(buf, rgb, 3 * sw * sh), planes = new Float32Array(buf, out, 3 * dw * dh);
  p = (src, k, b, o, offset) => {
    picture.set(src);
    exports.planar(rgb, dw, dh, ya, yb, yw, xa, xb, xw, out, k[0], k[1], k[2], b[0], b[1], b[2]);
    o.set(planes, offset);
  };
  if (instances.size >= 4) instances.clear();
  instances.set(key, p);
  return p;
}

/** Interleaved RGB8 (sh x sw x 3) resized bilinearly into planar float32 (3 x dh x dw) at `offset` of `out`, each channel v * k + b. */
export function planarWasm(rgb: Uint8Array, sw: number, sh: number, dw: number, dh: number, k: readonly number[], b: readonly number[], out: Float32Array, offset: number): void {
  planarFor(sw, sh, dw, dh)(rgb.length === 3 * sw * sh ? rgb : rgb.subarray(0, 3 * sw * sh), k, b, out, offset);
}
