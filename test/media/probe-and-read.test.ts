import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame, readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { clip, dataset, sharedPath } from '../helpers/shared.ts';
import { ffprobeJson } from '../helpers/tools.ts';

const md5 = (d: Uint8Array) => createHash('md5').update(d).digest('hex');
const clips = readdirSync(sharedPath('clips')).filter((f) => /\.(mp4|mpg|avi|mov|mkv|webm)$/i.test(f));

describe('probe and frame reading on every shared clip', () => {
  it('finds the shared clips', () => expect(clips.length).toBeGreaterThanOrEqual(4));

  for (const name of clips) {
    it(`${name}: frame count, size and rate match ffprobe; seeking is frame-accurate`, async () => {
      const path = clip(name);
      const info = await probe(path);
      const ref = await ffprobeJson(path, ['-count_frames', '-select_streams', 'v:0', '-show_streams']);
      const s = ref.streams[0];
      expect(info.frameCount).toBe(Number(s.nb_read_frames));
      expect(info.codedWidth).toBe(s.width);
      expect(info.codedHeight).toBe(s.height);
      expect(info.timestamps).toHaveLength(info.frameCount);
      expect(info.duration).toBeGreaterThan(0);

      // Every frame once, in order, from the start (small size keeps the test fast).
      const hashes: string[] = [];
      for await (const f of readFrames(info, { width: 96 })) {
        expect(f.index).toBe(hashes.length);
        hashes.push(md5(f.data));
      }
      expect(hashes).toHaveLength(info.frameCount);
      const k = Math.min(100, info.frameCount - 1);
      const seeked = await readFrame(info, k, { width: 96 });
      expect(md5(seeked.data)).toBe(hashes[k]);
      // Neighbouring frames differ (a moving camera): the match above is not trivially true.
      expect(hashes[k]).not.toBe(hashes[k - 1]);
    });
  }

  it('cockatoo.mp4 keeps its audio and exact rate; tree.avi is variable frame rate, indexed by time', async () => {
    const c = await probe(clip('cockatoo.mp4'));
    expect(c.hasAudio).toBe(true);
    expect(c.frameRate).toEqual({ num: 20, den: 1 });
    expect(c.frameCount).toBe(280);
    const r = await probe(clip('realshort.mp4'));
    expect(r.frameRate).toEqual({ num: 45000, den: 1499 });
    const t = await probe(clip('tree.avi'));
    expect(t.variableFrameRate).toBe(true);
    expect(t.timestamps[1] - t.timestamps[0]).not.toBeCloseTo(t.timestamps[2] - t.timestamps[1], 3);
  });

  it('reads a frame range at a requested size from an image folder', async () => {
    const info = await probe(sharedPath('datasets', 'tartanair-hospital', 'rgb'));
    expect(info.kind).toBe('images');
    expect(info.frameCount).toBe(189);
    const frames = [];
    for await (const f of readFrames(info, { start: 10, end: 14, width: 160, height: 120 })) frames.push(f);
    expect(frames.map((f) => f.index)).toEqual([10, 11, 12, 13, 14]);
    expect(frames[0].data.length).toBe(160 * 120 * 3);
    const again = await readFrame(info, 12, { width: 160, height: 120 });
    expect(md5(again.data)).toBe(md5(frames[2].data));
    void dataset;
  });

  it('stops ffmpeg when the consumer stops early (no leaked decoder, bounded memory)', async () => {
    const info = await probe(clip('cockatoo.mp4'));
    let n = 0;
    for await (const _f of readFrames(info)) if (++n === 3) break;
    expect(n).toBe(3);
  });
});
