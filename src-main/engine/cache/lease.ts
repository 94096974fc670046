import { randomBytes } from 'node:crypto';
import { readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../../util/stale-partials.ts';

/**
 * A running job's claim on a cache entry: a hidden file naming the host and process. Eviction leaves an
 * entry alone while any claim is alive, however long the job runs. A claim from this host is alive while
 * its process is; one from another host (a shared cache folder) while it is refreshed.
 */
const PREFIX = '.in-use-';
const REFRESH_MS = 60_000;
/** Another host's claim not refreshed for this long is from a job that died. */
const STALE_MS = 10 * REFRESH_MS;

export interface Lease {
  release(): Promise<void>;
}

const host = () => hostname().replace(/[^A-Za-z0-9_.]/g, '_');

export async function leaseEntry(entryDir: string): Promise<Lease> {
  const file = join(entryDir, `${PREFIX}${host()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeFile(file, '');
  const timer = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => {});
  }, REFRESH_MS);
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await rm(file, { force: true });
    },
  };
}

/** Whether a live job holds the entry; claims of jobs that died are removed on the way. */
export async function entryInUse(entryDir: string, now = Date.now()): Promise<boolean> {
  const names = (await readdir(entryDir).catch(() => [] as string[])).filter((n) => n.startsWith(PREFIX));
  let inUse = false;
  for (const n of names) {
    const m = /^(.*)-(\d+)-[0-9a-f]+$/.exec(n.slice(PREFIX.length));
    const p = join(entryDir, n);
    let alive: boolean;
    if (m && m[1] === host()) alive = pidAlive(Number(m[2]));
    else alive = now - ((await stat(p).catch(() => null))?.mtimeMs ?? 0) < STALE_MS;
    if (alive) inUse = true;
    else await rm(p, { force: true });
  }
  return inUse;
}
