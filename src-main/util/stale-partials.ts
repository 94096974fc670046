import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** Whether a process with this id runs on this machine. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temporary names carry their writer's process id (atomic.ts tempSibling, frame-reader's concat folders). */
const PARTIAL = /^\.(.*)\.partial-(\d+)-[0-9a-f]+/;
const SEQ_TMP = /^gemdepth-seq-(\d+)-/;

async function sweep(dir: string, match: (name: string) => number | null): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = match(name);
    if (pid === null || pid === process.pid || pidAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

const partialPid = (stems?: Set<string>) => (name: string) => {
  const m = PARTIAL.exec(name);
  return m && (!stems || stems.has(m[1])) ? Number(m[2]) : null;
};

/**
 * What a job killed outright (kill -9, a power cut) left behind: hidden `.partial` files and folders
 * in the cache and beside the outputs named, and ffmpeg concat scripts in the temporary folder. Only
 * names whose writing process is gone are removed; a live job's files are never touched.
 */
export async function removeStalePartials(o: { cacheDir?: string; outputs?: string[] }): Promise<string[]> {
  const removed: string[] = [];
  if (o.cacheDir) {
    const cache = resolve(o.cacheDir);
    removed.push(...(await sweep(cache, partialPid())));
    removed.push(...(await sweep(join(cache, 'proxies'), partialPid())));
    const depth = join(cache, 'depth');
    for (const entry of await readdir(depth, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory()) continue;
      const dir = join(depth, entry.name);
      removed.push(...(await sweep(dir, partialPid())));
      for (const sub of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (sub.isDirectory() && !sub.name.startsWith('.')) removed.push(...(await sweep(join(dir, sub.name), partialPid())));
      }
    }
  }
  // Beside an output only that output's own temporary names: the folder is the user's.
  const byDir = new Map<string, Set<string>>();
  for (const out of o.outputs ?? []) {
    const abs = resolve(out);
    const stems = byDir.get(dirname(abs)) ?? new Set<string>();
    stems.add(basename(abs, extname(abs)));
    byDir.set(dirname(abs), stems);
  }
  for (const [dir, stems] of byDir) removed.push(...(await sweep(dir, partialPid(stems))));
  removed.push(...(await sweep(tmpdir(), (n) => (SEQ_TMP.test(n) ? Number(SEQ_TMP.exec(n)![1]) : null))));
  return removed;
}
