import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { UserError } from '../../common/errors.ts';

/** A clip path must be a regular file or a folder: a FIFO or a device would hang the decoder or never end. */
export function requireRegular(input: string, st: Stats): void {
  if (st.isFile() || st.isDirectory()) return;
  const what = st.isFIFO() ? 'a named pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
  throw new UserError(`${input} is ${what}: give a video file or a folder of PNG/JPG frames`, 'EINPUT');
}

/** Refuses a file whose size or modification time moved while it was being read: another program is still writing it. */
export async function requireUnchanged(input: string, before: Stats): Promise<void> {
  const now = await stat(input).catch(() => null);
  if (!now || now.size !== before.size || now.mtimeMs !== before.mtimeMs || now.ino !== before.ino) {
    throw new UserError(`${input} changed while it was being read (another program is still writing it?): wait until it is complete, then try again`, 'EBUSY');
  }
}

/** A file changed this recently may still be growing (a recording, a copy): it is looked at again after SETTLE_MS. */
const RECENT_MS = 2000;
/** Longer than a live recording's muxer waits between writes (ffmpeg flushes its buffer several times a second). */
const SETTLE_MS = 1200;

/**
 * Refuses a file that is still being written. Comparing it before and after probing alone misses a
 * writer whose flushes are further apart than a fast probe takes; a file modified in the last moments
 * is therefore also looked at again after a short wait.
 */
export async function requireSettled(input: string, before: Stats): Promise<void> {
  if (Date.now() - before.mtimeMs < RECENT_MS) await new Promise((r) => setTimeout(r, SETTLE_MS));
  await requireUnchanged(input, before);
}

const MAX_MOOV = 256 << 20;
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

/**
 * An MP4/MOV sample table that claims more samples than its file can hold (a forged `stsz`) is refused
 * before any tool reads it: ffprobe would build an index of every claimed sample (10 GB for 20 million).
 * Only box headers and the `moov` box are read.
 */
export async function checkMp4Claims(input: string, path: string, size: number): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    let off = 0;
    while (off + 8 <= size) {
      await fh.read(head, 0, 16, off);
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      let hdr = 8;
      if (boxSize === 1) {
        boxSize = Number(head.readBigUInt64BE(8));
        hdr = 16;
      } else if (boxSize === 0) boxSize = size - off;
      if (boxSize < hdr || !/^[\x20-\x7e]{4}$/.test(type)) return; // not ISO-BMFF, or damaged: the tools say so
      if (type === 'moov') {
        if (boxSize > MAX_MOOV || off + boxSize > size) return;
        const moov = Buffer.alloc(boxSize - hdr);
        await fh.read(moov, 0, moov.length, off + hdr);
        checkBoxes(input, moov, 0, moov.length, size);
        return;
      }
      off += boxSize;
    }
  } finally {
    await fh.close();
  }
}

function checkBoxes(input: string, b: Buffer, start: number, end: number, fileSize: number): void {
  let off = start;
  while (off + 8 <= end) {
    const boxSize = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    if (boxSize < 8 || off + boxSize > end) return;
    if (CONTAINERS.has(type)) checkBoxes(input, b, off + 8, off + boxSize, fileSize);
    if (type === 'stsz' && boxSize >= 20) {
      const sampleSize = b.readUInt32BE(off + 12);
      const count = b.readUInt32BE(off + 16);
      const tableShort = sampleSize === 0 && 20 + 4 * count > boxSize;
      if (count > fileSize || tableShort || sampleSize * count > fileSize) {
        throw new UserError(`${input} claims ${count} frames, more than its ${fileSize} bytes can hold: the file is damaged or forged`, 'ECORRUPT');
      }
    }
    off += boxSize;
  }
}
