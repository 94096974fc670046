import { copyFile, open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { UserError } from '../../src-main/common/errors.ts';
import { clip } from '../helpers/shared.ts';
import { ffmpeg, tempDir } from '../helpers/tools.ts';

async function expectUserError(p: Promise<unknown>, pattern: RegExp) {
  const e = await p.then(() => null, (err) => err);
  expect(e).toBeInstanceOf(UserError);
  expect((e as Error).message).toMatch(pattern);
  expect((e as Error).message).not.toContain('\n');
}

describe('bad media input gives one clear line', () => {
  it('missing file', () => expectUserError(probe('/nonexistent/clip.mp4'), /input not found: \/nonexistent\/clip\.mp4/));

  it('a file that is not media', async () => {
    const dir = await tempDir();
    const f = join(dir, 'notes.mp4');
    await writeFile(f, 'this is not a video\n'.repeat(50));
    await expectUserError(probe(f), /not a media file ffmpeg can read: .*notes\.mp4/);
  });

  it('a clip with no video stream', async () => {
    const dir = await tempDir();
    const f = join(dir, 'tone.m4a');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', f]);
    await expectUserError(probe(f), /no video stream in .*tone\.m4a/);
  });

  // Index at the end (as shot) and at the front (faststart): both must be caught.
  for (const faststart of [false, true]) it(`a truncated MP4 (faststart=${faststart})`, async () => {
    const dir = await tempDir();
    const f = join(dir, 'cut.mp4');
    if (faststart) await ffmpeg(['-i', clip('cockatoo.mp4'), '-c', 'copy', '-movflags', '+faststart', f]);
    else await copyFile(clip('cockatoo.mp4'), f);
    const size = (await stat(f)).size;
    const h = await open(f, 'r+');
    await h.truncate(Math.floor(size / 2));
    await h.close();
    const err = await (async () => {
      const info = await probe(f);
      for await (const _fr of readFrames(info, { width: 64 })) {
        /* decode until it fails */
      }
    })().then(() => null, (e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/truncated or corrupt/);
  });

  it('an out-of-range frame request', async () => {
    const info = await probe(clip('realshort.mp4'));
    await expectUserError(readFrames(info, { start: 40 }).next(), /start frame 40 is outside the clip \(0\.\.35\)/);
  });
});
