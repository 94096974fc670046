import { DataTexture, FloatType, RGBAFormat, RedFormat } from 'three';
import { EXRExporter } from 'three/examples/jsm/exporters/EXRExporter.js';
import { EXRLoader } from 'three/examples/jsm/loaders/EXRLoader.js';

/**
 * 32-bit float OpenEXR depth frames through three's EXRExporter / EXRLoader (three is already a
 * dependency; both run in Node). The exporter writes RGBA only, so depth goes in R, G and B (grey, what
 * compositors show as a depth pass) with A = 1, ZIP compressed. Both classes use GL's bottom-up row order:
 * rows are flipped on the way in and out, so the file's first scanline is the picture's top row.
 */
const ZIP_COMPRESSION = 3;

function flipRows(src: Float32Array, width: number, height: number, channels: number, out: Float32Array): Float32Array {
  const row = width * channels;
  for (let y = 0; y < height; y++) out.set(src.subarray((height - 1 - y) * row, (height - y) * row), y * row);
  return out;
}

export async function encodeDepthExr(depth: Float32Array, width: number, height: number): Promise<Uint8Array> {
  const rgba = new Float32Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const src = (height - 1 - y) * width;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      rgba[o] = rgba[o + 1] = rgba[o + 2] = depth[src + x];
      rgba[o + 3] = 1;
    }
  }
  const tex = new DataTexture(rgba, width, height, RGBAFormat, FloatType);
  return new EXRExporter().parse(tex, { type: FloatType, compression: ZIP_COMPRESSION });
}

/** The first channel of an EXR (R, or Y / Z of a single-channel file), top row first. */
export function decodeDepthExr(buf: Uint8Array): { width: number; height: number; data: Float32Array } {
  const loader = new EXRLoader();
  loader.setDataType(FloatType);
  loader.setOutputFormat(RedFormat);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const r = loader.parse(ab) as { width: number; height: number; data: Float32Array };
  const n = r.width * r.height;
  const data = r.data.length === n ? r.data : Float32Array.from({ length: n }, (_, i) => r.data[i * (r.data.length / n)]);
  return { width: r.width, height: r.height, data: flipRows(data, r.width, r.height, 1, new Float32Array(n)) };
}
