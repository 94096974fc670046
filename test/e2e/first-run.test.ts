import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { clip, REPO_ROOT, sharedModels } from '../helpers/shared.ts';
import { useFreshHost } from './fresh-host.ts';
import { tid } from './ui.ts';

/**
 * First run: a fresh install analyses with the built-in model (models/fastdepth-int8.onnx). Where no model
 * can run at all, the app says what to do (never a blank screen), refuses a file that is not a model in
 * words, and installs a real model file after checking it against its manifest, after which the guide goes away.
 */
// No model anywhere on the search path: an empty "shared" folder and an empty per-user model folder.
const fresh = useFreshHost('gd-firstrun-', { env: (tmp) => ({ GEMDEPTH_SHARED: join(tmp, 'no-shared'), XDG_DATA_HOME: join(tmp, 'data'), GEMDEPTH_MODELS: undefined }) });
// Found before the engine's environment is stubbed (the models' folder is then empty).
const modelFile = join(sharedModels(), 'fastdepth', 'fastdepth-224.onnx');
const notAModel = clip('realshort.mp4');

describe('first run without a model', () => {
  it('a fresh install runs the built-in model: no guide, the default model is usable', async () => {
    const page = fresh.host().page;
    expect(await page.locator(tid('first-run')).count()).toBe(0);
    const status = await page.textContent(tid('status-bar'));
    expect(status).toMatch(/FastDepth/);
    expect(status).not.toMatch(/— not installed/);
  });

  it('guides the user, rejects a non-model file, installs a verified model', async () => {
    // An install without the built-in model (its manifest gone): nothing on the search path can run.
    const tmp = fresh.tmp();
    const host = fresh.host();
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
