import { FloatType, RedFormat } from 'three';
import { EXRLoader } from 'three/examples/jsm/loaders/EXRLoader.js';
import { depthAsLuminance, encodeZExr } from './exr-z.ts';

/**
 * 32-bit float OpenEXR depth frames. Written as one FLOAT channel named "Z", ZIP compressed
 * (exr-z.ts): what Nuke, Blender's compositor and Resolve read as a depth pass. Read through three's
 * EXRLoader (its decompressors cover every scanline compression), with a file's depth channel (Z,
 * depth.Z, a lone channel) shown to it as "Y"; RGB files (R is read) and Y files read as they are.
 * three's loader returns GL's bottom-up row order: rows are flipped, so the first row is the picture's top.
 */
function flipRows(src: Float32Array, width: number, height: number, channels: number, out: Float32Array): Float32Array {
  const row = width * channels;
  for (let y = 0; y < height; y++) out.set(src.subarray((height - 1 - y) * row, (height - y) * row), y * row);
  return out;
}

export async function encodeDepthExr(depth: Float32Array, width: number, height: number): Promise<Uint8Array> {
  return encodeZExr(depth, width, height);
}

/** The depth channel of an EXR (Z or a layer's .Z, else R, else Y), top row first. */
export function decodeDepthExr(buf: Uint8Array): { width: number; height: number; data: Float32Array } {
  const loader = new EXRLoader();
  loader.setDataType(FloatType);
  loader.setOutputFormat(RedFormat);
  const file = depthAsLuminance(buf);
  const ab = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const r = loader.parse(ab) as { width: number; height: number; data: Float32Array };
  const n = r.width * r.height;
  const data = r.data.length === n ? r.data : Float32Array.from({ length: n }, (_, i) => r.data[i * (r.data.length / n)]);
  return { width: r.width, height: r.height, data: flipRows(data, r.width, r.height, 1, new Float32Array(n)) };
}
