import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { MediaFiles } from '../../src-main/app/media-files.ts';
import { CSP } from '../../src-main/shell/policy.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Serves the built renderer on 127.0.0.1 with the shell's CSP header (the page sees the same policy), and the bridge's binary blobs. */
export async function serveStatic(root: string, blobs?: { take(id: string): Buffer | undefined }, media?: MediaFiles): Promise<{ url: string; close(): Promise<void> }> {
  const base = resolve(root);
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const blob = /^\/__blob\/([0-9a-f]{24})$/.exec(url.pathname);
    if (blob) {
      const b = blobs?.take(blob[1]);
      if (!b) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': b.byteLength, 'Cache-Control': 'no-store' });
      return void res.end(b);
    }
    // Source files for the page's own <video> decoder (the shell serves the same through its media protocol).
    const m = /^\/__media\/(.+)$/.exec(url.pathname);
    if (m && media) {
      const r = await media.respond(decodeURIComponent(m[1]), req.headers.range ?? null);
      res.writeHead(r.status, Object.fromEntries(r.headers));
      if (!r.body) return void res.end();
      const body = Readable.fromWeb(r.body as import('node:stream/web').ReadableStream);
      body.on('error', () => res.destroy());
      res.on('close', () => body.destroy());
      return void body.pipe(res);
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = join(base, rel || 'index.html');
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}
