import type { MessagePort } from 'node:worker_threads';
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
 * What the output thread also does with each output when the caller has it write them there
 * (OutputExtras.writes: a worker module of the caller's serves the outputs with one of these). Why: the
 * stage's thread is the analysis's bottleneck, and a file and a pipe write a frame cost it a few percent;
 * here the frame is at hand, and its preview colours need not travel back and forth.
 */
export interface OutputWriter {
  /** `extras.writes.options`, once, before any output. */
  open(options: unknown): void;
  /**
   * Writes the output (made, with its extras); returns once nothing reads `depth` any more, so that it may
   * move on. A promise: `preview` is read until it settles (a pipe's backpressure), then stays on this
   * thread for a later frame's colours.
   */
  write(out: GeometryOutput): Promise<void> | null;
  /** After the last output: every file complete and in place. */
  finish(): Promise<void>;
  /** Cancelled or failed: nothing half-written left (called whenever the thread is asked to end, also after finish). */
  abort(): Promise<void>;
}

/** Previews in the writer's pipe before the thread waits for it (memory: that many frames' colours). */
const PIPED = 4;

/**
 * Worker side of output-thread.ts: fuses and makes the frames' outputs in order (frame-fusion.ts,
 * frame-output.ts: the same code the stage runs on its own thread), has `writer` write them when given,
 * and hands the new depth back without copying. Keeps each frame's coarse planes while a later frame may
 * still fuse it.
 */
export function serveOutputs(port: MessagePort, writer?: OutputWriter): void {
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
  // The writer's previews still in its pipe, oldest first.
  const piped: Promise<void>[] = [];
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

  /** The writer's part of a frame; its preview, once piped, kept for a later frame's (not sent back). */
  function write(out: GeometryOutput, moved: ArrayBuffer[]): ArrayBuffer[] {
    const feeding = writer!.write(out);
    const rgb = out.preview;
    if (!feeding || !rgb) return moved;
    delete out.preview;
    const fed = feeding.then(() => void (spareRgb.length < SPARE_MAX && spareRgb.push(rgb)));
    // Handled (a failure shows when it is awaited: the pipe full, or finish), never an unhandled rejection.
    fed.catch(() => undefined);
    piped.push(fed);
    return moved.filter((b) => b !== rgb.buffer);
  }

  const fail = (e: unknown) => {
    const code = (e as { code?: unknown } | null)?.code;
    port.postMessage({
      type: 'error',
      message: e instanceof Error ? (e.name === 'UserError' ? e.message : `${e.message}\n${e.stack}`) : String(e),
      ...(typeof code === 'string' ? { code } : {}),
      ...(e instanceof Error && e.name === 'UserError' ? { user: true } : {}),
    } satisfies FromOutputWorker);
  };

  /** One message; a promise only when it must wait (the writer's pipe, its finish). */
  function handle(m: ToOutputWorker): Promise<void> | void {
    if (m.type === 'settings') {
      settings = m.settings;
      make = createOutputMaker(m.settings);
      writer?.open(m.settings.extras?.writes?.options);
      return;
    }
    if (m.type === 'spare') {
      for (const q of m.quantized) if (spareQ.length < SPARE_MAX) spareQ.push(q);
      for (const c of m.preview) if (spareRgb.length < SPARE_MAX) spareRgb.push(c);
      return;
    }
    if (m.type === 'finish') return Promise.all(piped.splice(0)).then(() => writer?.finish()).then(() => port.postMessage({ type: 'finished' } satisfies FromOutputWorker));
    for (const [i, p] of m.planes) planes.set(i, p);
    const job = jobOf(m);
    const out = run(job);
    let transfer = [out.depth.data.buffer as ArrayBuffer, ...(out.aligned ? [out.aligned.data.buffer as ArrayBuffer] : []), ...addExtras(out)];
    if (writer && settings!.extras?.writes) transfer = write(out, transfer);
    // The job's copy of its aligned depth is read by nothing here once the output is made: back, for a later job's.
    const spare = isWholeBuffer(job.aligned) && !transfer.includes(job.aligned.buffer as ArrayBuffer) ? job.aligned : null;
    port.postMessage({ type: 'output', out, spare } satisfies FromOutputWorker, spare ? [...transfer, spare.buffer as ArrayBuffer] : transfer);
    // The pipe full: the next frame waits for ffmpeg (as the stage's thread did when it fed it).
    if (piped.length >= PIPED) return piped.shift()!;
  }

  // In order, one at a time; a message that waits holds the ones after it.
  const queue: ToOutputWorker[] = [];
  let busy = false;
  let ended = false;
  async function pump() {
    busy = true;
    while (queue.length && !ended) {
      try {
        const wait = handle(queue.shift()!);
        if (wait) await wait;
      } catch (e) {
        fail(e);
        // Nothing after a failure is made or written: the caller gives up at its next call.
        ended = true;
        queue.length = 0;
      }
    }
    busy = false;
  }
  workerMessages<ToOutputWorker>(port, (m) => {
    if (ended) return;
    queue.push(m);
    if (!busy) void pump();
  });
  // Asked to end (done, cancelled or failed elsewhere): nothing more is written, and what is half-written
  // goes (the thread exits once the writer's processes have).
  port.once('close', () => {
    ended = true;
    queue.length = 0;
    void writer?.abort();
  });
}
