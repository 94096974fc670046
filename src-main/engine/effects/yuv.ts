import { YUV_WASM_BASE64 } from './yuv-wasm-binary.ts';
import { frameBytes, type YuvColour, type YuvLayout } from '../decode/pipe-format.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';

/**
 * Export's colour conversions between the pipes' planar YUV and the effects' RGB8 (wasm/yuv.as.ts), one
 * WebAssembly memory per thread. The matrix and range are the source's (as ffmpeg's own conversion
 * reads them from the stream: BT.709 when tagged so, else BT.601; full range for yuvj formats or
 * range 'pc'), and the encoder tags the output with the same, so a frame goes out as it came in.
 */
interface YuvExports {
  setMatrix(yo: number, ys: number, rV: number, gU: number, gV: number, bU: number, kr: number, kg: number, kb: number, ky: number, ku: number, kv: number): void;
  yuvToRgb(y: number, u: number, v: number, W: number, H: number, sub: boolean, out: number): void;
  rgbToYuv420(rgb: number, W: number, H: number, y: number, u: number, v: number): void;
}
/** Bytes after each buffer: a group's 16-byte load or store may reach 4 past its row. */
const SLACK = 64;
const yuvModule = embeddedWasm(YUV_WASM_BASE64);
let mem: { exports: YuvExports; buffer: ArrayBuffer; pixels: number; yuv: number; rgb: number; key: string } | null = null;

/** Memory for frames of `pixels`: a YUV slot (4:4:4 size) then an RGB slot; replaced (not grown) when larger. */
function memoryFor(pixels: number) {
  if (mem && mem.pixels >= pixels) return mem;
  const yuv = 1024;
  const rgb = yuv + pixels * 3 + SLACK;
  mem = { ...wasmInstance<YuvExports>(yuvModule(), rgb + pixels * 3 + SLACK), pixels, yuv, rgb, key: '' };
  return mem;
}

/** Loads the coefficients of `c` unless they are the ones loaded. */
function setColour(m: NonNullable<typeof mem>, c: YuvColour): void {
  const key = `${c.matrix}/${c.full}`;
  if (m.key === key) return;
  const [kr, kb] = c.matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  // Limited range: Y 16..235 and chroma 16..240 stand for 0..255.
  const ys = c.full ? 1 : 255 / 219;
  const cs = c.full ? 1 : 255 / 224;
  m.exports.setMatrix(
    c.full ? 0 : 16, ys,
    2 * (1 - kr) * cs, ((2 * kb * (1 - kb)) / kg) * cs, ((2 * kr * (1 - kr)) / kg) * cs, 2 * (1 - kb) * cs,
    kr, kg, kb, 1 / ys, 1 / cs / (2 * (1 - kb)), 1 / cs / (2 * (1 - kr)),
  );
  m.key = key;
}

/**
 * The RGB8 picture of a planar YUV frame, as a view of this thread's conversion memory: valid until the
 * next conversion on this thread (copy it to keep it).
 */
export function yuvToRgb(src: Uint8Array, layout: YuvLayout, width: number, height: number, colour: YuvColour): Uint8Array {
  const sub = layout === 'yuv420p';
  if (sub && (width % 2 || height % 2)) throw new Error(`yuv420p needs even sizes, got ${width}x${height}`);
  const bytes = frameBytes(layout, width, height);
  if (src.length !== bytes) throw new Error(`a ${layout} frame of ${width}x${height} has ${bytes} bytes, got ${src.length}`);
  const m = memoryFor(width * height);
  setColour(m, colour);
  new Uint8Array(m.buffer, m.yuv, bytes).set(src);
  const n = width * height;
  const c = sub ? (width >> 1) * (height >> 1) : n;
  m.exports.yuvToRgb(m.yuv, m.yuv + n, m.yuv + n + c, width, height, sub, m.rgb);
  return new Uint8Array(m.buffer, m.rgb, n * 3);
}

/** An RGB8 frame as planar 4:2:0 in `into` (frameBytes('yuv420p', ...) long; returned), each chroma sample its 2x2 block's mean. */
export function rgbToYuv420(rgb: Uint8Array, width: number, height: number, colour: YuvColour, into?: Uint8Array): Uint8Array {
  if (width % 2 || height % 2) throw new Error(`yuv420p needs even sizes, got ${width}x${height}`);
  const n = width * height;
  if (rgb.length !== n * 3) throw new Error(`an RGB frame of ${width}x${height} has ${n * 3} bytes, got ${rgb.length}`);
  const bytes = frameBytes('yuv420p', width, height);
  const out = into && into.length === bytes ? into : new Uint8Array(bytes);
  const m = memoryFor(n);
  setColour(m, colour);
  // The RGB may already be this memory's (a frame decoded here and passed through): then no copy.
  if (!(rgb.buffer === m.buffer && rgb.byteOffset === m.rgb)) new Uint8Array(m.buffer, m.rgb, n * 3).set(rgb);
  const c = (width >> 1) * (height >> 1);
  m.exports.rgbToYuv420(m.rgb, width, height, m.yuv, m.yuv + n, m.yuv + n + c);
  out.set(new Uint8Array(m.buffer, m.yuv, bytes));
  return out;
}
