import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256File } from '../../src-main/util/file-hash.ts';
import { loadManifestFile, parseManifest, type ModelManifest } from '../../src-main/engine/infer/manifest.ts';
import { downloadModel, type DownloadProgress } from '../../src-main/engine/model-manager/download.ts';
import { CancelledError, UserError } from '../../src-main/common/errors.ts';
import { REPO_ROOT, sharedModels } from '../helpers/shared.ts';

/**
 * A real model file served over real HTTP on 127.0.0.1. The server honours Range like a CDN, and can be
 * told to cut the connection mid-body or to stall, so interruption, resume and cancel are exercised for real.
 */
const MODEL = () => join(sharedModels(), 'fastdepth', 'fastdepth-224.onnx');
let server: Server;
let base: string;
let size: number;
let sha256: string;
let fastdepth: ModelManifest;
let mode: { cutFirstAt?: number; stallAt?: number } = {};
let seen: { range: string | undefined }[] = [];

function serve(req: IncomingMessage, res: ServerResponse) {
  // Redirects as a CDN sends them: to this server again (followed), or down to plain http elsewhere (refused).
  if (req.url === '/moved.onnx') { res.writeHead(302, { Location: '/fastdepth-224.onnx' }).end(); return; }
  if (req.url === '/to-http.onnx') { res.writeHead(302, { Location: 'http://models.example.com/fastdepth-224.onnx' }).end(); return; }
  if (req.url === '/loop.onnx') { res.writeHead(302, { Location: '/loop.onnx' }).end(); return; }
  if (req.url === '/not-a-model.onnx') {
    // A plausible-looking download that is not the network (an error page, a different export...).
    const body = Buffer.from('<html>Rate limited. Try again later.</html>'.repeat(50));
    res.writeHead(200, { 'Content-Length': String(body.length) }).end(body);
    return;
  }
  if (req.url !== '/fastdepth-224.onnx') {
    res.writeHead(404, 'Not Found').end();
    return;
  }
  seen.push({ range: req.headers.range });
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  if (start >= size) {
    res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    return;
  }
  res.writeHead(m ? 206 : 200, {
    'Content-Length': String(size - start),
    'Accept-Ranges': 'bytes',
    ...(m ? { 'Content-Range': `bytes ${start}-${size - 1}/${size}` } : {}),
  });
  const first = seen.length === 1;
  const cut = first ? mode.cutFirstAt : undefined;
  if (cut !== undefined || mode.stallAt !== undefined) {
    // Send a prefix, then either drop the socket (a cut connection) or go silent (a stalled one).
    const prefix = readFileSync(MODEL()).subarray(start, cut ?? mode.stallAt);
    res.write(prefix, () => {
      if (cut !== undefined) setTimeout(() => res.socket?.destroy(), 20);
    });
    return;
  }
  createReadStream(MODEL(), { start }).pipe(res);
}

function withDownload(d: Partial<NonNullable<ModelManifest['download']>>): ModelManifest {
  // Through the real schema, so the manifest shape the manager reads is the one the engine accepts.
  return parseManifest({ ...fastdepth, download: { urls: [`${base}/fastdepth-224.onnx`], size, sha256, ...d } }, 'test');
}

let dir: string;
beforeAll(async () => {
  size = statSync(MODEL()).size;
  sha256 = await sha256File(MODEL());
  fastdepth = await loadManifestFile(join(REPO_ROOT, 'models', 'fastdepth.json'));
  server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(async () => {
  mode = {};
  seen = [];
  dir = await mkdtemp(join(tmpdir(), 'gemdepth-dl-'));
  return () => rm(dir, { recursive: true, force: true });
});

const final = () => join(dir, 'fastdepth-224.onnx');
const part = () => join(dir, 'fastdepth-224.onnx.part');
const partMeta = () => join(dir, 'fastdepth-224.onnx.part.json');

describe('model download from a local HTTP server', () => {
  it('downloads, verifies and installs with progress; a second call finds it installed', async () => {
    const progress: DownloadProgress[] = [];
    const r = await downloadModel(withDownload({}), { dir, onProgress: (p) => progress.push(p) });
    expect(r.path).toBe(final());
    expect(r.alreadyInstalled).toBe(false);
    expect(await sha256File(final())).toBe(sha256);
    expect(existsSync(part()) || existsSync(partMeta())).toBe(false);
    const last = progress.at(-1)!;
    expect(last.bytes).toBe(size);
    expect(last.total).toBe(size);
    expect(last.rate).toBeGreaterThan(0);
    expect(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1].bytes)).toBe(true);
    expect(seen).toEqual([{ range: undefined }]);

    const again = await downloadModel(withDownload({}), { dir });
    expect(again.alreadyInstalled).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('resumes with an HTTP Range request after the connection is cut mid-body', async () => {
    mode = { cutFirstAt: 2_000_000 };
    const err = await downloadModel(withDownload({}), { dir, retries: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('ENETWORK');
    expect((err as Error).message).toMatch(/run the same command again .*resumes/);
    expect(existsSync(final())).toBe(false);
    const kept = statSync(part()).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(2_000_000);
    expect(JSON.parse(readFileSync(partMeta(), 'utf8'))).toEqual({ sha256, size });

    const r = await downloadModel(withDownload({}), { dir });
    expect(seen.map((s) => s.range)).toEqual([undefined, `bytes=${kept}-`]);
    expect(r.resumedFrom).toBe(kept);
    expect(await sha256File(final())).toBe(sha256);
    expect(existsSync(part())).toBe(false);
  });

  it('resumes by itself within one call when retries are allowed', async () => {
    mode = { cutFirstAt: 1_000_000 };
    const retries: string[] = [];
    const r = await downloadModel(withDownload({}), { dir, onRetry: (m) => retries.push(m) });
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/connection (cut|closed)/);
    expect(seen).toHaveLength(2);
    expect(seen[1].range).toMatch(/^bytes=\d+-$/);
    expect(r.sha256).toBe(sha256);
  });

  it('rejects a wrong checksum and installs nothing', async () => {
    const wrong = withDownload({ sha256: 'ab'.repeat(32) });
    const err = await downloadModel(wrong, { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('ECHECKSUM');
    expect((err as Error).message).toContain(`got ${sha256}`);
    expect((err as Error).message).toContain('nothing was installed');
    expect(existsSync(final()) || existsSync(part()) || existsSync(partMeta())).toBe(false);
  });

  it('discards a partial file recorded for a different expected checksum', async () => {
    mode = { cutFirstAt: 500_000 };
    await downloadModel(withDownload({ sha256: 'cd'.repeat(32) }), { dir, retries: 0 }).catch(() => undefined);
    expect(existsSync(part())).toBe(true);
    seen = [];
    mode = {};
    await downloadModel(withDownload({}), { dir });
    expect(seen.map((s) => s.range)).toEqual([undefined]);
    expect(await sha256File(final())).toBe(sha256);
  });

  it('gives one clear line for HTTP errors and for no server at all', async () => {
    const e404 = await downloadModel(withDownload({ urls: [`${base}/missing.onnx`] }), { dir }).catch((e: unknown) => e);
    expect(e404).toBeInstanceOf(UserError);
    expect((e404 as Error).message).toMatch(/^cannot download fastdepth: .*answered HTTP 404 Not Found$/);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await downloadModel(withDownload({ urls: [`http://127.0.0.1:${port}/x.onnx`] }), { dir, retries: 0 }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UserError);
    expect((down as UserError).code).toBe('ENETWORK');
    expect((down as Error).message).toMatch(/cannot connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect((down as Error).message).not.toContain('\n');
    expect(existsSync(final())).toBe(false);
  });

  it('cancels on AbortSignal, keeping the partial download for a later resume', async () => {
    mode = { stallAt: 300_000 };
    const ac = new AbortController();
    const p = downloadModel(withDownload({}), {
      dir,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    const t = setTimeout(() => ac.abort(), 5000);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    clearTimeout(t);
    expect(existsSync(final())).toBe(false);
    expect(existsSync(partMeta())).toBe(true);
  });

  it('unpinned (no published checksum): learns the size from the server, resumes, verifies the I/O, says it was not pinned', async () => {
    const unpinned = withDownload({ sha256: undefined, size: undefined });
    mode = { cutFirstAt: Math.floor(size / 3) };
    const progress: number[] = [];
    const r = await downloadModel(unpinned, { dir, retries: 1, onProgress: (p) => progress.push(p.total) });
    expect(r.pinned).toBe(false);
    expect(r.resumedFrom).toBe(0);
    // The client keeps what reached it before the cut; under load that can be less than the server sent.
    expect(seen).toHaveLength(2);
    expect(seen[0].range).toBeUndefined();
    const resumeAt = Number(/^bytes=(\d+)-$/.exec(seen[1].range ?? '')?.[1]);
    expect(resumeAt).toBeGreaterThan(0);
    expect(resumeAt).toBeLessThanOrEqual(Math.floor(size / 3));
    expect(progress.at(-1)).toBe(size);
    expect(await sha256File(final())).toBe(sha256);
    expect(r.sha256).toBe(sha256);
    expect(existsSync(part()) || existsSync(partMeta())).toBe(false);
  });

  it('unpinned: a file that is not the described network is rejected and nothing is installed', async () => {
    const bad = withDownload({ sha256: undefined, size: undefined, urls: [`${base}/not-a-model.onnx`] });
    const err = await downloadModel(bad, { dir, retries: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^downloaded fastdepth is not the model its manifest describes \(.+\); nothing was installed/);
    expect((err as Error).message).not.toContain('\n');
    expect(existsSync(final()) || existsSync(part()) || existsSync(partMeta())).toBe(false);
  });

  it('says how to get a model that has no download', async () => {
    const err = await downloadModel(fastdepth, { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain('gemdepth models import FILE --as fastdepth');
  });
});

describe('download hardening: https only, redirects checked hop by hop', () => {
  it('a manifest may not name an http: URL off this machine (licence, source or download)', () => {
    const bad = { ...fastdepth, download: { urls: ['http://models.example.com/fastdepth-224.onnx'] } };
    expect(() => parseManifest(bad, 'test')).toThrow(/not an https: URL/);
    expect(() => parseManifest({ ...fastdepth, source: { ...fastdepth.source, url: 'http://github.com/x' } }, 'test')).toThrow(/not an https: URL/);
    expect(() => parseManifest({ ...fastdepth, download: { urls: ['ftp://example.com/m.onnx'] } }, 'test')).toThrow(/not an https: URL/);
    // https anywhere, and plain http to this machine only (a local mirror, this test's server).
    expect(parseManifest({ ...fastdepth, download: { urls: ['https://huggingface.co/m.onnx', `${base}/m.onnx`] } }, 'test').download!.urls).toHaveLength(2);
  });

  it('follows a redirect that stays allowed, refuses one down to http elsewhere, and a redirect loop', async () => {
    const ok = await downloadModel(withDownload({ urls: [`${base}/moved.onnx`] }), { dir, retries: 0 });
    expect(await sha256File(ok.path)).toBe(sha256);
    await rm(ok.path);
    const down = await downloadModel(withDownload({ urls: [`${base}/to-http.onnx`] }), { dir, retries: 0 }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UserError);
    expect((down as Error).message).toMatch(/redirect to 'http:\/\/models\.example\.com\/fastdepth-224\.onnx' is not an https: URL/);
    const loop = await downloadModel(withDownload({ urls: [`${base}/loop.onnx`] }), { dir, retries: 0 }).catch((e: unknown) => e);
    expect((loop as Error).message).toMatch(/more than 5 redirects/);
    expect(existsSync(final())).toBe(false);
  });
});
