import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { commitDir, tempSibling, writeFileAtomic } from '../../util/atomic.ts';
import { checkDirOutput, checkFileOutput, type OutputPolicy } from '../../util/output-guard.ts';
import type { DepthKind, Rational } from '../../common/types.ts';
import { openVideoEncoder, type VideoEncoder } from './video-encoder.ts';

/**
 * Depth passes for compositing: 16-bit PNG frames and a lossless FFV1 gray16le MKV, both at the
 * output resolution, with the mapping from stored value to depth written beside them
 * (depth = offset + scale * value). One mapping for the whole export so values are comparable across
 * frames. Metric depth up to 65.535 m is stored in millimetres (offset 0, scale 0.001) so the files
 * read naturally in other tools; anything else spans its range over 0..65535.
 */
export interface DepthMapping {
  format: 'gemdepth-depth-pass';
  version: 1;
  kind: DepthKind;
  meaning: string;
  /** What unit the depth is in (geometry/units.ts): the model's unverified metres, or relative. */
  unit?: string;
  formula: 'depth = offset + scale * value';
  offset: number;
  scale: number;
  width: number;
  height: number;
  /** Source frame indices covered, inclusive; PNG files are named by source frame index. */
  start: number;
  end: number;
  frameRate: Rational;
  model: string;
}

export function depthMappingFor(kind: DepthKind, min: number, max: number): { offset: number; scale: number } {
  if (kind === 'metric' && min >= 0 && max <= 65.535) return { offset: 0, scale: 0.001 };
  const span = max > min ? max - min : 1;
  return { offset: min, scale: span / 65535 };
}

export function quantizeDepth(raw: Float32Array, m: { offset: number; scale: number }, out = new Uint16Array(raw.length)): Uint16Array {
  const inv = 1 / m.scale;
  for (let i = 0; i < raw.length; i++) {
    const q = Math.round((raw[i] - m.offset) * inv);
    out[i] = q > 0 ? (q < 65535 ? q : 65535) : 0;
  }
  return out;
}

export function dequantizeDepth(v: Uint16Array, m: { offset: number; scale: number }): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = m.offset + m.scale * v[i];
  return out;
}

export function encodeDepthPng(v: Uint16Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, bitDepth: 16, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return PNG.sync.write(png, { bitDepth: 16, colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

export function decodeDepthPng(buf: Buffer): { width: number; height: number; data: Uint16Array } {
  const png = PNG.sync.read(buf, { skipRescale: true });
  const n = png.width * png.height;
  const data = new Uint16Array(n);
  // pngjs expands to RGBA (16-bit samples when skipRescale); take the grey channel.
  const src = png.data as unknown as Uint16Array | Buffer;
  const step = src.length === n * 4 ? 4 : src.length === n * 8 ? 8 : 1;
  if (step === 8) {
    const b = src as Buffer;
    for (let i = 0; i < n; i++) data[i] = b.readUInt16LE(i * 8);
  } else for (let i = 0; i < n; i++) data[i] = (src as Uint16Array)[i * step];
  return { width: png.width, height: png.height, data };
}

export const mappingPathFor = (mkvPath: string) => join(dirname(mkvPath), `${basename(mkvPath, extname(mkvPath))}.json`);

export interface DepthPassSink {
  write(index: number, raw: Float32Array): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

export async function openDepthPasses(o: {
  pngDir?: string;
  mkvPath?: string;
  width: number;
  height: number;
  frameRate: Rational;
  mapping: DepthMapping;
  signal?: AbortSignal;
  /** Whether earlier outputs may be replaced, and the inputs they must not touch. */
  policy?: OutputPolicy;
}): Promise<DepthPassSink> {
  const policy = o.policy ?? {};
  const pngDir = o.pngDir ? resolve(o.pngDir) : null;
  const mappingPath = o.mkvPath ? mappingPathFor(resolve(o.mkvPath)) : null;
  if (pngDir) await checkDirOutput(pngDir, policy);
  if (mappingPath) await checkFileOutput(mappingPath, policy);
  // The PNG folder is built under a temporary name and swapped in at the end (as withAtomicDir does).
  const pngTmp = pngDir ? tempSibling(pngDir) : null;
  if (pngTmp) await mkdir(pngTmp, { recursive: true });
  let mkv: VideoEncoder | null = null;
  try {
    if (o.mkvPath) {
      mkv = await openVideoEncoder(o.mkvPath, { width: o.width, height: o.height, frameRate: o.frameRate, codec: 'ffv1', inputPixelFormat: 'gray16le', signal: o.signal, policy });
    }
  } catch (e) {
    if (pngTmp) await rm(pngTmp, { recursive: true, force: true });
    throw e;
  }
  const q = new Uint16Array(o.width * o.height);
  return {
    async write(index, raw) {
      quantizeDepth(raw, o.mapping, q);
      if (mkv) await mkv.write(new Uint8Array(q.buffer.slice(0)));
      if (pngTmp) await writeFile(join(pngTmp, `depth_${String(index).padStart(6, '0')}.png`), encodeDepthPng(q, o.width, o.height));
    },
    async finish() {
      const json = JSON.stringify(o.mapping, null, 2);
      if (mkv) {
        await mkv.finish();
        await writeFileAtomic(mappingPath!, json, policy);
      }
      if (pngDir && pngTmp) {
        await writeFile(join(pngTmp, 'mapping.json'), json);
        // Replace an earlier export only now that the new one is complete.
        await commitDir(pngTmp, pngDir, policy);
      }
    },
    async abort() {
      await mkv?.abort();
      if (pngTmp) await rm(pngTmp, { recursive: true, force: true });
    },
  };
}

/** PNG pass files in frame order (for tests and tools). */
export async function listDepthPngs(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^depth_\d+\.png$/.test(f)).sort().map((f) => join(dir, f));
}
