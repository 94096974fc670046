import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clip, REPO_ROOT, sharedModels } from '../helpers/shared.ts';
import { buildRenderer, launchHost, type Host } from '../host/host.ts';
import { tid } from './ui.ts';

/**
 * First run: a fresh install analyses with the built-in model (models/fastdepth-int8.onnx). Where no model
 * can run at all, the app says what to do (never a blank screen), refuses a file that is not a model in
 * words, and installs a real model file after checking it against its manifest, after which the guide goes away.
 */
let host: Host;
let tmp: string;
let modelFile: string;
let notAModel: string;

beforeAll(async () => {
  modelFile = join(sharedModels(), 'fastdepth', 'fastdepth-224.onnx');
  notAModel = clip('realshort.mp4');
  tmp = await mkdtemp(join(tmpdir(), 'gd-firstrun-'));
  const rendererDir = await buildRenderer(join(tmp, 'renderer'));
  // No model anywhere on the search path: an empty "shared" folder and an empty per-user model folder.
  const env = { GEMDEPTH_SHARED: join(tmp, 'no-shared'), XDG_DATA_HOME: join(tmp, 'data'), GEMDEPTH_MODELS: undefined, GEMDEPTH_CACHE: join(tmp, 'cache'), GEMDEPTH_CONFIG: join(tmp, 'config') };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  host = await launchHost({ rendererDir });
  await host.page.waitForSelector(tid('app-ready'));
}, 120_000);

afterAll(async () => {
  await host?.close();
  vi.unstubAllEnvs();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('first run without a model', () => {
  it('a fresh install runs the built-in model: no guide, the default model is usable', async () => {
    const page = host.page;
    expect(await page.locator(tid('first-run')).count()).toBe(0);
    const status = await page.textContent(tid('status-bar'));
    expect(status).toMatch(/FastDepth/);
    expect(status).not.toMatch(/— not installed/);
  });

  it('guides the user, rejects a non-model file, installs a verified model', async () => {
    // An install without the built-in model (its manifest gone): nothing on the search path can run.
    const manifests = join(tmp, 'manifests');
    await mkdir(manifests);
    for (const m of await readdir(join(REPO_ROOT, 'models'))) {
      if (m.endsWith('.json') && m !== 'fastdepth-int8.json') await copyFile(join(REPO_ROOT, 'models', m), join(manifests, m));
    }
    vi.stubEnv('GEMDEPTH_MANIFESTS', manifests);
    const page = host.page;
    await page.reload();
    await page.waitForSelector(tid('app-ready'));
    const banner = page.locator(tid('first-run'));
    await expect(banner.textContent()).resolves.toMatch(/No depth model installed/);
    await mkdir(join(REPO_ROOT, 'test-artifacts', 'app'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-artifacts', 'app', 'first-run.png') });

    host.answerDialog([notAModel]);
    await banner.locator('button:has-text("Import a model file")').click();
    await page.waitForSelector(tid('notice-error'));
    expect(await page.textContent(tid('notice-error'))).toMatch(/realshort\.mp4 fits no known model manifest/);

    host.answerDialog([modelFile]);
    await banner.locator('button:has-text("Import a model file")').click();
    await page.waitForSelector(tid('first-run'), { state: 'detached', timeout: 60_000 });
    expect(await readdir(join(tmp, 'data', 'gemdepth', 'models'))).toContain('fastdepth-224.onnx');
    await expect(page.textContent(tid('status-bar'))).resolves.toMatch(/FastDepth/);
  }, 120_000);
});
