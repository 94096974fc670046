import { resolve, sep } from 'node:path';
import { isUserError } from '../../common/errors.ts';
import { builtinModelDir } from '../runtime-paths.ts';
import { getManifest, type ModelManifest } from './manifest.ts';
import { findModelFile, modelSearchDirs } from './model-paths.ts';

export interface ResolvedModel {
  /** The manifest that runs: the requested one, or its built-in fallback. */
  manifest: ModelManifest;
  path: string;
  /** The file ships with the app (models/), not downloaded or imported. */
  builtIn: boolean;
  /** Set when the requested model is not installed and its built-in fallback runs instead. */
  requested?: string;
}

/** True when the file lies in the app's own models folder. */
export function isBuiltInPath(path: string): boolean {
  return resolve(path).startsWith(resolve(builtinModelDir()) + sep);
}

/**
 * The model a request for `id` runs. A model whose file is not installed runs its manifest's `fallback`
 * (the built-in int8 FastDepth for `fastdepth`), so a fresh install analyses offline; a model without one
 * fails with the manifest's how-to-get-it line.
 */
export function resolveModelFile(manifest: ModelManifest, fallback: ModelManifest | null, dirs = modelSearchDirs()): ResolvedModel {
  try {
    const path = findModelFile(manifest, dirs);
    return { manifest, path, builtIn: isBuiltInPath(path) };
  } catch (e) {
    if (!fallback || !isUserError(e)) throw e;
    try {
      const path = findModelFile(fallback, dirs);
      return { manifest: fallback, path, builtIn: isBuiltInPath(path), requested: manifest.id };
    } catch {
      throw e;
    }
  }
}

export async function resolveModel(id: string, manifestDir?: string): Promise<ResolvedModel> {
  const manifest = await getManifest(id, manifestDir);
  const fallback = manifest.fallback ? await getManifest(manifest.fallback, manifestDir) : null;
  return resolveModelFile(manifest, fallback);
}
