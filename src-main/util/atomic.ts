import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';

/**
 * Outputs appear at their final path only when complete: a crash, a cancel or a full disk leaves
 * at most a hidden `.partial` sibling (removed on failure), never a truncated file the user might trust.
 */
export function tempSibling(finalPath: string): string {
  const ext = extname(finalPath);
  const stem = basename(finalPath, ext);
  // Keep the extension last so tools that pick a format from the name (ffmpeg) still do.
  return join(dirname(finalPath), `.${stem}.partial-${process.pid}-${randomBytes(3).toString('hex')}${ext}`);
}

export async function commitFile(tmp: string, finalPath: string): Promise<void> {
  await rename(tmp, finalPath);
}

export async function writeFileAtomic(finalPath: string, data: string | Uint8Array): Promise<void> {
  await withAtomicFile(finalPath, (tmp) => writeFile(tmp, data));
}

export async function withAtomicFile<T>(finalPath: string, write: (tmp: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(resolve(finalPath)), { recursive: true });
  const tmp = tempSibling(finalPath);
  try {
    const result = await write(tmp);
    await commitFile(tmp, finalPath);
    return result;
  } catch (e) {
    await rm(tmp, { force: true, recursive: true });
    throw e;
  }
}

/**
 * A folder output built in a temporary sibling, then swapped in; an existing folder at the final path
 * is replaced only after the new one is complete.
 */
export async function withAtomicDir<T>(finalDir: string, write: (tmpDir: string) => Promise<T>): Promise<T> {
  const d = await openAtomicDir(finalDir);
  try {
    const result = await write(d.tmp);
    await d.commit();
    return result;
  } catch (e) {
    await d.abort();
    throw e;
  }
}

/** withAtomicDir for a folder filled over a longer job: `commit` swaps it in, `abort` removes it. */
export async function openAtomicDir(finalDir: string): Promise<{ tmp: string; commit(): Promise<void>; abort(): Promise<void> }> {
  await mkdir(dirname(resolve(finalDir)), { recursive: true });
  const tmp = tempSibling(finalDir);
  await mkdir(tmp);
  return {
    tmp,
    async commit() {
      if (await exists(finalDir)) {
        const trash = tempSibling(finalDir) + '.old';
        await rename(finalDir, trash);
        await rename(tmp, finalDir);
        await rm(trash, { recursive: true, force: true });
      } else {
        await rename(tmp, finalDir);
      }
    },
    abort: () => rm(tmp, { recursive: true, force: true }),
  };
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
