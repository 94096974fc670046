import { app, BrowserWindow, dialog, ipcMain, session, shell as eShell, type WebContents } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngineApi } from '../app/engine-api.ts';
import { dispatch } from '../app/dispatch.ts';
import { CHANNELS } from '../common/api/methods.ts';
import { DialogRequestSchema } from '../common/api/schemas.ts';
import { createWriteGrants } from '../app/write-grants.ts';
import type { MenuCommand } from '../common/api/types.ts';
import { buildMenu } from './menu.ts';
import { PROJECT_EXT } from '../common/project/schema.ts';
import { APP_INDEX_URL, CSP, dialogOptions, externalUrlAllowed, isAppUrl, navigationAllowed } from './policy.ts';
import { registerAppScheme, serveApp } from './app-protocol.ts';
import { createMediaFiles } from '../app/media-files.ts';
import { handleMediaProtocol, MEDIA_SCHEME_PRIVILEGES } from './media-protocol.ts';

/**
 * Electron main: the only code that imports 'electron'. It owns the window, the menu and the native
 * dialogs, and forwards every renderer request through api/dispatch.ts (zod-validated) to the engine.
 */
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const rendererIndex = process.env.GEMDEPTH_RENDERER ?? join(repoRoot, 'dist-renderer', 'index.html');
// Served on app://gemdepth/ (app-protocol.ts), never from file://.
registerAppScheme([MEDIA_SCHEME_PRIVILEGES]);

const api = createEngineApi();
const grants = createWriteGrants();
const media = createMediaFiles();
let win: BrowserWindow | null = null;
let dirty = false;
let closeAllowed = false;
const argProject = process.argv.slice(1).find((a) => a.endsWith(PROJECT_EXT));
let pendingProject: string | null = argProject ? resolve(argProject) : null;
if (pendingProject) grants.grant(pendingProject);

// macOS delivers double-clicked documents as an event, possibly before the window exists.
app.on('open-file', (e, path) => {
  if (!path.endsWith(PROJECT_EXT)) return;
  e.preventDefault();
  grants.grant(path);
  if (win) sendMenu(`open-recent:${path}`);
  else pendingProject = path;
});

function isOurFrame(sender: WebContents, frameUrl: string | undefined): boolean {
  return !!win && sender === win.webContents && isAppUrl(frameUrl);
}

function sendMenu(cmd: MenuCommand) {
  win?.webContents.send(CHANNELS.menu, cmd);
}

function createWindow() {
  win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'GemDepth Studio',
    backgroundColor: '#16181d',
    show: false,
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  // A project opened from the file manager (file association) or given on the command line.
  win.webContents.once('did-finish-load', () => {
    if (pendingProject) sendMenu(`open-recent:${pendingProject}`);
    pendingProject = null;
  });
  win.on('close', (e) => {
    // Unsaved edits: the renderer asks the user (save / discard / cancel) and then calls closeWindow().
    if (dirty && !closeAllowed) {
      e.preventDefault();
      sendMenu('close-requested');
    }
  });
  win.on('closed', () => {
    win = null;
  });
  void win.loadURL(APP_INDEX_URL);
}

app.on('web-contents-created', (_e, contents) => {
  // No navigation away from the renderer, no new windows; external links go to the system browser.
  contents.on('will-navigate', (e, url) => {
    if (!navigationAllowed(url) || url !== contents.getURL()) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!navigationAllowed(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url)) void eShell.openExternal(url);
    return { action: 'deny' };
  });
});

ipcMain.handle(CHANNELS.call, async (e, method: unknown, arg: unknown) => {
  if (!isOurFrame(e.sender, e.senderFrame?.url)) return { ok: false, error: { kind: 'bug', message: 'request from an unknown frame' } };
  const res = await dispatch(api, method, arg, grants);
  if (res.ok) media.noteCall(method, arg, res.value);
  // Saving or opening changes the recent-projects list that File ▸ Open Recent shows.
  if (res.ok && (method === 'saveProject' || method === 'openProject')) await refreshMenu();
  return res;
});

async function refreshMenu() {
  const recent = await api.recentProjects({}).catch(() => []);
  // Projects the user saved or opened before: reopening one from the menu may save it again.
  for (const r of recent) grants.grant(r.path);
  buildMenu(sendMenu, recent);
}

ipcMain.handle(CHANNELS.pickPath, async (e, raw: unknown) => {
  if (!win || !isOurFrame(e.sender, e.senderFrame?.url)) return null;
  const req = DialogRequestSchema.parse(raw);
  const o = dialogOptions(req);
  if (o.save) {
    const r = await dialog.showSaveDialog(win, o.save);
    return grants.fromDialog(req, r.canceled || !r.filePath ? null : [r.filePath]);
  }
  const r = await dialog.showOpenDialog(win, o.open!);
  return grants.fromDialog(req, r.canceled ? null : r.filePaths);
});

ipcMain.on(CHANNELS.setDirty, (e, value: unknown) => {
  if (isOurFrame(e.sender, e.senderFrame?.url)) dirty = value === true;
});
ipcMain.on(CHANNELS.closeWindow, (e) => {
  if (!isOurFrame(e.sender, e.senderFrame?.url)) return;
  closeAllowed = true;
  win?.close();
});

api.onJobEvent((ev) => win?.webContents.send(CHANNELS.job, ev));

void app.whenReady().then(async () => {
  serveApp(dirname(rendererIndex));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // Nothing in the app asks for device permissions; refuse them all.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  handleMediaProtocol(media);
  await refreshMenu();
  createWindow();
});

app.on('window-all-closed', () => {
  void api.dispose().finally(() => app.quit());
});
