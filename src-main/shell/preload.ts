import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { API_METHOD_NAMES, CHANNELS } from '../common/api/methods.ts';
import type { DialogRequest, DroppedFile, Envelope, GemdepthBridge, JobEvent, MenuCommand } from '../common/api/types.ts';

/**
 * The ONE API the renderer gets: `window.gemdepth`. Each engine method is a single invoke on one
 * channel; the main process validates every argument (api/dispatch.ts) before the engine sees it.
 * No ipcRenderer, no Node, nothing else crosses the bridge.
 */
async function call(method: string, arg: unknown): Promise<unknown> {
  const env = (await ipcRenderer.invoke(CHANNELS.call, method, arg ?? {})) as Envelope<unknown>;
  if (env.ok) return env.value;
  const err = new Error(env.error.message);
  err.name = env.error.kind === 'cancelled' ? 'CancelledError' : env.error.kind === 'user' ? 'UserError' : 'Error';
  throw err;
}

const api: Record<string, unknown> = {};
for (const m of API_METHOD_NAMES) api[m] = (arg: unknown) => call(m, arg);

// shell/media-protocol.ts serves it (files the engine has opened only).
const mediaUrl = (path: string) => `gemdepth-media://media/${encodeURIComponent(path)}`;

const bridge: Omit<GemdepthBridge, (typeof API_METHOD_NAMES)[number]> = {
  host: 'electron',
  onJobEvent(listener: (e: JobEvent) => void) {
    const h = (_e: unknown, ev: JobEvent) => listener(ev);
    ipcRenderer.on(CHANNELS.job, h);
    return () => void ipcRenderer.removeListener(CHANNELS.job, h);
  },
  onMenu(listener: (cmd: MenuCommand) => void) {
    const h = (_e: unknown, cmd: MenuCommand) => listener(cmd);
    ipcRenderer.on(CHANNELS.menu, h);
    return () => void ipcRenderer.removeListener(CHANNELS.menu, h);
  },
  pickPath: (req: DialogRequest) => ipcRenderer.invoke(CHANNELS.pickPath, req) as Promise<string[] | null>,
  setDirty: (dirty: boolean) => ipcRenderer.send(CHANNELS.setDirty, dirty === true),
  closeWindow: () => ipcRenderer.send(CHANNELS.closeWindow),
  pathForFile(file: DroppedFile) {
    try {
      // The renderer passes the DOM File it was given; the shell compiles without the DOM library.
      return webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]) || null;
    } catch {
      return null;
    }
  },
  mediaUrl,
};

contextBridge.exposeInMainWorld('gemdepth', { ...api, ...bridge });
