import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import { checkDirOutput, checkFileOutput, writeOutputMarker, type OutputPolicy } from './output-guard.ts';

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

/**
 * Moves a finished temporary file to its final name. Unless replacing was asked for, the move cannot
 * clobber: link() fails when the name exists, so a file that appeared there during the job is kept.
 */
export async function commitFile(tmp: string, finalPath: string, replace = true): Promise<void> {
  if (replace) return rename(tmp, finalPath);
  try {
    await link(tmp, finalPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new UserError(`output ${finalPath} appeared while the job ran: it was kept, and nothing was written (choose another name or add --force)`, 'EOUTPUT');
  }
  await unlink(tmp);
}

export async function writeFileAtomic(finalPath: string, data: string | Uint8Array, policy?: OutputPolicy): Promise<void> {
  await withAtomicFile(finalPath, (tmp) => writeFile(tmp, data), policy);
}

/**
 * Writes through a temporary sibling. With a policy the path is a user's output: it is checked first
 * (inputs, folders, existing files) and never replaces a file unless policy.replace; without one it is
 * an engine-owned file (cache, settings) that is always replaced.
 */
export async function withAtomicFile<T>(finalPath: string, write: (tmp: string) => Promise<T>, policy?: OutputPolicy): Promise<T> {
  if (policy) await checkFileOutput(finalPath, policy);
  await mkdir(dirname(resolve(finalPath)), { recursive: true });
  const tmp = tempSibling(finalPath);
  try {
    const result = await write(tmp);
    await commitFile(tmp, finalPath, policy ? !!policy.replace : true);
    return result;
  } catch (e) {
    await rm(tmp, { force: true, recursive: true });
    throw e;
  }
}

/**
 * An output folder built in a temporary sibling, marked as the engine's, then swapped in. A folder
 * already at the final path is replaced only when checkDirOutput allows it (empty, or an earlier
 * gemdepth output the user asked to replace), checked before the work and again at the swap.
 */
export async function withAtomicDir<T>(finalDir: string, write: (tmpDir: string) => Promise<T>, policy: OutputPolicy = {}): Promise<T> {
  const d = await openAtomicDir(finalDir, policy);
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
export async function openAtomicDir(finalDir: string, policy: OutputPolicy): Promise<{ tmp: string; commit(): Promise<void>; abort(): Promise<void> }> {
  await checkDirOutput(finalDir, policy);
  await mkdir(dirname(resolve(finalDir)), { recursive: true });
  const tmp = tempSibling(finalDir);
  await mkdir(tmp);
  return { tmp, commit: () => commitDir(tmp, finalDir, policy), abort: () => rm(tmp, { recursive: true, force: true }) };
}

/** Swaps a finished temporary folder in (see withAtomicDir); the caller removes tmp on failure. */
export async function commitDir(tmp: string, finalDir: string, policy: OutputPolicy): Promise<void> {
  await writeOutputMarker(tmp);
  await checkDirOutput(finalDir, policy);
  if (!(await exists(finalDir))) return rename(tmp, finalDir);
  const trash = tempSibling(finalDir) + '.old';
  await rename(finalDir, trash);
  await rename(tmp, finalDir);
  await rm(trash, { recursive: true, force: true });
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
