import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { sharedModels } from '../helpers/shared.ts';
import { buildRenderer, launchHost, type Host } from '../host/host.ts';
import { tid } from './ui.ts';

/**
 * The renderer in the test host against the real engine, with a fresh cache and config for the test
 * file (the analysis really runs, and recent projects do not leak between runs); closed and removed after.
 */
export function useFreshHost(prefix: string, viewport = { width: 1440, height: 900 }): { host: () => Host; tmp: () => string } {
  let host: Host;
  let tmp: string;
  beforeAll(async () => {
    sharedModels();
    tmp = await mkdtemp(join(tmpdir(), prefix));
    vi.stubEnv('GEMDEPTH_CACHE', join(tmp, 'cache'));
    vi.stubEnv('GEMDEPTH_CONFIG', join(tmp, 'config'));
    const rendererDir = await buildRenderer(join(tmp, 'renderer'));
    host = await launchHost({ viewport, rendererDir });
    await host.page.waitForSelector(tid('app-ready'));
  }, 180_000);
  afterAll(async () => {
    await host?.close();
    vi.unstubAllEnvs();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  return { host: () => host, tmp: () => tmp };
}
