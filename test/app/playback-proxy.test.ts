import { copyFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlaybackProxies, PROXY_DIR } from '../../src-main/app/playback-proxy.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { psnr } from '../effects/fixture.ts';
import { fingerprintFile } from '../../src-main/engine/project/fingerprint.ts';
import { clip } from '../helpers/shared.ts';
import { ffprobeJson, tempDir } from '../helpers/tools.ts';

async function untilSettled(p: ReturnType<typeof createPlaybackProxies>, path: string, ms = 90_000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const s = p.status(path);
    if (s.state === 'ready' || s.state === 'failed') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('proxy not made in time');
}

/** Frames counted by decoding, the stream's duration, and whether there is sound. */
async function count(path: string) {
  const j = await ffprobeJson(path, ['-count_frames', '-show_streams']);
  const v = j.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
  return { frames: Number(v.nb_read_frames), duration: Number(v.duration), width: v.width, codec: v.codec_name, audio: j.streams.some((s: { codec_type: string }) => s.codec_type === 'audio') };
}

describe('playback proxies (small H.264 MP4 per clip)', () => {
  it.each(['cockatoo.mp4', 'cityCC0.mpg'])('%s: same frame count, duration and sound as the source, 640 wide at most, reused by a later session', async (name) => {
    const cache = await tempDir();
    const info = await probe(clip(name));
    const sha = (await fingerprintFile(info.path, cache)).sha256;
    const proxies = createPlaybackProxies({ cacheDir: cache });
    proxies.start(info, sha);
    expect(proxies.status(info.path).state).toBe('making');
    const s = await untilSettled(proxies, info.path);
    expect(s).toMatchObject({ state: 'ready' });
    const [src, px] = await Promise.all([count(info.path), count(s.path!)]);
    expect(px.frames).toBe(src.frames);
    expect(px.frames).toBe(info.frameCount);
    expect(Math.abs(px.duration - src.duration)).toBeLessThan(1.5 / info.fps);
    expect(px.audio).toBe(src.audio);
    expect(px.codec).toBe('h264');
    expect(px.width).toBe(Math.min(640, info.width));
    // The same timestamps from the clip's start (cityCC0.mpg starts at 0.54 s), and frame N is the picture of frame N.
    const pinfo = await probe(s.path!);
    expect(pinfo.timestamps.length).toBe(info.timestamps.length);
    for (let i = 0; i < info.frameCount; i++) expect(Math.abs(pinfo.timestamps[i] - info.timestamps[i])).toBeLessThan(0.002);
    const size = { width: 160, height: Math.round((160 * info.height) / info.width / 2) * 2 };
    const n = Math.floor(info.frameCount * 0.6);
    const [shown, same, other] = await Promise.all([readFrame(pinfo, n, size), readFrame(info, n, size), readFrame(info, n - 6, size)]);
    expect(psnr(shown.data, same.data)).toBeGreaterThan(28);
    expect(psnr(shown.data, same.data)).toBeGreaterThan(psnr(shown.data, other.data) + 3);
    // Nothing temporary left; a later session finds the same file without making it again.
    expect(await readdir(join(cache, PROXY_DIR))).toEqual([s.path!.split('/').pop()]);
    const again = createPlaybackProxies({ cacheDir: cache });
    again.start(info, sha);
    expect(await untilSettled(again, info.path, 2000)).toEqual(s);
  }, 180_000);

  it('leaves no partial file when cancelled', async () => {
    const cache = await tempDir();
    const info = await probe(clip('cockatoo.mp4'));
    const proxies = createPlaybackProxies({ cacheDir: cache });
    proxies.start(info, (await fingerprintFile(info.path, cache)).sha256);
    // Until ffmpeg has written something under the temporary name.
    const dir = join(cache, PROXY_DIR);
    for (let i = 0; i < 200 && !(await readdir(dir).catch(() => [])).length; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await readdir(dir))[0]).toMatch(/^\..*\.partial-/);
    await proxies.cancel(info.path);
    expect(await readdir(dir)).toEqual([]);
    expect(proxies.status(info.path).state).toBe('none');
  }, 60_000);

  it('keeps the proxy folder under its bound, the least recently used file going first', async () => {
    const cache = await tempDir();
    const a = await probe(clip('realshort.mp4'));
    const b = await probe(clip('tree.avi'));
    const proxies = createPlaybackProxies({ cacheDir: cache, maxBytes: 1 });
    proxies.start(a, (await fingerprintFile(a.path, cache)).sha256);
    const sa = await untilSettled(proxies, a.path);
    proxies.start(b, (await fingerprintFile(b.path, cache)).sha256);
    const sb = await untilSettled(proxies, b.path);
    expect(await readdir(join(cache, PROXY_DIR))).toEqual([sb.path!.split('/').pop()]);
    expect(sa.state).toBe('ready');
    expect(proxies.status(a.path).state).toBe('none');
  }, 120_000);

  it('"Clear cache" removes the proxies of clips this app has not imported and keeps the others', async () => {
    const cache = await tempDir();
    const info = await probe(clip('realshort.mp4'));
    const proxies = createPlaybackProxies({ cacheDir: cache });
    proxies.start(info, (await fingerprintFile(info.path, cache)).sha256);
    const s = await untilSettled(proxies, info.path);
    // A proxy an earlier session left (another clip's), and a partial file being written by another process.
    const dir = join(cache, PROXY_DIR);
    const old = join(dir, '0123456789abcdef01234567-320x240.mp4');
    await copyFile(s.path!, old);
    await writeFile(join(dir, '.0123.mp4.partial-1-ab'), 'x');
    const size = (await stat(s.path!)).size;
    expect(await proxies.summary()).toEqual({ files: 2, bytes: 2 * size, limitBytes: 4096 * 2 ** 20 });
    expect(await proxies.clear()).toEqual({ removed: 1, freedBytes: size, keptBytes: size });
    expect((await readdir(dir)).sort()).toEqual(['.0123.mp4.partial-1-ab', s.path!.split('/').pop()]);
    expect(proxies.status(info.path)).toEqual(s);
    // A later session that has not imported the clip removes it too.
    expect(await createPlaybackProxies({ cacheDir: cache }).clear()).toMatchObject({ removed: 1, keptBytes: 0 });
    expect(await readdir(dir)).toEqual(['.0123.mp4.partial-1-ab']);
  }, 120_000);
});
