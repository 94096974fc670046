import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../../common/errors.ts';

/** Width and height from a PNG's IHDR or a JPEG's start-of-frame marker; null when neither is found. */
export async function imageSize(path: string): Promise<{ width: number; height: number } | null> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(24);
    const { bytesRead } = await fh.read(b, 0, 24, 0);
    if (bytesRead >= 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
    if (bytesRead < 4 || b.readUInt16BE(0) !== 0xffd8) return null;
    // JPEG: walk the marker segments (EXIF can come first) to a start-of-frame.
    let off = 2;
    const seg = Buffer.alloc(9);
    for (let n = 0; n < 512; n++) {
      const r = await fh.read(seg, 0, 9, off);
      if (r.bytesRead < 4 || seg[0] !== 0xff) return null;
      const marker = seg[1];
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return r.bytesRead >= 9 ? { width: seg.readUInt16BE(7), height: seg.readUInt16BE(5) } : null;
      }
      off += 2 + seg.readUInt16BE(2);
    }
    return null;
  } finally {
    await fh.close();
  }
}

const numbered = (f: string) => /^(.*?)(\d+)(\.[^.]+)$/.exec(basename(f));

/**
 * An image sequence is played frame after frame at one rate and one size: a missing number or a frame
 * of another size is said, never silently closed up or stretched.
 */
export async function checkSequence(dir: string, files: string[], width: number, height: number): Promise<void> {
  for (let i = 1; i < files.length; i++) {
    const a = numbered(files[i - 1]);
    const b = numbered(files[i]);
    if (!a || !b || a[1] !== b[1]) continue;
    const gap = Number(b[2]) - Number(a[2]);
    if (gap > 1) {
      throw new UserError(
        `image sequence ${dir} has a gap: ${gap - 1} frame(s) missing between ${basename(files[i - 1])} and ${basename(files[i])} (fill them in, or renumber the frames if the jump is intended)`,
        'EINPUT',
      );
    }
  }
  for (const f of files) {
    const s = await imageSize(f);
    if (s && (s.width !== width || s.height !== height)) {
      throw new UserError(
        `image sequence ${dir} mixes frame sizes: ${basename(f)} is ${s.width}x${s.height}, ${basename(files[0])} is ${width}x${height} (resize them to one size first)`,
        'EINPUT',
      );
    }
  }
}
