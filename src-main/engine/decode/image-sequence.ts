import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const IMAGE_EXT = /\.(png|jpe?g)$/i;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Frames of an image-sequence folder in natural order (frame2 before frame10). */
export async function listImageFrames(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXT.test(n)).sort(collator.compare);
  return names.map((n) => join(dir, n));
}

/** ffmpeg concat-demuxer script: one entry per frame, so any numbering scheme works. */
export function concatScript(files: string[], frameDuration: number): string {
  const esc = (p: string) => p.replace(/'/g, "'\\''");
  return ['ffconcat version 1.0', ...files.flatMap((f) => [`file '${esc(f)}'`, `duration ${frameDuration}`]), ''].join(
    '\n',
  );
}
