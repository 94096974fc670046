import type { Worker } from 'node:worker_threads';
import { isWholeBuffer } from '../../../util/buffer-pool.ts';
import { startWorker } from '../../../util/worker-entry.ts';
import type { GeometryOutput, OutputJob, OutputSettings } from './frame-output.ts';
import type { CoarsePlanes } from './frame-fusion.ts';
import { packViews, type SentJob } from './output-message.ts';
import { endWorker } from '../../../util/worker-messages.ts';
import { UserError } from '../../../common/errors.ts';

export type FromOutputWorker = { type: 'output'; out: GeometryOutput; spare: Float32Array | null } | { type: 'finished' }
  | { type: 'error'; message: string; code?: string; user?: boolean };
export type ToOutputWorker = { type: 'settings'; settings: OutputSettings } | ({ type: 'job' } & SentJob)
  | { type: 'spare'; quantized: Uint16Array[]; preview: Uint8Array[] } | { type: 'finish' };

/**
 * The frames' outputs (frame-output.ts: the fit on the model's grid, the fusion's factor, the temporal
 * filter), and with the scale smoothed the view fusion before them (frame-fusion.ts), made on a thread
 * of their own, beside the tracking on the stage's thread; outputs come back in order. Why: with the model on its own thread the geometry's thread is the analysis's bottleneck
 * and the second core waits for it; fusion and output are a fifth to a third of the geometry's work. Memory stays bounded:
 * the caller waits (`settle`) while more than a few jobs are under way. The model's depth moves to the
 * thread (nothing on the stage's thread reads it after the frame's output); the frame's other arrays
 * are copied (later frames read them); the outputs move back without copying, with their cache form
 * and preview colours when `settings.extras` asks (made there, off the stage's thread).
 */
export function createOutputThread(settings: OutputSettings) {
  const writes = settings.extras?.writes;
  const worker: Worker = writes ? startWorker(writes.base, writes.path, { bundle: true }) : startWorker(import.meta.url, './output-worker.ts', { bundle: true });
  // Held only while frames are under way: an analysis that fails elsewhere must not keep the process alive.
  worker.unref();
  const done: GeometryOutput[] = [];
  // The jobs' copies of their aligned depth, back from the thread once their outputs are made: the next
  // jobs' copies go into them and move (a clone of 0.15 MB allocated and paged in a new buffer on both
  // sides a frame, before).
  const spareAligned: Float32Array[] = [];
  let pending = 0;
  let failure: Error | null = null;
  let finished = false;
  let wake: (() => void) | null = null;
  const notify = () => { const f = wake; wake = null; f?.(); };
  worker.on('message', (m: FromOutputWorker) => {
    if (m.type === 'output') {
      done.push(m.out);
      if (m.spare && spareAligned.length < SPARE_ALIGNED) spareAligned.push(m.spare);
      if (--pending === 0) worker.unref();
    } else if (m.type === 'finished') {
      finished = true;
      if (--pending === 0) worker.unref();
    } else failure ??= errorOf(m);
    notify();
  });
  worker.on('error', (e) => { failure ??= e; notify(); });
  worker.on('exit', (code) => { if (pending > 0) failure ??= new Error(`geometry output thread exited (${code}) with ${pending} frames under way`); notify(); });
  const send = (m: ToOutputWorker) => worker.postMessage(m);
  send({ type: 'settings', settings });
  // Planes not yet sent: they go with the next job (each job fuses only frames whose planes came before it).
  let planes: [number, CoarsePlanes][] = [];

  return {
    submit(job: OutputJob) {
      if (failure) throw failure;
      if (pending++ === 0) worker.ref();
      // Moved, not copied (0.36 MB a 720p analysis frame); a view into a larger buffer is copied.
      const fusion = job.fusion ? { ...job.fusion, views: packViews(job.fusion.views) } : job.fusion;
      // The frame's aligned depth is read here by later frames: a copy moves (the same values).
      let aligned = spareAligned.pop();
      if (aligned?.length !== job.aligned.length) aligned = new Float32Array(job.aligned.length);
      aligned.set(job.aligned);
      const final = job.final === job.aligned ? aligned : job.final;
      const m = { type: 'job', job: { ...job, aligned, final, fusion }, planes } satisfies ToOutputWorker;
      planes = [];
      const moved = [aligned.buffer as ArrayBuffer, ...(fusion ? [fusion.views.buffer as ArrayBuffer] : [])];
      worker.postMessage(m, isWholeBuffer(job.input) ? [job.input.buffer as ArrayBuffer, ...moved] : moved);
    },
    /**
     * A frame's coarse planes, for the jobs whose fusion reads them (sent once, with the next job: one
     * message a frame, not two, each of which wakes the thread).
     */
    planes(index: number, p: CoarsePlanes) {
      planes.push([index, p]);
    },
    /**
     * Arrays of outputs' `quantized` and `preview` the caller has written and reads no more, moved back
     * for later frames' (no new 0.2 + 0.3 MB a frame on either thread); views into larger buffers are dropped.
     */
    spare(quantized: Uint16Array[], preview: Uint8Array[]) {
      const q = quantized.filter(isWholeBuffer), c = preview.filter(isWholeBuffer);
      if (q.length + c.length === 0) return;
      worker.postMessage({ type: 'spare', quantized: q, preview: c } satisfies ToOutputWorker, [...q, ...c].map((a) => a.buffer as ArrayBuffer));
    },
    /** Waits until at most `maxPending` jobs are under way; returns the outputs finished so far, in order. */
    async settle(maxPending: number): Promise<GeometryOutput[]> {
      while (pending > maxPending && !failure) await new Promise<void>((r) => { wake = r; });
      if (failure) throw failure;
      return done.splice(0);
    },
    /**
     * With `extras.writes`, after `settle(0)`: the writes finished (the files complete and in place), or
     * their failure thrown.
     */
    async finish(): Promise<void> {
      if (!writes) return;
      if (failure) throw failure;
      if (pending++ === 0) worker.ref();
      send({ type: 'finish' });
      while (!finished && !failure) await new Promise<void>((r) => { wake = r; });
      if (failure) throw failure;
    },
    /** Ends the thread (after `settle(0)` and `finish`, or to give up: then the writes' files go). */
    close: () => endWorker(worker),
  };
}

const SPARE_ALIGNED = 8;

/** The thread's failure as it was there: a user's error stays one (a full disk, the encoder's), with its code. */
function errorOf(m: Extract<FromOutputWorker, { type: 'error' }>): Error {
  if (m.user) return new UserError(m.message, m.code);
  return Object.assign(new Error(`geometry output thread: ${m.message}`), m.code ? { code: m.code } : {});
}

export type OutputThread = ReturnType<typeof createOutputThread>;
