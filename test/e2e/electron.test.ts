import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clip, REPO_ROOT } from '../helpers/shared.ts';
import { tid } from './ui.ts';

/**
 * The packaged shape of the app: Electron main + sandboxed preload + the built renderer, driven with
 * Playwright's Electron support. Runs where the Electron binary is installed; on machines without it
 * (this CI: the npm package is present, its dist/ download is blocked) it is skipped LOUDLY with the reason.
 */
const require = createRequire(import.meta.url);

function electronBinary(): { path: string | null; why: string } {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return { path: null, why: `electron's binary is not downloaded (${pathFile} missing; install without ELECTRON_SKIP_BINARY_DOWNLOAD / allowScripts)` };
    const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(bin) ? { path: bin, why: '' } : { path: null, why: `electron binary missing at ${bin}` };
  } catch (e) {
    return { path: null, why: `the electron package is not installed: ${(e as Error).message}` };
  }
}

const bin = electronBinary();
if (!bin.path) {
  console.warn(`\n*** SKIPPED: Electron end-to-end test: ${bin.why}. The renderer e2e (test/e2e/app.test.ts) covers the UI against the real engine; run this one where Electron is installed. ***\n`);
}

describe('Electron shell end to end', () => {
  it.skipIf(!bin.path)(`launches the app, bridge is sandboxed and typed, imports a clip${bin.path ? '' : ` [skipped: ${bin.why}]`}`, async () => {
    const { _electron } = await import('playwright-core');
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'src-main', 'shell', 'build.ts')], { stdio: 'inherit' });
    const { buildRenderer } = await import('../host/host.ts');
    await buildRenderer(join(REPO_ROOT, 'dist-renderer'));
    const app = await _electron.launch({ executablePath: bin.path!, args: [join(REPO_ROOT, 'dist-main', 'shell', 'main.js')] });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector(tid('app-ready'));
      // Security posture as the renderer sees it: no Node, one frozen bridge.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => (window as unknown as { gemdepth: { host: string } }).gemdepth.host)).toBe('electron');
      // A bad request is refused by the main process' validation, in words.
      const err = await page.evaluate(() => (window as unknown as { gemdepth: { getFrame(a: unknown): Promise<unknown> } }).gemdepth.getFrame({ path: 'relative.mp4', index: 0 }).then(() => '', (e: Error) => e.message));
      expect(err).toMatch(/absolute path/);
      const input = clip('realshort.mp4');
      await app.evaluate(({ dialog }, p) => {
        dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [p] })) as typeof dialog.showOpenDialog;
      }, input);
      await page.click(tid('import'));
      await page.waitForSelector(`${tid('clip-item')} >> text=realshort.mp4`);
    } finally {
      await app.close();
    }
  }, 240_000);
});
