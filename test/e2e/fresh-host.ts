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
 * `env`: more variables for the engine, from the test's temporary folder (undefined unsets one).
 */
export function useFreshHost(prefix: string, o: { viewport?: { width: number; height: number }; env?: (tmp: string) => Record<string, string | undefined> } = {}): { host: () => Host; tmp: () => string } {
  const viewport = o.viewport ?? { width: 1440, height: 900 };
  let host: Host;
  let tmp: string;
  beforeAll(async () => {
    sharedModels();
    tmp = await mkdtemp(join(tmpdir(), prefix));
    const env = { GEMDEPTH_CACHE: join(tmp, 'cache'), GEMDEPTH_CONFIG: join(tmp, 'config'), ...o.env?.(tmp) };
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
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
