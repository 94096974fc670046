import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createEngineApi } from '../../src-main/app/engine-api.ts';
import { dispatch } from '../../src-main/app/dispatch.ts';
import { createMediaFiles } from '../../src-main/app/media-files.ts';
import { API_METHOD_NAMES } from '../../src-main/common/api/methods.ts';
import { DialogRequestSchema } from '../../src-main/common/api/schemas.ts';
import { createWriteGrants } from '../../src-main/app/write-grants.ts';
import type { EngineApi } from '../../src-main/common/api/types.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import { installPageBridge } from './page-bridge.ts';
import { serveStatic } from './server.ts';
import { createBlobStore } from './wire.ts';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const RENDERER_DIR = join(REPO_ROOT, 'dist-renderer');

/**
 * Builds the renderer with Vite (the same build Electron loads), by default into a fresh temporary
 * folder, so test files running in parallel never serve each other's half-written build.
 */
export async function buildRenderer(outDir?: string): Promise<string> {
  const { build } = await import('vite');
  const dir = outDir ?? (await mkdtemp(join(tmpdir(), 'gd-renderer-')));
  await build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  return dir;
}

export interface Host {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  api: EngineApi;
  url: string;
  /** Native file dialogs do not exist here: the next pickPath() answers with these paths. */
  answerDialog(paths: string[] | null): void;
  dirty(): boolean;
  closeRequested(): boolean;
  /** Send a menu command as the Electron menu would. */
  menu(cmd: string): Promise<void>;
  consoleErrors: string[];
  close(): Promise<void>;
}

/**
 * The renderer in headless Chromium, wired to the REAL engine: window.gemdepth has the preload's shape,
 * and every call goes through api/dispatch.ts (zod validation included) into createEngineApi() in this
 * Node process. Only the native parts of the shell (dialogs, window close) are answered by the test.
 */
/** `media: false` serves no source files to the page's <video>: the viewer then uses the engine's frames only (the benchmark's reference). */
export async function launchHost(opts: { api?: EngineApi; viewport?: { width: number; height: number }; rendererDir?: string; media?: boolean } = {}): Promise<Host> {
  const dir = opts.rendererDir ?? RENDERER_DIR;
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`renderer not built: ${dir}/index.html missing (run npm run build:renderer)`);
  const api = opts.api ?? createEngineApi();
  const blobs = createBlobStore();
  const media = createMediaFiles();
  const server = await serveStatic(dir, blobs, media);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1440, height: 900 } });
  const dialogAnswers: (string[] | null)[] = [];
  const grants = createWriteGrants();
  let dirty = false;
  let closeRequested = false;
  const consoleErrors: string[] = [];

  await context.exposeBinding('__gemdepthCall', async (_src, method: string, arg: unknown) => {
    // Answered by the test, granted exactly as the Electron shell grants a native dialog's answer.
    if (method === '__pickPath') return grants.fromDialog(DialogRequestSchema.parse(arg), dialogAnswers.length ? dialogAnswers.shift()! : null);
    if (method === '__setDirty') return void (dirty = arg === true);
    if (method === '__closeWindow') return void (closeRequested = true);
    const res = await dispatch(api, method, arg, grants);
    if (res.ok) media.noteCall(method, arg, res.value);
    return blobs.encode(res);
  });
  // tsx/esbuild may wrap functions with a __name() helper that does not exist in the page: define it.
  await context.addInitScript({ content: `var __name = (f) => f;\n(${installPageBridge.toString()})(${JSON.stringify(API_METHOD_NAMES)}, ${opts.media !== false});` });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const unsubscribe = api.onJobEvent((e) => {
    void page.evaluate(([ev]) => (window as unknown as { __gemdepthEmit?: (c: string, e: unknown) => void }).__gemdepthEmit?.('job', ev), [e] as const).catch(() => undefined);
  });
  await page.goto(server.url);

  return {
    browser,
    context,
    page,
    api,
    url: server.url,
    answerDialog: (paths) => void dialogAnswers.push(paths),
    dirty: () => dirty,
    closeRequested: () => closeRequested,
    menu: (cmd) => {
      // The shell's recent list is granted when the menu is built; a test's open-recent stands for that.
      if (cmd.startsWith('open-recent:')) grants.grant(cmd.slice('open-recent:'.length));
      return page.evaluate((c) => (window as unknown as { __gemdepthEmit: (ch: string, e: unknown) => void }).__gemdepthEmit('menu', c), cmd);
    },
    consoleErrors,
    async close() {
      unsubscribe();
      await browser.close().catch(() => undefined);
      await server.close();
      blobs.clear();
      if (!opts.api) await api.dispose();
    },
  };
}
