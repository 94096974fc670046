/**
 * Undo/redo over immutable snapshots of the project document. Every edit commits a new snapshot, so
 * undo is exact for every kind of edit without per-command inverse code. Edits with the same
 * `coalesce` key in a row (one slider drag, typing in one field) merge into one undo step.
 */
export interface History<T> {
  readonly present: T;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  /** Snapshots since the last markSaved(); 0 = clean. */
  readonly dirty: boolean;
}

export interface HistoryState<T> extends History<T> {
  past: T[];
  future: T[];
  lastKey: string | null;
  savedRef: T | null;
}

export function createHistory<T>(initial: T, savedClean = true): HistoryState<T> {
  return wrap({ past: [], present: initial, future: [], lastKey: null, savedRef: savedClean ? initial : null });
}

function wrap<T>(s: Omit<HistoryState<T>, 'canUndo' | 'canRedo' | 'dirty'>): HistoryState<T> {
  return { ...s, canUndo: s.past.length > 0, canRedo: s.future.length > 0, dirty: s.present !== s.savedRef };
}

export function commit<T>(h: HistoryState<T>, next: T, opts: { coalesce?: string; limit?: number } = {}): HistoryState<T> {
  if (next === h.present) return h;
  const limit = opts.limit ?? 200;
  const key = opts.coalesce ?? null;
  if (key !== null && key === h.lastKey && h.past.length > 0) {
    // Same gesture: replace the present, keep the snapshot from before the gesture as the undo target.
    return wrap({ ...h, present: next, future: [] });
  }
  const past = [...h.past, h.present];
  if (past.length > limit) past.splice(0, past.length - limit);
  return wrap({ past, present: next, future: [], lastKey: key, savedRef: h.savedRef });
}

export function undo<T>(h: HistoryState<T>): HistoryState<T> {
  if (!h.past.length) return h;
  const past = h.past.slice(0, -1);
  return wrap({ past, present: h.past[h.past.length - 1], future: [h.present, ...h.future], lastKey: null, savedRef: h.savedRef });
}

export function redo<T>(h: HistoryState<T>): HistoryState<T> {
  if (!h.future.length) return h;
  const [next, ...future] = h.future;
  return wrap({ past: [...h.past, h.present], present: next, future, lastKey: null, savedRef: h.savedRef });
}

/** After a save the current snapshot is the clean one; undoing past it makes the project dirty again. */
export function markSaved<T>(h: HistoryState<T>): HistoryState<T> {
  return wrap({ ...h, savedRef: h.present, lastKey: null });
}

/** Replace everything (open/new project): no undo across documents. */
export function reset<T>(initial: T): HistoryState<T> {
  return createHistory(initial, true);
}
