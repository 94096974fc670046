import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../../common/errors.ts';
import { cachedSha256, cachedSha256Many } from '../../util/file-hash.ts';
import { listImageFrames } from '../decode/image-sequence.ts';
import type { Fingerprint } from '../../common/project/schema.ts';

/**
 * Content fingerprint of a media file: its size and the sha256 of all its bytes, so a clip edited
 * anywhere (even in the middle, keeping size and mtime) is another clip, and a copy elsewhere is the
 * same one. Hashed once per file identity (util/file-hash.ts). An image-sequence folder hashes each
 * frame's name, size and content.
 */
export async function fingerprintFile(path: string, cacheDir?: string): Promise<Fingerprint> {
  const st = await stat(path);
  if (st.isDirectory()) {
    const files = await listImageFrames(path);
    const hashes = await cachedSha256Many(files, cacheDir);
    const h = createHash('sha256');
    let total = 0;
    for (let i = 0; i < files.length; i++) {
      const size = (await stat(files[i])).size;
      total += size;
      h.update(`${basename(files[i])}\0${size}\0${hashes[i]}\n`);
    }
    return { size: total, sha256: h.digest('hex'), full: true };
  }
  if (!st.isFile()) throw new UserError(`not a regular file: ${path}`, 'EINPUT');
  return { size: st.size, sha256: await cachedSha256(path, cacheDir), full: true };
}

const CHUNK = 1 << 20;

/** The fingerprint projects saved before full hashing: size + sha256 of the first and last MiB (folders: names and sizes). */
async function headTailFingerprint(path: string): Promise<Fingerprint> {
  const st = await stat(path);
  const h = createHash('sha256');
  if (st.isDirectory()) {
    const { readdir } = await import('node:fs/promises');
    let total = 0;
    for (const n of (await readdir(path)).sort()) {
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
  !!a && !!b && a.size === b.size && a.sha256 === b.sha256 && !!a.full === !!b.full;

/** Whether the file at `path` (whose full fingerprint is `current`) is the media `saved` describes, old-style fingerprints included. */
export async function matchesFingerprint(saved: Fingerprint, path: string, current: Fingerprint): Promise<boolean> {
  if (saved.full) return sameFingerprint(saved, current);
  return sameFingerprint(saved, await headTailFingerprint(path));
}
