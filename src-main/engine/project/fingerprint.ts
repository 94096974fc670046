import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { Fingerprint } from './schema.ts';

const CHUNK = 1 << 20;

/**
 * Content fingerprint of a media file: size + sha256 of its first and last MiB. Reading the whole file
 * would take seconds for long clips; head+tail+size changes whenever a re-encode or a different file
 * sits at the same path, which is what relinking needs to know. Folders (image sequences) hash the
 * sorted file names and sizes.
 */
export async function fingerprintFile(path: string): Promise<Fingerprint> {
  const st = await stat(path);
  const h = createHash('sha256');
  if (st.isDirectory()) {
    const { readdir } = await import('node:fs/promises');
    const names = (await readdir(path)).sort();
    let total = 0;
    for (const n of names) {
      const s = await stat(`${path}/${n}`);
      if (!s.isFile()) continue;
      total += s.size;
      h.update(`${n}\0${s.size}\n`);
    }
    return { size: total, sha256: h.digest('hex') };
  }
  h.update(`size:${st.size}\n`);
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(CHUNK, st.size));
    await fh.read(head, 0, head.length, 0);
    h.update(head);
    if (st.size > CHUNK) {
      const tail = Buffer.alloc(Math.min(CHUNK, st.size - CHUNK));
      await fh.read(tail, 0, tail.length, st.size - tail.length);
      h.update(tail);
    }
  } finally {
    await fh.close();
  }
  return { size: st.size, sha256: h.digest('hex') };
}

export const sameFingerprint = (a: Fingerprint | null, b: Fingerprint | null): boolean =>
  !!a && !!b && a.size === b.size && a.sha256 === b.sha256;
