import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, whatever the test's own folder. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The one way tests find ../shared. Missing data is a FAILURE with a clear message, never a skip:
 * a green run without the real clips and model would prove nothing.
 */
export function sharedDir(): string {
  const dir = resolve(process.env.GEMDEPTH_SHARED ?? join(REPO_ROOT, '..', 'shared'));
  if (!existsSync(join(dir, 'clips')) || !existsSync(join(dir, 'models'))) {
    throw new Error(
      `shared test data not found at ${dir}: clone the project beside ../shared or set GEMDEPTH_SHARED to its path`,
    );
  }
  return dir;
}

export function sharedPath(...parts: string[]): string {
  const p = join(sharedDir(), ...parts);
  if (!existsSync(p)) throw new Error(`shared test file missing: ${p} (GEMDEPTH_SHARED=${sharedDir()})`);
  return p;
}

export const clip = (name: string): string => sharedPath('clips', name);
export const dataset = (name: string): string => sharedPath('datasets', name);
export const sharedModels = (): string => sharedPath('models');
