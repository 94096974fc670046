import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../common/errors.ts';
import type { ModelManifest } from './manifest.ts';

/** The per-user model folder, where the model manager installs downloads. */
export function userModelDir(): string {
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'gemdepth', 'models');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'gemdepth', 'models');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'gemdepth', 'models');
}

const repoRoot = () => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Search order: env GEMDEPTH_MODELS (path-delimited), the user's model folder, then the project's shared models (dev and CI). */
export function modelSearchDirs(): string[] {
  const dirs = (process.env.GEMDEPTH_MODELS ?? '').split(delimiter).filter(Boolean).map((d) => resolve(d));
  dirs.push(userModelDir());
  const shared = resolve(process.env.GEMDEPTH_SHARED ?? join(repoRoot(), '..', 'shared'));
  dirs.push(join(shared, 'models'));
  return [...new Set(dirs)];
}

/** A model file lies in a search dir or one folder below it (shared/models/fastdepth/fastdepth-224.onnx). */
export function findModelFile(m: ModelManifest, dirs = modelSearchDirs()): string {
  for (const dir of dirs) {
    const direct = join(dir, m.file);
    if (existsSync(direct)) return direct;
    let subs: string[];
    try {
      subs = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const s of subs) {
      const p = join(dir, s, m.file);
      try {
        if (statSync(join(dir, s)).isDirectory() && existsSync(p)) return p;
      } catch {
        /* unreadable entry: keep looking */
      }
    }
  }
  throw new UserError(
    `model file ${m.file} for '${m.id}' not found in ${dirs.join(', ')} (and their subfolders): get it from ${m.source.url} and put it in ${userModelDir()}, or set GEMDEPTH_MODELS`,
    'ENOMODEL',
  );
}
