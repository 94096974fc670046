import { close, closeSync, open, openSync, writev, writevSync } from 'node:fs';

/**
 * Writes `parts` one after another as a new file at `path` (created or truncated), the same bytes as
 * fs/promises writeFile(path, parts). Why not that: writeFile makes a FileHandle (an object with a
 * finaliser) and goes through a promise per part and per step; an analysis writes a .npy a frame and a
 * cache chunk every 16 on the thread that also tracks, where that bookkeeping showed as a few percent of
 * its CPU. Here: open, one gathered write (more while the kernel takes less than all), close, one promise.
 */
export function writeParts(path: string, parts: readonly Uint8Array[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    open(path, 'w', (err, fd) => {
      if (err) return reject(err);
      const fail = (e: Error) => close(fd, () => reject(e));
      let rest = parts.filter((p) => p.byteLength > 0);
      const next = (e: Error | null, written: number) => {
        if (e) return fail(e);
        // A short write (rare for regular files): drop what went, continue from the first byte that did not.
        while (rest.length && written >= rest[0].byteLength) written -= rest.shift()!.byteLength;
        if (rest.length && written > 0) rest = [rest[0].subarray(written), ...rest.slice(1)];
        if (!rest.length) return close(fd, (c) => (c ? reject(c) : resolve()));
        writev(fd, rest as Uint8Array[], next);
      };
      next(null, 0);
    });
  });
}

/**
 * writeParts blocking: for a worker thread that writes each frame's file between two frames' work (the
 * analysis's output thread), where one write of a few hundred KB into the page cache costs less than a
 * callback's round trips, and the frame's arrays may move on as soon as it returns. The same bytes.
 */
export function writePartsSync(path: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    let rest = parts.filter((p) => p.byteLength > 0);
    while (rest.length) {
      let written = writevSync(fd, rest as Uint8Array[]);
      // A short write (rare for regular files): drop what went, continue from the first byte that did not.
      while (rest.length && written >= rest[0].byteLength) written -= rest.shift()!.byteLength;
      if (rest.length && written > 0) rest = [rest[0].subarray(written), ...rest.slice(1)];
    }
  } finally {
    closeSync(fd);
  }
}
