import { lstat, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { UserError } from '../common/errors.ts';

/**
 * The engine replaces only what it wrote itself. Every output folder it creates carries this marker,
 * listing the files it put there; a folder without it (or holding anything not listed) belongs to the
 * user and is never deleted or replaced, whatever flag is given.
 */
export const OUTPUT_MARKER = '.gemdepth-output.json';

export interface OutputPolicy {
  /** The user asked to replace an earlier output (`--force`, or a confirmed save dialog). */
  replace?: boolean;
  /** Files or folders the job reads: an output may neither be one nor contain one nor lie inside one. */
  inputs?: string[];
}

interface Marker {
  writer: 'gemdepth';
  files: string[];
}

/**
 * A path's real location, also when it does not exist yet: the nearest existing ancestor is resolved
 * through its symbolic links and the rest appended. Comparing these (not resolved strings) is what
 * catches a clip reached through a linked folder.
 */
export async function realLocation(p: string): Promise<string> {
  let head = resolve(p);
  const tail: string[] = [];
  for (;;) {
    try {
      return join(await realpath(head), ...tail.reverse());
    } catch {
      const up = dirname(head);
      if (up === head) return resolve(p);
      tail.push(basename(head));
      head = up;
    }
  }
}

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
const sameFile = (a: Stats | null, b: Stats | null) => !!a && !!b && a.dev === b.dev && a.ino === b.ino;
const lstatOrNull = (p: string) => lstat(p).catch(() => null);
const statOrNull = (p: string) => stat(p).catch(() => null);

async function checkInputs(out: string, policy: OutputPolicy, what: 'file' | 'folder'): Promise<void> {
  const outReal = await realLocation(out);
  const outStat = await statOrNull(out);
  for (const input of policy.inputs ?? []) {
    const inReal = await realLocation(input);
    if (inReal === outReal || sameFile(outStat, await statOrNull(input))) {
      throw new UserError(`output ${out} is the input ${input}: choose another output path (inputs are never overwritten)`, 'EOUTPUT');
    }
    if (what === 'folder' && inside(inReal, outReal)) {
      throw new UserError(`output folder ${out} contains the input ${input}: choose another folder`, 'EOUTPUT');
    }
    if (inside(outReal, inReal)) {
      throw new UserError(`output ${out} is inside the input folder ${input}: choose a path outside it (inputs are never changed)`, 'EOUTPUT');
    }
  }
}

/** Every file below dir, as paths relative to it ('/'-separated). */
async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      const below = await listTree(dir, rel);
      out.push(...(below.length ? below : [`${rel}/`]));
    } else out.push(rel);
  }
  return out;
}

async function readMarker(dir: string): Promise<Marker | null> {
  try {
    const m = JSON.parse(await readFile(join(dir, OUTPUT_MARKER), 'utf8')) as Partial<Marker>;
    return m.writer === 'gemdepth' && Array.isArray(m.files) && m.files.every((f) => typeof f === 'string') ? (m as Marker) : null;
  } catch {
    return null;
  }
}

/**
 * May `dir` become (or be replaced by) an output folder? Yes when it does not exist or is empty; when
 * it holds only what an earlier gemdepth run wrote there, only if the user asked to replace it.
 * Called before any work starts and again just before the finished folder is swapped in.
 */
export async function checkDirOutput(dir: string, policy: OutputPolicy = {}): Promise<void> {
  await checkInputs(dir, policy, 'folder');
  const st = await lstatOrNull(dir);
  if (!st) return;
  if (st.isSymbolicLink()) throw new UserError(`output folder ${dir} is a symbolic link: give the real folder, or a new one`, 'EOUTPUT');
  if (!st.isDirectory()) throw new UserError(`output ${dir} exists and is not a folder: choose a new folder name`, 'EOUTPUT');
  const entries = await listTree(dir);
  if (!entries.length) return;
  const marker = await readMarker(dir);
  if (!marker) {
    throw new UserError(`output folder ${dir} is not empty and gemdepth did not write it: choose a new or empty folder (nothing was changed)`, 'EOUTPUT');
  }
  const ours = new Set([...marker.files, OUTPUT_MARKER]);
  const foreign = entries.find((f) => !ours.has(f));
  if (foreign) {
    throw new UserError(`output folder ${dir} holds ${foreign}, which gemdepth did not write: move it out or choose another folder (nothing was changed)`, 'EOUTPUT');
  }
  if (!policy.replace) throw new UserError(`output folder ${dir} holds an earlier gemdepth output: add --force to replace it, or choose another folder`, 'EOUTPUT');
}

/** May `file` be written? Not over an input, never over a folder or a device, and over a file only if asked. */
export async function checkFileOutput(file: string, policy: OutputPolicy = {}): Promise<void> {
  await checkInputs(file, policy, 'file');
  const st = await lstatOrNull(file);
  if (!st) return;
  if (st.isDirectory()) throw new UserError(`output ${file} is a folder: give a file name`, 'EOUTPUT');
  if (!st.isFile() && !st.isSymbolicLink()) throw new UserError(`output ${file} exists and is not a regular file: choose another name`, 'EOUTPUT');
  if (!policy.replace) throw new UserError(`output ${file} already exists: add --force to replace it, or choose another name`, 'EOUTPUT');
}

/** Written last into a finished output folder, so a later run knows which files are the engine's. */
export async function writeOutputMarker(dir: string): Promise<void> {
  const files = (await listTree(dir)).filter((f) => f !== OUTPUT_MARKER).sort();
  const marker: Marker = { writer: 'gemdepth', files };
  await writeFile(join(dir, OUTPUT_MARKER), JSON.stringify(marker, null, 1) + '\n');
}

