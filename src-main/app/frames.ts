import { readFrames } from '../engine/decode/frame-reader.ts';
import type { RgbFrame, VideoInfo } from '../common/types.ts';
import type { FrameImage } from '../common/api/types.ts';

/**
 * Frames for the viewer, decoded by ffmpeg through the engine (so every codec ffmpeg reads works, not
 * only what Chromium's <video> plays, and frame N is exactly frame N). Two things keep it interactive:
 * a byte-bounded LRU of decoded frames (scrubbing back and forth), and one open sequential reader per
 * clip and size, so playback and frame-stepping pull the next frame instead of re-seeking each time.
 */
const SEQ_SKIP_MAX = 12;
/**
 * Stepping or playing backwards would otherwise re-seek for every frame (a decode from the previous
 * keyframe each time): a short step back decodes the block of frames before it in one pass instead,
 * so the next steps back come from the LRU.
 */
const REVERSE_BLOCK = 24;

interface SeqReader {
  key: string;
  next: number;
  it: AsyncGenerator<RgbFrame>;
}

export function createFrameService(opts: { cacheBytes?: number } = {}) {
  const cacheBytes = opts.cacheBytes ?? 256 << 20;
  const lru = new Map<string, FrameImage>();
  let bytes = 0;
  let seq: SeqReader | null = null;
  // One decode at a time per service: concurrent ffmpeg seeks on 2 cores only slow each other down.
  let chain: Promise<unknown> = Promise.resolve();

  const put = (k: string, f: FrameImage) => {
    if (lru.has(k)) return;
    lru.set(k, f);
    bytes += f.data.byteLength;
    for (const [key, v] of lru) {
      if (bytes <= cacheBytes) break;
      lru.delete(key);
      bytes -= v.data.byteLength;
    }
  };

  const closeSeq = async () => {
    const s = seq;
    seq = null;
    if (s) await s.it.return(undefined).catch(() => undefined);
  };

  let readers = 0;
  let lastRead: { key: string; index: number } | null = null;
  const open = (info: VideoInfo, start: number, width: number, height: number, end?: number) => {
    readers++;
    return readFrames(info, { start, end, width, height });
  };

  /** A decoded frame into the LRU, as the viewer gets it. */
  const keep = (key: string, f: RgbFrame): FrameImage => {
    const img: FrameImage = { index: f.index, time: f.time, width: f.width, height: f.height, data: f.data };
    put(`${key}|${f.index}`, img);
    return img;
  };

  async function decodeBlockBefore(info: VideoInfo, index: number, width: number, height: number): Promise<FrameImage> {
    const key = `${info.path}|${width}x${height}`;
    let hit: FrameImage | null = null;
    for await (const f of open(info, Math.max(0, index - REVERSE_BLOCK + 1), width, height, index)) {
      const img = keep(key, f);
      if (f.index === index) hit = img;
    }
    if (!hit) throw new Error(`frame ${index} of ${info.path} could not be decoded`);
    return hit;
  }

  async function decode(info: VideoInfo, index: number, width: number, height: number): Promise<FrameImage> {
    const key = `${info.path}|${width}x${height}`;
    // A short step back from the last frame read (reverse play, frame-stepping back).
    const from = lastRead?.key === key ? lastRead.index : null;
    if (from !== null && index < from && index >= from - 1 - SEQ_SKIP_MAX) {
      const img = await decodeBlockBefore(info, index, width, height);
      lastRead = { key, index: Math.max(0, index - REVERSE_BLOCK + 1) };
      return img;
    }
    if (!seq || seq.key !== key || index < seq.next || index > seq.next + SEQ_SKIP_MAX) {
      await closeSeq();
      seq = { key, next: index, it: open(info, index, width, height) };
    }
    const s = seq;
    while (true) {
      const r = await s.it.next();
      if (r.done) {
        await closeSeq();
        throw new Error(`frame ${index} of ${info.path} could not be decoded`);
      }
      s.next = r.value.index + 1;
      const img = keep(key, r.value);
      if (r.value.index >= index) {
        lastRead = { key, index: r.value.index };
        return img;
      }
    }
  }

  return {
    get(info: VideoInfo, index: number, maxWidth?: number): Promise<FrameImage> {
      const scale = maxWidth && maxWidth < info.width ? maxWidth / info.width : 1;
      // Full size stays exact (720x405 is 405 rows); a reduced preview is rounded to even sizes.
      const width = scale === 1 ? info.width : Math.max(2, Math.round((info.width * scale) / 2) * 2);
      const height = scale === 1 ? info.height : Math.max(2, Math.round((info.height * scale) / 2) * 2);
      const hit = lru.get(`${info.path}|${width}x${height}|${index}`);
      if (hit) return Promise.resolve(hit);
      const p = chain.then(() => decode(info, index, width, height));
      chain = p.catch(() => undefined);
      return p;
    },
    /** Decoder processes started so far (tests check that stepping back does not start one per frame). */
    stats: () => ({ readers }),
    async dispose() {
      await closeSeq();
      lru.clear();
      bytes = 0;
    },
  };
}

