import type { DepthLayer } from '../cache/layer.ts';
import { decodeStitchState, encodeStitchState } from '../cache/stitch-state.ts';
import { roundTripInPlace, type Quantized } from '../cache/quantize.ts';
import { createBufferPool, type BufferPool } from '../../util/buffer-pool.ts';
import { frameToTensor, type Size } from '../preprocess/index.ts';
import { depthAtResolution } from '../infer/postprocess.ts';
import { WindowStitcher, type StitchedFrame } from '../stitch/stitcher.ts';
import { windowCount, windowInputFrames } from '../stitch/windows.ts';
import type { RgbFrame } from '../../common/types.ts';
import type { ModelManifest, WindowParams } from '../infer/manifest.ts';
import type { LoadedModel } from '../infer/session.ts';

/** A frame with the model's depth at depth resolution, exactly as the cache returns it. */
export interface RawDepthFrame {
  /** 0-based within the analysed range. */
  rel: number;
  rgb: RgbFrame;
  depth: Float32Array;
  pose: number[] | null;
}

export interface RawDepthContext {
  /** null when every frame comes from the cache. */
  model: LoadedModel | null;
  layer: DepthLayer;
  /** Absolute index of the range's first frame. */
  start: number;
  length: number;
  inputSize: Size;
  depthSize: Size;
  window: WindowParams | null;
  /** Per-frame models with a dynamic batch dimension run this many frames at once. */
  batch?: number;
  signal?: AbortSignal;
  /**
   * Depth arrays of `depthSize` the caller is done with (analyze.ts puts finished frames' there): the
   * model thread writes new depth into them instead of new arrays (taken from the end, one a frame).
   */
  spareDepth?: Float32Array[];
}

const STATE = 'stitch-state.bin';

/** Frames covered by the cache that this run can build on (windowed models also need their stitch state). */
export async function resumePoint(layer: DepthLayer, window: WindowParams | null): Promise<{ frames: number; windows: number }> {
  const prefix = await layer.validPrefix();
  if (!window) return { frames: prefix, windows: 0 };
  const blob = await layer.readBlob(STATE);
  if (blob) {
    const { state, framesEmitted } = decodeStitchState(blob);
    if (framesEmitted <= prefix) {
      await layer.truncate(framesEmitted);
      return { frames: framesEmitted, windows: state.windowsDone };
    }
  }
  await layer.truncate(0);
  return { frames: 0, windows: 0 };
}

/** Network output to depth resolution, floored for metric models, as cached. */
function toDepthRes(map: Float32Array, w: number, h: number, size: Size, manifest: ModelManifest): { depth: Float32Array; quantized: Quantized } {
  return asCached(depthAtResolution(map, w, h, size, manifest));
}

/** A depth map (ours to change) as the cache will give it back, with its quantised form (into a pooled array). */
function asCached(depth: Float32Array, pool?: BufferPool): { depth: Float32Array; quantized: Quantized } {
  return { depth, quantized: roundTripInPlace(depth, pool && new Uint16Array(pool.take().buffer)) };
}

/**
 * Decoded frames in, the model's depth out, in order. Cached frames are read back instead of
 * recomputed; new ones are written to the cache chunk by chunk as they are produced.
 */
export async function* rawDepthFrames(frames: AsyncIterable<RgbFrame>, ctx: RawDepthContext): AsyncGenerator<RawDepthFrame> {
  // A complete layer is served as is (its stitch state is gone once the last window is written).
  const complete = (await ctx.layer.readComplete(ctx.length)) !== null;
  const resume = complete ? { frames: ctx.length, windows: ctx.window ? windowCount(ctx.length, ctx.window) : 0 } : await resumePoint(ctx.layer, ctx.window);
  if (ctx.window) yield* windowed(frames, ctx, ctx.window, resume);
  else yield* perFrame(frames, ctx, resume.frames);
}

async function cachedFrame(ctx: RawDepthContext, f: RgbFrame, rel: number): Promise<RawDepthFrame> {
  const c = await ctx.layer.read(rel);
  if (!c) throw new Error(`depth cache lost frame ${rel} during the run`);
  return { rel, rgb: f, depth: c.depth, pose: c.pose ?? null };
}

async function* perFrame(frames: AsyncIterable<RgbFrame>, ctx: RawDepthContext, cached: number): AsyncGenerator<RawDepthFrame> {
  const model = ctx.model;
  const batch = model?.io.batch ?? Math.max(1, ctx.batch ?? 1);
  // Chunks hold whole batches so a resumed run batches frames exactly as an uninterrupted one.
  const chunkSize = batch * Math.max(1, Math.round(16 / batch));
  const { width: iw, height: ih } = ctx.inputSize;
  const per = 3 * iw * ih;
  let pending: RgbFrame[] = [];
  let chunk: { first: number; frames: { depth: Float32Array; quantized: Quantized }[] } | null = null;
  // Batches sent to the model and not yet collected: with a threaded model the next batch is
  // preprocessed, and the last one postprocessed and cached, while this one runs.
  const inflight: { frames: RgbFrame[]; depths: Promise<(Float32Array | { depth: Float32Array; quantized: Quantized })[]> }[] = [];
  // Three: the model thread always has the next batch queued while this thread stitches, caches and
  // hands frames on, even when a frame's downstream work takes longer than one inference.
  const MAX_INFLIGHT = 3;
  // The quantised frames' arrays, back once their chunk is written: a chunk's worth, not one a frame.
  const qPool = createBufferPool(2 * ctx.depthSize.width * ctx.depthSize.height, 2 * chunkSize);
  // With the model on its thread, the round trip runs there too and these go back to it instead.
  const spareQuantized: Uint16Array[] = [];

  const startBatch = () => {
    if (!model) throw new Error('model needed for uncached frames');
    const n = pending.length;
    // A static batch dim (e.g. FastDepth's 1) is padded rather than changed.
    const rows = model.io.batch ?? n;
    let depths: Promise<(Float32Array | { depth: Float32Array; quantized: Quantized })[]>;
    if (model.runFramesCached) {
      // Preprocessing, the output's resize and the cache's round trip on the model thread: this thread
      // also tracks the camera.
      depths = model.runFramesCached(pending, ctx.inputSize, ctx.depthSize, rows, ctx.spareDepth?.splice(-n, n), spareQuantized.splice(-n, n));
    } else if (model.runFrames) {
      depths = model.runFrames(pending, ctx.inputSize, ctx.depthSize, rows, ctx.spareDepth?.splice(-n, n));
    } else {
      const input = new Float32Array(rows * per);
      pending.forEach((f, i) => frameToTensor(f, ctx.inputSize, model.manifest, input, i * per));
      depths = model.run(input, [rows, 3, ih, iw]).then((out) => {
        const [, oh, ow] = out.dims;
        return Array.from({ length: n }, (_v, i) => depthAtResolution(out.depth.subarray(i * oh * ow, (i + 1) * oh * ow), ow, oh, ctx.depthSize, model.manifest));
      });
    }
    // Handled when collected; if the run is abandoned (cancel), its failure must not surface as unhandled.
    depths.catch(() => {});
    inflight.push({ frames: pending, depths });
    pending = [];
  };

  const collect = async function* (): AsyncGenerator<RawDepthFrame> {
    const b = inflight.shift()!;
    const depths = await b.depths;
    for (let i = 0; i < b.frames.length; i++) {
      const f = b.frames[i];
      const rel = f.index - ctx.start;
      const got = depths[i];
      const d = got instanceof Float32Array ? asCached(got, qPool) : got;
      if (!chunk) chunk = { first: rel, frames: [] };
      chunk.frames.push(d);
      yield { rel, rgb: f, depth: d.depth, pose: null };
    }
    const c = chunk as { first: number; frames: { depth: Float32Array; quantized: Quantized }[] } | null;
    if (c && (c.frames.length >= chunkSize || c.first + c.frames.length >= ctx.length)) {
      await ctx.layer.write(c.first, ctx.depthSize.width, ctx.depthSize.height, c.frames);
      for (const f of c.frames) {
        if (model?.runFramesCached) {
          if (spareQuantized.length < 2 * chunkSize) spareQuantized.push(f.quantized.data);
        } else qPool.give(new Uint8Array(f.quantized.data.buffer));
      }
      chunk = null;
    }
  };

  for await (const f of frames) {
    if (ctx.signal?.aborted) return; // the caller turns this into CancelledError (see analyze.ts)
    const rel = f.index - ctx.start;
    if (rel < cached) {
      yield await cachedFrame(ctx, f, rel);
      continue;
    }
    pending.push(f);
    if (pending.length >= batch || rel === ctx.length - 1 || (rel + 1) % chunkSize === 0) {
      startBatch();
      if (inflight.length >= MAX_INFLIGHT) yield* collect();
    }
  }
  if (pending.length) startBatch();
  while (inflight.length) yield* collect();
}

async function* windowed(
  frames: AsyncIterable<RgbFrame>,
  ctx: RawDepthContext,
  p: WindowParams,
  resume: { frames: number; windows: number },
): AsyncGenerator<RawDepthFrame> {
  const model = ctx.model;
  const L = ctx.length;
  const K = windowCount(L, p);
  let stitcher: WindowStitcher;
  if (resume.windows > 0 && resume.windows < K) {
    const blob = await ctx.layer.readBlob(STATE);
    stitcher = new WindowStitcher(p, L, decodeStitchState(blob!).state);
  } else {
    stitcher = new WindowStitcher(p, L);
  }
  if (model?.io.T != null && model.io.T !== p.T) {
    throw new Error(`model window ${model.io.T} does not match preset T ${p.T}`);
  }
  const { width: iw, height: ih } = ctx.inputSize;
  const per = 3 * iw * ih;
  const tensors = new Map<number, Float32Array>();
  const rgbs = new Map<number, RgbFrame>();
  const needed = (k: number) => (k < K ? windowInputFrames(k, L, p) : []);
  let k = resume.windows;
  let want = new Set(needed(k));
  const lastOf = (j: number) => Math.min(j * (p.T - p.overlap) + p.T - 1, L - 1);

  const finish = async function* (emitted: StitchedFrame[], withState: boolean): AsyncGenerator<RawDepthFrame> {
    const out: (RawDepthFrame & { quantized: Quantized })[] = [];
    for (const e of emitted) {
      const rgb = rgbs.get(e.index);
      if (!rgb) throw new Error(`frame ${e.index} left the window before its depth was final`);
      const d = toDepthRes(e.depth, outW, outH, ctx.depthSize, model!.manifest);
      out.push({ rel: e.index, rgb, depth: d.depth, quantized: d.quantized, pose: e.pose });
      rgbs.delete(e.index);
    }
    if (out.length) {
      await ctx.layer.write(out[0].rel, ctx.depthSize.width, ctx.depthSize.height, out.map((x) => ({ depth: x.depth, quantized: x.quantized, pose: x.pose })));
    }
    if (out.length) emittedThrough = out[out.length - 1].rel + 1;
    if (withState) await ctx.layer.writeBlob(STATE, encodeStitchState(stitcher.state(), emittedThrough));
    for (const x of out) yield { rel: x.rel, rgb: x.rgb, depth: x.depth, pose: x.pose };
  };
  let outW = 0;
  let outH = 0;
  let emittedThrough = resume.frames;

  const runWindow = async function* (): AsyncGenerator<RawDepthFrame> {
    if (!model) throw new Error('model needed for uncached windows');
    const slots = needed(k);
    const input = new Float32Array(p.T * per);
    slots.forEach((fr, i) => input.set(tensors.get(fr)!, i * per));
    const out = await model.run(input, [1, p.T, 3, ih, iw]);
    const [, oh, ow] = out.dims;
    outW = ow;
    outH = oh;
    const maps = Array.from({ length: p.T }, (_v, i) => out.depth.slice(i * oh * ow, (i + 1) * oh * ow));
    const poses = out.poses ? Array.from({ length: p.T }, (_v, i) => Array.from(out.poses!.subarray(i * 9, i * 9 + 9))) : null;
    const emitted = stitcher.push(maps, poses);
    k++;
    const last = k >= K;
    if (last) emitted.push(...stitcher.flush());
    want = new Set(needed(k));
    const nextNew = k * (p.T - p.overlap) + p.overlap;
    for (const fr of [...tensors.keys()]) if (!want.has(fr) && fr < nextNew) tensors.delete(fr);
    yield* finish(emitted, !last);
  };

  for await (const f of frames) {
    if (ctx.signal?.aborted) return; // the caller turns this into CancelledError (see analyze.ts)
    const rel = f.index - ctx.start;
    if (rel < resume.frames) yield await cachedFrame(ctx, f, rel);
    else rgbs.set(rel, f);
    if (k < K && want.has(rel)) {
      const t = new Float32Array(per);
      frameToTensor(f, ctx.inputSize, ctx.model!.manifest, t, 0);
      tensors.set(rel, t);
    }
    while (k < K && rel >= lastOf(k)) yield* runWindow();
  }
}
