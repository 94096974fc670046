import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createMediaFiles, parseRange } from '../../src-main/app/media-files.ts';
import { clip } from '../helpers/shared.ts';

/** Source files for the renderer's <video>: only files the engine opened, with byte ranges. */
describe('media files', () => {
  it('serves opened files whole and by range, and nothing else', async () => {
    const path = clip('realshort.mp4');
    const bytes = await readFile(path);
    const m = createMediaFiles();
    expect((await m.respond(path, null)).status).toBe(404);
    m.noteCall('listJobs', { path });
    expect((await m.respond(path, null)).status).toBe(404);
    m.noteCall('importMedia', { path });
    const whole = await m.respond(path, null);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await m.respond(path, 'bytes=100-199');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    expect((await m.respond(path, `bytes=${bytes.length}-`)).status).toBe(416);
    expect((await m.respond(clip('tree.avi'), null)).status).toBe(404);
  });

  it('parses the three range forms', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual([0, 9]);
    expect(parseRange('bytes=90-', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=-10', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=50-500', 100)).toEqual([50, 99]);
    expect(parseRange('bytes=5-1', 100)).toBe('invalid');
    expect(parseRange('items=0-1', 100)).toBe('invalid');
    expect(parseRange(null, 100)).toBeNull();
  });
});
