import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.ts';

/**
 * Small side files (cache records, hash tables) carry a sha256 of their content at the end, written
 * atomically: a torn, corrupted or hand-edited file reads as missing, so it is recomputed, never trusted.
 */
export async function writeChecked(path: string, data: Buffer | string): Promise<void> {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  await writeFileAtomic(path, Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

/** The content of an intact checked file; null when it is missing, torn or corrupt. */
export async function readChecked(path: string): Promise<Buffer | null> {
  try {
    const b = await readFile(path);
    if (b.length < 32) return null;
    const data = b.subarray(0, b.length - 32);
    return createHash('sha256').update(data).digest().equals(b.subarray(b.length - 32)) ? data : null;
  } catch {
    return null;
  }
}

/** JSON from an intact checked file, or null (missing, corrupt, or not JSON). */
export async function readCheckedJson(path: string): Promise<unknown> {
  const b = await readChecked(path);
  if (!b) return null;
  try {
    return JSON.parse(b.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
