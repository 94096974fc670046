import type { Progress } from '../common/types.ts';
import type { JobControl } from '../engine/job-control.ts';
import { throwIfAborted } from '../common/errors.ts';
import { describeError } from './dispatch.ts';
import type { JobEvent, JobInfo } from '../common/api/types.ts';

/**
 * Long engine work (analysis, export) runs as jobs: started with an id, reporting progress as events,
 * cancellable through an AbortSignal, and ending in one of done / error (in words) / cancelled.
 * Progress is throttled so a fast job cannot flood IPC with thousands of messages a second.
 */
export interface JobManager {
  start(kind: JobInfo['kind'], label: string, target: string, run: (control: JobControl) => Promise<unknown>): JobInfo;
  cancel(id: string): boolean;
  list(): JobInfo[];
  get(id: string): JobInfo | undefined;
  /** Resolves when the job ends (any state). */
  wait(id: string): Promise<JobInfo>;
  on(listener: (e: JobEvent) => void): () => void;
  cancelAll(): Promise<void>;
}

const PROGRESS_INTERVAL_MS = 100;
const KEEP_FINISHED = 50;

export function createJobManager(): JobManager {
  const jobs = new Map<string, { info: JobInfo; ac: AbortController; done: Promise<JobInfo> }>();
  const listeners = new Set<(e: JobEvent) => void>();
  let seq = 0;
  const emit = (type: JobEvent['type'], info: JobInfo) => {
    const snapshot = { ...info };
    for (const l of listeners) {
      try {
        l({ type, job: snapshot });
      } catch (e) {
        console.error('[gemdepth] job listener failed:', e);
      }
    }
  };
  const prune = () => {
    const finished = [...jobs.values()].filter((j) => j.info.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(j.info.id);
  };

  return {
    start(kind, label, target, run) {
      const id = `${kind}-${++seq}-${Date.now().toString(36)}`;
      const ac = new AbortController();
      const info: JobInfo = { id, kind, label, target, state: 'running', progress: null, error: null, result: null, startedAt: Date.now(), endedAt: null };
      let lastSent = 0;
      const onProgress = (p: Progress) => {
        info.progress = p;
        const now = Date.now();
        if (now - lastSent >= PROGRESS_INTERVAL_MS || p.done === p.total) {
          lastSent = now;
          emit('progress', info);
        }
      };
      const done = (async () => {
        // Yield first so the caller gets the id before any event about it.
        await Promise.resolve();
        try {
          // Cancelled before it began (cancel right after start): never run it.
          throwIfAborted(ac.signal);
          info.result = await run({ signal: ac.signal, onProgress });
          info.state = 'done';
        } catch (e) {
          const d = describeError(e);
          info.state = d.kind === 'cancelled' || ac.signal.aborted ? 'cancelled' : 'error';
          info.error = info.state === 'cancelled' ? null : d.message;
        }
        info.endedAt = Date.now();
        emit('state', info);
        prune();
        return { ...info };
      })();
      jobs.set(id, { info, ac, done });
      emit('state', info);
      return { ...info };
    },
    cancel(id) {
      const j = jobs.get(id);
      if (!j || j.info.state !== 'running') return false;
      j.ac.abort();
      return true;
    },
    list: () => [...jobs.values()].map((j) => ({ ...j.info })),
    get: (id) => {
      const j = jobs.get(id);
      return j ? { ...j.info } : undefined;
    },
    wait: async (id) => {
      const j = jobs.get(id);
      if (!j) throw new Error(`no job ${id}`);
      return j.done;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async cancelAll() {
      const running = [...jobs.values()].filter((j) => j.info.state === 'running');
      for (const j of running) j.ac.abort();
      await Promise.all(running.map((j) => j.done));
    },
  };
}
