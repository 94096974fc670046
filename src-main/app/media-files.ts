import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { Readable } from 'node:stream';

/**
 * Source files served to the renderer's own <video> decoder (playback decodes where it is cheapest:
 * the browser's hardware or software decoder for codecs it plays). Only files the engine has opened for
 * the user (imported, or read frames from) are served, read-only and with HTTP ranges (a <video> seeks
 * by range). Used by the Electron shell's media protocol and by the test host's server alike.
 */
const MIME: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/webm',
  '.ogv': 'video/ogg',
};

export function createMediaFiles() {
  const allowed = new Set<string>();
  return {
    /** After a successful API call: the paths it opened become playable (methods that read a source file). */
    noteCall(method: unknown, arg: unknown, value?: unknown) {
      // A clip's playback proxy (app/playback-proxy.ts), once the engine says where it is.
      const proxy = method === 'getPlaybackProxy' ? (value as { path?: unknown } | null)?.path : null;
      if (typeof proxy === 'string') allowed.add(resolve(proxy));
      if (method !== 'importMedia' && method !== 'getFrame') return;
      const path = (arg as { path?: unknown } | null)?.path;
      if (typeof path === 'string') allowed.add(resolve(path));
    },
    /** A web Response for a GET of `path` with an optional Range header: 206/200, or 404 for files not opened. */
    async respond(path: string, range: string | null): Promise<Response> {
      const p = resolve(path);
      const st = allowed.has(p) ? await stat(p).catch(() => null) : null;
      if (!st?.isFile()) return new Response(null, { status: 404 });
      const size = st.size;
      const r = parseRange(range, size);
      if (r === 'invalid') return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
      const [start, end] = r ?? [0, size - 1];
      const body = Readable.toWeb(createReadStream(p, { start, end })) as ReadableStream<Uint8Array>;
      const headers: Record<string, string> = {
        'Content-Type': MIME[extname(p).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(end - start + 1),
        'Accept-Ranges': 'bytes',
        'Cache-Control': 'no-store',
      };
      if (r) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      return new Response(body, { status: r ? 206 : 200, headers });
    },
  };
}
export type MediaFiles = ReturnType<typeof createMediaFiles>;

/** One `bytes=a-b` / `bytes=a-` / `bytes=-n` range; null when there is none, 'invalid' when unsatisfiable. */
export function parseRange(h: string | null, size: number): [number, number] | null | 'invalid' {
  if (!h) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
  }
  return start > end || start >= size ? 'invalid' : [start, end];
}
