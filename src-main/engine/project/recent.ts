import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.ts';
import { RecentSchema, type RecentProject } from '../../common/project/media.ts';

const RECENT_MAX = 10;

/** The app's own settings folder; GEMDEPTH_CONFIG lets tests and portable installs move it. */
export function configDir(): string {
  if (process.env.GEMDEPTH_CONFIG) return process.env.GEMDEPTH_CONFIG;
  const base = process.env.XDG_CONFIG_HOME ?? (process.platform === 'win32' ? process.env.APPDATA : undefined) ?? join(homedir(), '.config');
  return join(base ?? join(homedir(), '.config'), 'gemdepth');
}

const recentFile = () => join(configDir(), 'recent.json');

export async function readRecent(): Promise<RecentProject[]> {
  try {
    const parsed = RecentSchema.safeParse(JSON.parse(await readFile(recentFile(), 'utf8')));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export async function addRecent(path: string, name: string): Promise<RecentProject[]> {
  const list = [{ path, name, openedAt: new Date().toISOString() }, ...(await readRecent()).filter((r) => r.path !== path)].slice(0, RECENT_MAX);
  await writeFileAtomic(recentFile(), JSON.stringify(list, null, 2));
  return list;
}
