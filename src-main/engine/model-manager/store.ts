import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { UserError } from '../../common/errors.ts';
import { getManifest, listManifests, type ModelManifest } from '../infer/manifest.ts';
import { findModelFile, modelSearchDirs, userModelDir } from '../infer/model-paths.ts';

/**
 * Where downloads and imports go: the first folder of GEMDEPTH_MODELS when it is set (so a user or a
 * test can redirect everything), else the per-user model folder. Both are on the engine's search path
 * (infer/model-paths.ts), so an installed model is found by `analyze` without further setup.
 */
export function installDir(): string {
  const first = (process.env.GEMDEPTH_MODELS ?? '').split(delimiter).find(Boolean);
  return first ? resolve(first) : userModelDir();
}

export const partPath = (dir: string, m: ModelManifest) => join(dir, `${m.file}.part`);
export const partMetaPath = (dir: string, m: ModelManifest) => join(dir, `${m.file}.part.json`);

export interface ModelStatus {
  manifest: ModelManifest;
  /** Where the engine finds the file (any search folder), or null. */
  installedAt: string | null;
  /** True when that file is in the install folder, i.e. the manager may remove it. */
  removable: boolean;
  /** Bytes of an interrupted download waiting to be resumed. */
  partialBytes: number;
  downloadable: boolean;
}

function locate(m: ModelManifest, dirs: string[]): string | null {
  try {
    return findModelFile(m, dirs);
  } catch {
    return null;
  }
}

export async function listModels(o: { manifestDir?: string; dir?: string } = {}): Promise<ModelStatus[]> {
  const dir = o.dir ?? installDir();
  const dirs = [...new Set([dir, ...modelSearchDirs()])];
  const all = await listManifests(o.manifestDir);
  return all.map((manifest) => {
    const installedAt = locate(manifest, dirs);
    const part = partPath(dir, manifest);
    return {
      manifest,
      installedAt,
      removable: installedAt !== null && resolve(installedAt) === resolve(dir, manifest.file),
      partialBytes: existsSync(part) ? statSync(part).size : 0,
      downloadable: manifest.download !== undefined,
    };
  });
}

export const FIRST_RUN_HINT =
  'no depth model installed: run `gemdepth models list`, then `gemdepth models download ID` or `gemdepth models import FILE --as ID`';

/** The first-run check of the CLI and the app: null when some model can run, else the one-line hint. */
export async function firstRunHint(o: { manifestDir?: string; dir?: string } = {}): Promise<string | null> {
  const models = await listModels(o);
  return models.some((s) => s.installedAt) ? null : FIRST_RUN_HINT;
}

/** Removes an installed model (and any partial download) from the install folder; never touches other folders. */
export async function removeModel(id: string, o: { manifestDir?: string; dir?: string } = {}): Promise<string[]> {
  const m = await getManifest(id, o.manifestDir);
  const dir = o.dir ?? installDir();
  const targets = [join(dir, m.file), partPath(dir, m), partMetaPath(dir, m)].filter((p) => existsSync(p));
  if (targets.length === 0) {
    const elsewhere = locate(m, modelSearchDirs());
    throw new UserError(
      elsewhere
        ? `model '${id}' is not in the model folder ${dir}; it is found at ${elsewhere}, which the model manager does not manage: delete it there yourself`
        : `model '${id}' is not installed (nothing in ${dir})`,
      'ENOTINSTALLED',
    );
  }
  for (const p of targets) await rm(p, { force: true });
  return targets;
}
