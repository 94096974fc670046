import { spawn } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../../common/errors.ts';
import { resolveFfmpeg } from '../decode/ffmpeg-path.ts';
import { probe } from '../decode/probe.ts';
import type { DepthKind } from '../../common/types.ts';
import { decodeDepthExr } from './depth-exr.ts';
import { decodeDepthPng, mappingPathFor } from './depth-passes.ts';
import { decodeNpy } from './npy.ts';

/**
 * Reading a depth pass another tool (or an earlier export) wrote: a folder of 16-bit PNG, 32-bit EXR or
 * .npy frames (in name order), or an FFV1 gray16 .mkv. The sidecar our exports write beside a pass
 * (mapping.json, the mkv's .json, analyze's meta.json) says what the values mean; without one the user
 * says it (`unit`). Frames are read one at a time, so memory does not grow with the clip.
 */
export type DepthUnitArg = 'metric' | 'inverse' | 'relative';
export const DEPTH_UNITS: readonly DepthUnitArg[] = ['metric', 'inverse', 'relative'];

export interface DepthPass {
  path: string;
  format: 'png' | 'exr' | 'npy' | 'ffv1';
  /** What the pass's content is made of: frame files (in order) and the sidecar, for the cache key. */
  files: string[];
  width: number;
  height: number;
  count: number;
  /** First source frame the pass covers (a sidecar's; else 0). */
  start: number;
  kind: DepthKind;
  /** Stored values -> depth in `kind` (the relative unit is turned into inverse depth). */
  frames(): AsyncGenerator<Float32Array>;
}

interface Sidecar {
  kind?: DepthKind;
  offset: number;
  scale: number;
  start?: number;
  file: string;
}

const FRAME_EXT = { png: '.png', exr: '.exr', npy: '.npy' } as const;

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

async function sidecarOf(path: string, format: DepthPass['format']): Promise<Sidecar | null> {
  const file = format === 'ffv1' ? mappingPathFor(path) : join(path, format === 'npy' ? 'meta.json' : 'mapping.json');
  const j = await readJson(file);
  if (!j) return null;
  const kind = j.kind ?? j.depthKind;
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  return {
    kind: kind === 'metric' || kind === 'relative-inverse' ? kind : undefined,
    offset: num(j.offset, 0),
    scale: num(j.scale, format === 'png' || format === 'ffv1' ? 1 / 65535 : 1),
    start: typeof j.start === 'number' && Number.isInteger(j.start) && j.start >= 0 ? j.start : undefined,
    file,
  };
}

function bad(path: string, what: string): never {
  throw new UserError(`depth pass ${path}: ${what}`, 'EINPUT');
}

async function decodeFile(format: 'png' | 'exr' | 'npy', file: string): Promise<{ width: number; height: number; data: ArrayLike<number> }> {
  const buf = await readFile(file);
  try {
    if (format === 'png') return decodeDepthPng(buf);
    if (format === 'exr') return decodeDepthExr(buf);
    const n = decodeNpy(buf);
    if (n.shape.length !== 2 && !(n.shape.length === 3 && n.shape[2] === 1)) throw new Error(`shape (${n.shape.join(', ')}) is not H x W`);
    return { width: n.shape[1], height: n.shape[0], data: n.data };
  } catch (e) {
    return bad(file, `cannot be read as ${format.toUpperCase()} depth (${(e as Error).message.split('\n')[0]})`);
  }
}

async function* ffv1Frames(path: string, width: number, height: number): AsyncGenerator<Uint16Array> {
  const proc = spawn(resolveFfmpeg().ffmpeg, ['-v', 'error', '-i', path, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'gray16le', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const size = width * height * 2;
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= size) {
        const f = new Uint16Array(width * height);
        Buffer.from(f.buffer).set(pending.subarray(0, size));
        pending = pending.subarray(size);
        yield f;
      }
    }
    const code = await new Promise<number | null>((res) => (proc.exitCode !== null ? res(proc.exitCode) : proc.once('close', res)));
    if (code !== 0) bad(path, `ffmpeg could not decode it (${err.trim().split('\n').pop() ?? `exit ${code}`})`);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

/** Opens a pass and checks what can be checked up front (format, frame count, first frame's size, unit). */
export async function openDepthPass(input: string, unit?: DepthUnitArg): Promise<DepthPass> {
  const path = resolve(input);
  const st = await stat(path).catch(() => bad(path, 'not found'));
  let format: DepthPass['format'];
  let frameFiles: string[] = [];
  let width: number, height: number, count: number;
  if (st.isDirectory()) {
    const names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort();
    const found = (Object.keys(FRAME_EXT) as (keyof typeof FRAME_EXT)[]).filter((f) => names.some((n) => extname(n).toLowerCase() === FRAME_EXT[f]));
    if (found.length !== 1) bad(path, found.length ? `holds ${found.join(' and ')} frames: keep one format per folder` : 'holds no .png, .exr or .npy frames');
    format = found[0];
    frameFiles = names.filter((n) => extname(n).toLowerCase() === FRAME_EXT[format as keyof typeof FRAME_EXT]).map((n) => join(path, n));
    const first = await decodeFile(format, frameFiles[0]);
    ({ width, height } = first);
    count = frameFiles.length;
  } else if (extname(path).toLowerCase() === '.mkv') {
    format = 'ffv1';
    const info = await probe(path);
    if (info.codec !== 'ffv1' || !/^gray16/.test(info.pixelFormat)) bad(path, `is ${info.codec} ${info.pixelFormat}; a depth video must be FFV1 gray16 (what --depth-mkv writes)`);
    ({ width, height } = info);
    count = info.frameCount;
  } else {
    return bad(path, 'is neither a folder of .png / .exr / .npy frames nor an FFV1 gray16 .mkv');
  }
  const side = await sidecarOf(path, format);
  if (!unit && !side?.kind) bad(path, `nothing says what its values mean (no sidecar from a gemdepth export): add --depth-unit ${DEPTH_UNITS.join('|')}`);
  // The user's word wins over the sidecar's; 'relative' (larger = farther, unknown scale) is stored as its inverse.
  const kind: DepthKind = unit ? (unit === 'metric' ? 'metric' : 'relative-inverse') : side!.kind!;
  const invert = unit === 'relative';
  const offset = side?.offset ?? 0;
  const scale = side?.scale ?? (format === 'png' || format === 'ffv1' ? 1 / 65535 : 1);
  const toDepth = (v: ArrayLike<number>, where: string) => {
    const out = new Float32Array(width * height);
    for (let i = 0; i < out.length; i++) {
      const d = offset + scale * v[i];
      if (!Number.isFinite(d)) bad(where, `holds a non-finite value at pixel ${i % width},${Math.floor(i / width)}`);
      out[i] = invert ? (d > 0 ? 1 / d : 0) : d;
    }
    return out;
  };
  const sizeCheck = (w: number, h: number, where: string) => {
    if (w !== width || h !== height) bad(where, `is ${w}x${h} but the pass's first frame is ${width}x${height}: every frame must have one size`);
  };
  const fmt = format;
  return {
    path,
    format,
    files: [...(fmt === 'ffv1' ? [path] : frameFiles), ...(side ? [side.file] : [])],
    width,
    height,
    count,
    start: side?.start ?? 0,
    kind,
    async *frames() {
      if (fmt === 'ffv1') {
        let n = 0;
        for await (const f of ffv1Frames(path, width, height)) yield toDepth(f, `${basename(path)} frame ${n++}`);
        if (n !== count) bad(path, `decoded ${n} frames, expected ${count}`);
        return;
      }
      for (const file of frameFiles) {
        const f = await decodeFile(fmt, file);
        sizeCheck(f.width, f.height, file);
        yield toDepth(f.data, file);
      }
    },
  };
}
