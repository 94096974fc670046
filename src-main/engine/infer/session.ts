import * as ort from 'onnxruntime-node';
import { UserError } from '../../common/errors.ts';
import { cachedSha256 } from '../../util/file-hash.ts';
import type { ModelManifest } from './manifest.ts';
import type { RgbFrame } from '../../common/types.ts';
import type { Quantized } from '../../common/quantize.ts';
import type { Size } from '../preprocess/index.ts';
import { findModelFile } from './model-paths.ts';
import { fusedInt8Exact } from './int8-exact.ts';
import { planProviders, type DeviceRequest } from './providers.ts';

/** Static sizes read from the file; null where the model leaves a dimension symbolic. */
export interface ModelIo {
  batch: number | null;
  /** Window length, windowed models only. */
  T: number | null;
  height: number | null;
  width: number | null;
}

export interface ModelOutput {
  depth: Float32Array;
  /** Output dims with the singleton channel removed: [N,H,W] (per-frame) or [T,H,W] (windowed). */
  dims: [number, number, number];
  poses: Float32Array | null;
}

export interface LoadedModel {
  manifest: ModelManifest;
  path: string;
  sha256: string;
  device: 'cuda' | 'cpu';
  /** e.g. "cpu (CUDA provider not installed: run npm run cuda:install)". */
  deviceLabel: string;
  io: ModelIo;
  run(input: Float32Array, dims: number[]): Promise<ModelOutput>;
  /**
   * Per-frame models on their own thread: the frames preprocessed, run as one batch of `rows` (padded)
   * and each output brought to `depthSize` (postprocess.ts) there; the frames' pixels are lent to the
   * thread and back in place. Same values as run + depthAtResolution here. `spare`: arrays of
   * `depthSize` nothing reads any more (finished frames'), moved to the thread to hold later outputs.
   */
  runFrames?(frames: RgbFrame[], inputSize: Size, depthSize: Size, rows: number, spare?: Float32Array[]): Promise<Float32Array[]>;
  /**
   * runFrames, each depth then put through the cache's uint16 round trip on the thread too (the values
   * the cache will give back, with the quantised form it writes; the same bits as cache/quantize.ts's
   * roundTripInPlace here). `spareQuantized`: finished frames' uint16 arrays of `depthSize`, moved there.
   */
  runFramesCached?(frames: RgbFrame[], inputSize: Size, depthSize: Size, rows: number, spare?: Float32Array[], spareQuantized?: Uint16Array[]): Promise<{ depth: Float32Array; quantized: Quantized }[]>;
  close(): Promise<void>;
}

export interface LoadOptions {
  device?: DeviceRequest;
  threads?: number;
  /** Let ORT's threads busy-wait between runs (faster for back-to-back runs with nothing else to do). */
  spin?: boolean;
  /** Skip the search path (tests, imported files). */
  path?: string;
  cacheDir?: string;
  onWarning?: (message: string) => void;
}

type Dim = number | string;
const dimText = (shape: readonly Dim[]) => `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d ? d : '?')).join(',')}]`;
const staticDim = (d: Dim | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);

function tensorMeta(list: readonly ort.InferenceSession.ValueMetadata[], name: string) {
  const m = list.find((x) => x.name === name);
  return m && m.isTensor ? m : null;
}

/**
 * Checks the file's declared I/O against the manifest, so a wrong export fails at load with one line
 * naming what was expected and what was found, not later with an opaque runtime error.
 */
export function verifyModelIo(
  manifest: ModelManifest,
  file: string,
  inputs: readonly ort.InferenceSession.ValueMetadata[],
  outputs: readonly ort.InferenceSession.ValueMetadata[],
): ModelIo {
  const fail = (what: string) => new UserError(`model ${file} does not match manifest '${manifest.id}': ${what}`, 'EMODELIO');
  const names = (l: readonly ort.InferenceSession.ValueMetadata[]) => l.map((x) => `'${x.name}'`).join(', ');
  const inp = tensorMeta(inputs, manifest.input.name);
  if (!inp) throw fail(`expected input '${manifest.input.name}', found ${names(inputs)}`);
  const shape = inp.shape as readonly Dim[];
  const expectIn = manifest.kind === 'per-frame' ? '[N,3,H,W]' : '[1,T,3,H,W]';
  if (shape.length !== manifest.input.rank) {
    throw fail(`expected input '${inp.name}' of rank ${manifest.input.rank} ${expectIn}, found rank ${shape.length} ${dimText(shape)}`);
  }
  if (inp.type !== 'float32') throw fail(`expected input '${inp.name}' of type float32, found ${inp.type}`);
  const c = shape.length - 3;
  if (staticDim(shape[c]) !== null && shape[c] !== 3) throw fail(`expected 3 colour channels in input ${expectIn}, found ${dimText(shape)}`);
  const height = staticDim(shape[c + 1]);
  const width = staticDim(shape[c + 2]);
  if ('fixed' in manifest.size) {
    const [h, w] = manifest.size.fixed;
    if ((height !== null && height !== h) || (width !== null && width !== w)) {
      throw fail(`expected input size ${h}x${w} (HxW), found ${dimText(shape)}`);
    }
  } else if (height !== null || width !== null) {
    throw fail(`the size rule needs a variable input H and W, found fixed ${dimText(shape)} (use a "fixed" size rule)`);
  }
  const batch = staticDim(shape[0]);
  if (manifest.kind === 'windowed' && batch !== null && batch !== 1) throw fail(`expected batch 1 in ${expectIn}, found ${dimText(shape)}`);
  const T = manifest.kind === 'windowed' ? staticDim(shape[1]) : null;

  const out = tensorMeta(outputs, manifest.output.name);
  if (!out) throw fail(`expected output '${manifest.output.name}', found ${names(outputs)}`);
  const oshape = out.shape as readonly Dim[];
  if (oshape.length !== manifest.output.rank) {
    const expectOut = manifest.kind === 'windowed' ? '[1,T,H,W]' : manifest.output.rank === 3 ? '[N,H,W]' : '[N,1,H,W]';
    throw fail(`expected output '${out.name}' of rank ${manifest.output.rank} ${expectOut}, found rank ${oshape.length} ${dimText(oshape)}`);
  }
  if (manifest.kind === 'per-frame' && oshape.length === 4 && staticDim(oshape[1]) !== null && oshape[1] !== 1) {
    throw fail(`expected output [N,1,H,W], found ${dimText(oshape)}`);
  }
  if (manifest.poses) {
    const p = tensorMeta(outputs, manifest.poses.name);
    if (!p) throw fail(`expected pose output '${manifest.poses.name}', found ${names(outputs)}`);
    const ps = p.shape as readonly Dim[];
    if (ps.length !== 3 || (staticDim(ps[2]) !== null && ps[2] !== 9)) throw fail(`expected pose output '${p.name}' [1,T,9], found ${dimText(ps)}`);
  }
  return { batch, T, height, width };
}

/**
 * A quantised (QDQ) model runs its dequantised weights in float rather than through onnxruntime's fused
 * int8 kernels where those would not give its float depth on this CPU (int8-exact.ts). No effect on float models.
 */
const qdqAsFloat = () => (fusedInt8Exact() ? {} : { disable_quant_qdq: '1' });

async function createSession(path: string, ep: 'cuda' | 'cpu', threads?: number, spin = false) {
  return ort.InferenceSession.create(path, {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    // ORT's pool threads busy-wait between runs by default; in a pipeline that steals the cores that
    // decoding and the JS stages need (measured: 8.4 -> 5.5 CPU-s for cockatoo, and a faster wall time).
    extra: { session: { ...qdqAsFloat(), ...(spin ? {} : { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } }) } },
  });
}

/** Finds, verifies and opens a model: checksum, I/O, then CUDA when it can, else CPU (never a crash on CUDA failure). */
export async function loadModel(manifest: ModelManifest, o: LoadOptions = {}): Promise<LoadedModel> {
  const path = o.path ?? findModelFile(manifest);
  const sha256 = await cachedSha256(path, o.cacheDir, manifest.sha256);
  if (manifest.sha256 && sha256 !== manifest.sha256) {
    throw new UserError(
      `model file ${path} has the wrong checksum: expected sha256 ${manifest.sha256}, found ${sha256} (re-download it from ${manifest.source.url})`,
      'ECHECKSUM',
    );
  }
  const plan = planProviders(o.device ?? 'auto');
  let session: ort.InferenceSession | null = null;
  let device: 'cuda' | 'cpu' = 'cpu';
  let reason = plan.reason;
  for (const ep of plan.order) {
    try {
      session = await createSession(path, ep, o.threads, o.spin);
      device = ep;
      break;
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      if (ep === 'cuda') {
        reason = `CUDA failed to start: ${msg}`;
        o.onWarning?.(`${reason}; falling back to CPU`);
        continue;
      }
      throw new UserError(`cannot load model ${path}: ${msg}`, 'EMODELLOAD');
    }
  }
  if (!session) throw new UserError(`cannot load model ${path}`, 'EMODELLOAD');
  let io: ModelIo;
  try {
    io = verifyModelIo(manifest, path, session.inputMetadata, session.outputMetadata);
  } catch (e) {
    await session.release();
    throw e;
  }
  const deviceLabel = device === 'cuda' ? 'cuda' : `cpu (${reason})`;
  const s = session;
  return {
    manifest,
    path,
    sha256,
    device,
    deviceLabel,
    io,
    async run(input, dims) {
      const feeds = { [manifest.input.name]: new ort.Tensor('float32', input, dims) };
      const fetches = [manifest.output.name, ...(manifest.poses ? [manifest.poses.name] : [])];
      const res = await s.run(feeds, fetches);
      const d = res[manifest.output.name];
      const od = d.dims;
      const n = od.length === 4 && manifest.kind === 'per-frame' ? [od[0], od[2], od[3]] : od.length === 4 ? [od[1], od[2], od[3]] : [od[0], od[1], od[2]];
      const poses = manifest.poses ? (res[manifest.poses.name].data as Float32Array) : null;
      return { depth: d.data as Float32Array, dims: n as [number, number, number], poses };
    },
    close: () => s.release(),
  };
}
