import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuilderConfig } from '../../scripts/check-packaging.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import { APP_INDEX_URL, appFileFor, externalUrlAllowed, isAppUrl, navigationAllowed, REQUIRED_FUSES } from '../../src-main/shell/policy.ts';

/** The Electron shell's policy decisions (docs/security.md), tested without the Electron binary. */
describe('Electron shell policy', () => {
  const root = '/opt/gemdepth/dist-renderer';

  it('serves the renderer from app://gemdepth/, only files inside its folder', () => {
    expect(isAppUrl(APP_INDEX_URL)).toBe(true);
    expect(appFileFor(APP_INDEX_URL, root)).toBe(join(root, 'index.html'));
    expect(appFileFor('app://gemdepth/', root)).toBe(join(root, 'index.html'));
    expect(appFileFor('app://gemdepth/assets/index-abc.js', root)).toBe(join(root, 'assets', 'index-abc.js'));
    // The URL parser folds plain dot segments back inside the origin: still inside the folder.
    expect(appFileFor('app://gemdepth/../../etc/passwd', root)).toBe(join(root, 'etc', 'passwd'));
    expect(appFileFor('app://gemdepth/%2e%2e/%2e%2e/etc/passwd', root)).toBe(join(root, 'etc', 'passwd'));
    // Encoded slashes survive the parser and are decoded here: those must not leave the folder.
    for (const bad of [
      'app://gemdepth/assets/..%2F..%2F..%2Fetc%2Fpasswd',
      'app://gemdepth/a%5C..%5C..%5Csecret',
      'app://gemdepth/index.html%00.js',
      'app://other/index.html',
      'file:///opt/gemdepth/dist-renderer/index.html',
      'https://gemdepth/index.html',
    ]) expect(appFileFor(bad, root), bad).toBeNull();
  });

  it('IPC and navigation: only the app origin, never file:// or the web', () => {
    expect(isAppUrl('file:///opt/gemdepth/dist-renderer/index.html')).toBe(false);
    expect(isAppUrl('app://gemdepth.evil.com/index.html')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
    expect(navigationAllowed('app://gemdepth/index.html')).toBe(true);
    // will-navigate and will-redirect: a page that tries to leave for the web is kept in the app.
    for (const u of ['https://example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x']) expect(navigationAllowed(u), u).toBe(false);
  });

  it('openExternal: https to the allowed hosts only', () => {
    expect(externalUrlAllowed('https://huggingface.co/depth-anything/Depth-Anything-V2-Small/blob/main/LICENSE')).toBe(true);
    expect(externalUrlAllowed('https://github.com/dwofk/fast-depth')).toBe(true);
    for (const u of [
      'http://github.com/x', 'https://github.com.evil.com/x', 'https://evil.com/github.com', 'https://user:pw@github.com/',
      'file:///etc/passwd', 'smb://server/share', 'javascript:alert(1)', 'https://example.com/',
    ]) expect(externalUrlAllowed(u), u).toBe(false);
  });

  it('installers are built with the required Electron fuses (electron-builder validates the config)', async () => {
    for (const file of ['electron-builder.yml', 'electron-builder.cuda.yml']) {
      const c = await loadBuilderConfig(file);
      expect(c.electronFuses, file).toMatchObject(REQUIRED_FUSES);
    }
  });
});

/**
 * The checklist items that live in the shell's code rather than in a pure function: the Electron
 * binary cannot run here, so the source is held to them (a regression shows up as a failing line).
 */
describe('Electron shell source holds the checklist (docs/security.md)', () => {
  const src = (f: string) => readFileSync(join(REPO_ROOT, 'src-main', 'shell', f), 'utf8');
  const main = src('main.ts');

  it('the window: context isolation, sandbox, no Node, web security; no insecure switches', () => {
    for (const s of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webSecurity: true']) expect(main).toContain(s);
    for (const s of ['allowRunningInsecureContent', 'experimentalFeatures', 'enableBlinkFeatures', 'nodeIntegrationInWorker', 'webviewTag: true', 'loadFile(']) expect(main).not.toContain(s);
    expect(main).toMatch(/loadURL\(APP_INDEX_URL\)/);
  });

  it('navigation, redirects, new windows, webviews, permissions and IPC senders are all checked', () => {
    expect(main).toMatch(/'will-navigate'[\s\S]{0,80}navigationAllowed\(url\)/);
    expect(main).toMatch(/'will-redirect'[\s\S]{0,80}navigationAllowed\(url\)/);
    expect(main).toMatch(/'will-attach-webview', \(e\) => e\.preventDefault\(\)/);
    expect(main).toMatch(/setWindowOpenHandler[\s\S]{0,120}externalUrlAllowed\(url\)[\s\S]{0,80}action: 'deny'/);
    expect(main).toMatch(/setPermissionRequestHandler\(\(_wc, _perm, cb\) => cb\(false\)\)/);
    // Every ipcMain handler checks its sender first.
    const handlers = main.split(/ipcMain\.(?:handle|on)\(/).slice(1);
    expect(handlers.length).toBeGreaterThanOrEqual(4);
    for (const h of handlers) expect(h.slice(0, 200)).toContain('isOurFrame(e.sender');
  });

  it('the preload exposes one typed API, never ipcRenderer itself', () => {
    const preload = src('preload.ts');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
    // ipcRenderer is only called, never handed over as a value (a property or a shorthand).
    expect(preload.replace(/^import .*$/gm, '')).not.toMatch(/[:,{]\s*ipcRenderer\s*[,}]/);
  });
});
