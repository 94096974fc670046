import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic } from '../../util/atomic.ts';
import { CancelledError, UserError, isUserError, throwIfAborted } from '../../common/errors.ts';
import { MAX_REDIRECTS, modelUrlProblem, redirectProblem } from '../infer/url-policy.ts';
import { cachedSha256, sha256File } from '../../util/file-hash.ts';
import type { ModelManifest } from '../infer/manifest.ts';
import { loadModel } from '../infer/session.ts';
import { installDir, partMetaPath, partPath } from './store.ts';

export interface DownloadProgress {
  bytes: number;
  total: number;
  /** Bytes per second over this session (resumed bytes excluded). */
  rate: number;
  etaSeconds: number | null;
}

export interface DownloadOptions {
  dir?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Automatic resumes after a cut connection within this call (each mirror counts once). Default 3. */
  retries?: number;
  onRetry?: (message: string) => void;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  /** Bytes already on disk from an earlier, interrupted download. */
  resumedFrom: number;
  alreadyInstalled: boolean;
  /** True when a published checksum was verified; false for an unpinned download (I/O verified instead). */
  pinned: boolean;
}

/** What the partial file is a part of: a later run resumes only if the manifest still expects the same file. */
interface PartMeta {
  /** null: an unpinned download. */
  sha256: string | null;
  /** null until the server has told the size (unpinned downloads). */
  size: number | null;
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Errors worth another try (connection trouble, 5xx); everything else is final. */
class RetryableError extends Error {}

function netCode(e: unknown): string {
  let c: unknown = e;
  for (let i = 0; i < 4 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return (e as Error)?.message ?? String(e);
}

function noDownloadMessage(m: ModelManifest): string {
  return `model '${m.id}' has no direct download: get it from ${m.source.url} (${m.source.note}), then run gemdepth models import FILE --as ${m.id}`;
}

async function readPartMeta(path: string): Promise<PartMeta | null> {
  try {
    const j = JSON.parse(await readFile(path, 'utf8')) as PartMeta;
    const ok = (v: unknown, t: string) => v === null || typeof v === t;
    return ok(j.sha256, 'string') && ok(j.size, 'number') ? j : null;
  } catch {
    return null;
  }
}

/**
 * fetch with redirects followed by hand, each hop checked (url-policy.ts): https only, never down to http.
 * A refused URL is a UserError (not retried).
 */
async function fetchChecked(url: string, init: { headers: Record<string, string>; signal?: AbortSignal }): Promise<Response> {
  const first = modelUrlProblem(url);
  if (first) throw new UserError(`download refused: ${first}`, 'EINPUT');
  let at = url;
  for (let hop = 0; ; hop++) {
    const res = await fetch(at, { ...init, redirect: 'manual' });
    const loc = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !loc) return res;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new UserError(`download refused: more than ${MAX_REDIRECTS} redirects from ${url}`, 'EHTTP');
    const next = new URL(loc, at).href;
    const why = redirectProblem(at, next);
    if (why) throw new UserError(`download refused: ${why}`, 'EHTTP');
    at = next;
  }
}

const sizeOf = async (p: string) => (existsSync(p) ? (await stat(p)).size : 0);

/**
 * Downloads a model named by its manifest into the model folder: resumable (HTTP Range on a kept
 * `<file>.part`, whose expected sha256 is recorded beside it), checksum-verified, and installed by a
 * rename, so the final name only ever holds a complete, verified file.
 */
export async function downloadModel(m: ModelManifest, o: DownloadOptions = {}): Promise<DownloadResult> {
  const d = m.download;
  if (!d) throw new UserError(noDownloadMessage(m), 'ENODOWNLOAD');
  const dir = o.dir ?? installDir();
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create the model folder ${dir}: ${netCode(e)} (set GEMDEPTH_MODELS to a writable folder)`, 'EMODELDIR');
  }
  const final = join(dir, m.file);
  const part = partPath(dir, m);
  const metaPath = partMetaPath(dir, m);

  const pinned = d.sha256 !== undefined;
  const expected = d.sha256 ?? null;
  if (existsSync(final)) {
    const have = await sha256File(final);
    if (!pinned || have === d.sha256) return { path: final, sha256: have, resumedFrom: 0, alreadyInstalled: true, pinned };
    throw new UserError(
      `${final} already exists but is not the published file (sha256 ${have}): remove it first with gemdepth models remove ${m.id}`,
      'EEXIST',
    );
  }

  const meta = await readPartMeta(metaPath);
  // The expected size: the manifest's, else what a server said in an earlier run, else learnt below.
  let total: number | null = d.size ?? (meta?.sha256 === null ? meta.size : null);
  if (!meta || meta.sha256 !== expected || (d.size !== undefined && meta.size !== d.size) || (total !== null && (await sizeOf(part)) > total)) {
    // A part of some other file (the manifest changed) or garbage: start over.
    await rm(part, { force: true });
    total = d.size ?? null;
    await writeFileAtomic(metaPath, JSON.stringify({ sha256: expected, size: total } satisfies PartMeta));
  }
  const resumedFrom = await sizeOf(part);

  const checkSpace = async (size: number) => {
    const { bavail, bsize } = await statfs(dir);
    const need = size - (await sizeOf(part));
    if (bavail * bsize < need) {
      throw new UserError(`not enough disk space in ${dir} for ${m.id}: needs ${MB(need)}, ${MB(bavail * bsize)} free`, 'ENOSPC');
    }
  };
  if (total !== null) await checkSpace(total);

  const started = Date.now();
  let sessionBytes = 0;
  let lastReport = 0;
  const report = (bytes: number, force = false) => {
    const now = Date.now();
    if (!o.onProgress || (!force && now - lastReport < 200)) return;
    lastReport = now;
    const secs = Math.max(1e-3, (now - started) / 1000);
    const rate = sessionBytes / secs;
    const all = total ?? bytes;
    o.onProgress({ bytes, total: all, rate, etaSeconds: rate > 0 && total !== null ? (all - bytes) / rate : null });
  };

  const fetchOnce = async (url: string): Promise<void> => {
    const have = await sizeOf(part);
    if (total !== null && have === total) return;
    let res: Response;
    try {
      res = await fetchChecked(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: o.signal });
    } catch (e) {
      if (o.signal?.aborted) throw new CancelledError();
      if (isUserError(e)) throw e;
      const code = netCode(e);
      const host = new URL(url).host;
      const why = /ENOTFOUND|EAI_AGAIN/.test(code) ? `no network (cannot resolve ${host})` : `cannot connect to ${host} (${code})`;
      throw new RetryableError(why);
    }
    let append = false;
    if (res.status === 206) {
      const start = Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1]);
      append = start === have;
      if (!append) {
        // A server that answers some other range than asked: take nothing from it, start this file over.
        await res.body?.cancel();
        await rm(part, { force: true });
        throw new RetryableError(`${new URL(url).host} answered a different range than requested`);
      }
    } else if (res.status === 416 && have > 0) {
      await res.body?.cancel();
      await rm(part, { force: true });
      throw new RetryableError(`${new URL(url).host} rejected the resume range`);
    } else if (res.status !== 200) {
      await res.body?.cancel();
      const msg = `${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      if (res.status >= 500 || res.status === 408 || res.status === 429) throw new RetryableError(msg);
      throw new UserError(`cannot download ${m.id}: ${msg}`, 'EHTTP');
    }
    if (!res.body) throw new RetryableError(`${url} sent no body`);
    if (total === null) {
      // Unpinned: the server's word is the size (whole-body length, or the total of a range answer).
      const told = res.status === 206 ? Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]) : Number(res.headers.get('content-length'));
      if (Number.isSafeInteger(told) && told > 0) {
        total = told;
        await writeFileAtomic(metaPath, JSON.stringify({ sha256: null, size: total } satisfies PartMeta));
        await checkSpace(total);
      }
    }
    let bytes = append ? have : 0;
    const counted = async function* (body: AsyncIterable<Uint8Array>) {
      for await (const chunk of body) {
        bytes += chunk.byteLength;
        sessionBytes += chunk.byteLength;
        if (total !== null && bytes > total) throw new UserError(`cannot download ${m.id}: ${url} sent more than the expected ${total} bytes`, 'ESIZE');
        report(bytes);
        yield chunk;
      }
    };
    try {
      await pipeline(
        counted(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)),
        createWriteStream(part, { flags: append ? 'a' : 'w' }),
        { signal: o.signal },
      );
    } catch (e) {
      if (o.signal?.aborted) throw new CancelledError();
      if (e instanceof UserError) throw e;
      const code = netCode(e);
      if (code === 'ENOSPC') {
        throw new UserError(`disk full while downloading ${m.id} into ${dir}: free some space and run the same command again to resume`, 'ENOSPC');
      }
      if (/^E(ACCES|PERM|ROFS)$/.test(code)) throw new UserError(`cannot write ${part}: ${code}`, code);
      throw new RetryableError(`connection cut after ${MB(bytes)} (${code})`);
    }
    if (total !== null && bytes < total) throw new RetryableError(`connection closed after ${MB(bytes)} of ${MB(total)}`);
  };

  const attempts = d.urls.length * (1 + (o.retries ?? 3));
  let last: RetryableError | null = null;
  for (let i = 0; i < attempts; i++) {
    throwIfAborted(o.signal);
    try {
      await fetchOnce(d.urls[i % d.urls.length]);
      last = null;
      break;
    } catch (e) {
      if (!(e instanceof RetryableError)) throw e;
      last = e;
      if (i + 1 < attempts) o.onRetry?.(`${e.message}; resuming`);
    }
  }
  if (last) {
    throw new UserError(
      `cannot download ${m.id}: ${last.message}; check your network and run the same command again (${MB(await sizeOf(part))} kept, it resumes)`,
      'ENETWORK',
    );
  }
  report(await sizeOf(part), true);

  // Unpinned: loadModel below hashes the file too; the cached hash makes that a lookup, not a second read.
  const sha256 = pinned ? await sha256File(part) : await cachedSha256(part);
  const discard = async () => {
    await rm(part, { force: true });
    await rm(metaPath, { force: true });
  };
  if (pinned && sha256 !== d.sha256) {
    await discard();
    throw new UserError(
      `downloaded ${m.id} has the wrong checksum: expected sha256 ${d.sha256}, got ${sha256}; nothing was installed (the download was discarded)`,
      'ECHECKSUM',
    );
  }
  if (!pinned) {
    // No checksum to trust: the file must at least be the network the manifest describes.
    try {
      const model = await loadModel(m, { path: part, device: 'cpu', threads: 1 });
      await model.close();
    } catch (e) {
      await discard();
      const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      throw new UserError(`downloaded ${m.id} is not the model its manifest describes (${why}); nothing was installed (the download was discarded)`, 'EMODELIO');
    }
  }
  await rename(part, final);
  await rm(metaPath, { force: true });
  return { path: final, sha256, resumedFrom, alreadyInstalled: false, pinned };
}
