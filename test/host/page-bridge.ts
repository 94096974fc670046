/**
 * Runs IN THE PAGE (passed to addInitScript, so it must be self-contained): defines window.gemdepth
 * with the preload's exact shape, forwarding every engine call to the Node binding `__gemdepthCall`.
 * Events arrive through window.__gemdepthEmit, which the host calls with page.evaluate; typed arrays
 * arrive as binary fetched from the host (wire.ts).
 */
export function installPageBridge(methods: readonly string[], media = true): void {
  type Listener = (e: unknown) => void;
  const jobListeners = new Set<Listener>();
  const menuListeners = new Set<Listener>();
  // A response's arrays share one blob (fetched once); each is copied out into its own buffer.
  const decodeWith = (blobs: Map<string, Promise<ArrayBuffer>>) => {
    const decode = async (v: unknown): Promise<unknown> => {
      if (Array.isArray(v)) return Promise.all(v.map(decode));
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.__ta === 'string' && typeof o.blob === 'string') {
          let p = blobs.get(o.blob);
          if (!p) blobs.set(o.blob, (p = fetch(`/__blob/${o.blob}`).then((r) => r.arrayBuffer())));
          const buf = (await p).slice(o.offset as number, (o.offset as number) + (o.length as number));
          return o.__ta === 'Float32Array' ? new Float32Array(buf) : o.__ta === 'Uint16Array' ? new Uint16Array(buf) : new Uint8Array(buf);
        }
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) out[k] = await decode(x);
        return out;
      }
      return v;
    };
    return decode;
  };
  const decode = (v: unknown) => decodeWith(new Map())(v);
  const w = window as unknown as Record<string, unknown> & { __gemdepthCall: (m: string, a: unknown) => Promise<unknown> };
  const call = async (method: string, arg: unknown) => {
    const env = (await decode(await w.__gemdepthCall(method, arg ?? {}))) as { ok: boolean; value?: unknown; error?: { kind: string; message: string } };
    if (env.ok) return env.value;
    const err = new Error(env.error!.message);
    err.name = env.error!.kind === 'cancelled' ? 'CancelledError' : env.error!.kind === 'user' ? 'UserError' : 'Error';
    throw err;
  };
  const api: Record<string, unknown> = { host: 'test-host' };
  for (const m of methods) api[m] = (arg: unknown) => call(m, arg);
  api.onJobEvent = (l: Listener) => (jobListeners.add(l), () => jobListeners.delete(l));
  api.onMenu = (l: Listener) => (menuListeners.add(l), () => menuListeners.delete(l));
  api.pickPath = (req: unknown) => w.__gemdepthCall('__pickPath', req);
  api.setDirty = (d: boolean) => void w.__gemdepthCall('__setDirty', d);
  api.closeWindow = () => void w.__gemdepthCall('__closeWindow', {});
  api.pathForFile = () => null;
  api.mediaUrl = (path: string) => (media ? `/__media/${encodeURIComponent(path)}` : null);
  w.gemdepth = Object.freeze(api);
  w.__gemdepthEmit = (channel: string, e: unknown) => {
    for (const l of channel === 'job' ? jobListeners : menuListeners) l(e);
  };
}
