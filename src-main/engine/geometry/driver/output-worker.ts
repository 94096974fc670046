import { parentPort } from 'node:worker_threads';
import { createOutputMaker, type GeometryOutput, type OutputJob, type OutputSettings } from './frame-output.ts';
import { createFrameFusion, type CoarsePlanes } from './frame-fusion.ts';
import type { FromOutputWorker, ToOutputWorker } from './output-thread.ts';
import { jobOf } from './output-message.ts';
import { isWholeBuffer } from '../../../util/buffer-pool.ts';
import { depthRange } from '../../../common/effects/colormap.ts';
import { toInverseDepth } from '../../../common/depth.ts';
import { createWasmExtras } from './output-wasm.ts';
import { workerMessages } from '../../../util/worker-messages.ts';

/**
 * Worker side of output-thread.ts: fuses and makes the frames' outputs in order (frame-fusion.ts,
 * frame-output.ts: the same code the stage runs on its own thread) and hands the new depth back
 * without copying. Keeps each frame's coarse planes while a later frame may still fuse it.
 */
const port = parentPort!;
// The first ArrayBuffer an isolate detaches (transfers) makes V8 throw away all its optimised typed-array
// code: one empty buffer detached now, before any kernel is compiled, rather than the first results sent
// back after the kernels were hot (each recompiled once a run).
const detached = new ArrayBuffer(0);
structuredClone(detached, { transfer: [detached] });
let settings: OutputSettings | null = null;
let make: ReturnType<typeof createOutputMaker> | null = null;
let fuse: ReturnType<typeof createFrameFusion> | null = null;
const planes = new Map<number, CoarsePlanes>();
// The fused copy of a frame's aligned depth: read by its output only (frame-output.ts), so one buffer serves every frame.
let fused = new Float32Array(0);
// The caller's written arrays, given back (output-thread.ts: spare) for later frames' quantised and
// coloured forms; a few, as many as a cache chunk and the queue hold.
const spareQ: Uint16Array[] = [];
const spareRgb: Uint8Array[] = [];
const SPARE_MAX = 32;
// One colour range for the whole preview, from its first frame, so colours do not flicker (as analysis-outputs.ts did).
let range: [number, number] | null = null;
// The quantising and colouring in WebAssembly (output-wasm.ts: the same bytes), for the depth grid's size.
let wasm: (ReturnType<typeof createWasmExtras> & { n: number }) | null = null;
const planesOf = (i: number) => {
  const p = planes.get(i);
  if (!p) throw new Error(`frame ${i}'s fusion planes were not sent`);
  return p;
};

function run(j: OutputJob): GeometryOutput {
  if (j.fusion) {
    fuse ??= createFrameFusion(j.K, settings!.fusion.params);
    if (j.final === j.aligned && fused.length !== j.aligned.length) fused = new Float32Array(j.aligned.length);
    j = { ...j, final: fuse(j.fusion, planesOf(j.index), j.final, j.aligned, planesOf, fused) };
  }
  // Later frames fuse only frames within the reach of themselves.
  for (const i of planes.keys()) if (i < j.index - settings!.fusion.radius) planes.delete(i);
  // The model's depth came here as the frame's own (moved, or copied by postMessage): the output goes
  // into it, and back to the stage's thread in it.
  return make!(j, j.input as Float32Array<ArrayBuffer>);
}

/**
 * The output's quantised form for the cache and its preview colours, as the stage's thread made them
 * before (the same functions on the same depth: the same bytes), here where the output is made.
 */
function addExtras(out: GeometryOutput): ArrayBuffer[] {
  const x = settings!.extras;
  if (!x) return [];
  const d = out.depth, moved: ArrayBuffer[] = [];
  if (!x.quantize && !x.preview) return moved;
  const n = d.width * d.height;
  if (wasm?.n !== n) wasm = { n, ...createWasmExtras(n) };
  wasm.load(d.data);
  if (x.quantize) {
    out.quantized = wasm.quantize(spareQ.pop());
    moved.push(out.quantized.data.buffer as ArrayBuffer);
  }
  if (x.preview) {
    range ??= depthRange(toInverseDepth(d.data, d.kind));
    out.preview = wasm.colorize(d.kind, range, spareRgb.pop());
    moved.push(out.preview.buffer as ArrayBuffer);
  }
  return moved;
}

workerMessages<ToOutputWorker>(port, (m) => {
  try {
    if (m.type === 'settings') { settings = m.settings; make = createOutputMaker(m.settings); return; }
    if (m.type === 'spare') {
      for (const q of m.quantized) if (spareQ.length < SPARE_MAX) spareQ.push(q);
      for (const c of m.preview) if (spareRgb.length < SPARE_MAX) spareRgb.push(c);
      return;
    }
    for (const [i, p] of m.planes) planes.set(i, p);
    const job = jobOf(m);
    const out = run(job);
    const transfer = [out.depth.data.buffer as ArrayBuffer, ...(out.aligned ? [out.aligned.data.buffer as ArrayBuffer] : []), ...addExtras(out)];
    // The job's copy of its aligned depth is read by nothing here once the output is made: back, for a later job's.
    const spare = isWholeBuffer(job.aligned) && !transfer.includes(job.aligned.buffer as ArrayBuffer) ? job.aligned : null;
    port.postMessage({ type: 'output', out, spare } satisfies FromOutputWorker, spare ? [...transfer, spare.buffer as ArrayBuffer] : transfer);
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) } satisfies FromOutputWorker);
  }
});
