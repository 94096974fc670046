import { decodeStartFrame, readFrames } from '../engine/decode/frame-reader.ts';
import type { RgbFrame, VideoInfo } from '../common/types.ts';
import type { FrameImage } from '../common/api/types.ts';
import { CancelledError } from '../common/errors.ts';

/**
 * Frames for the viewer, decoded by ffmpeg through the engine (so every codec ffmpeg reads works, not
 * only what Chromium's <video> plays, and frame N is exactly frame N). Two things keep it interactive:
 * a byte-bounded LRU of decoded frames (scrubbing back and forth), and one open sequential reader per
 * clip and size, so playback and frame-stepping pull the next frame instead of re-seeking each time.
 */
const SEQ_SKIP_MAX = 12;
const SKIP_COST = 4;
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
  /** Kills its ffmpeg at once (a generator's return() would wait for the read in progress). */
  stop: AbortController;
}

/**
 * Pulls the next frame from a reader; a request aborted meanwhile stops the decoder itself and rejects
 * at once, so a superseded scrub frees the CPU for the frame that replaced it.
 */
async function nextFrame(it: AsyncGenerator<RgbFrame>, stop: AbortController, signal: AbortSignal | undefined, onStop: () => void) {
  if (!signal) return it.next();
  if (signal.aborted) throw new CancelledError();
  const onAbort = () => {
    stop.abort();
    onStop();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await it.next();
    if (signal.aborted) throw new CancelledError();
    return r;
  } catch (e) {
    throw signal.aborted ? new CancelledError() : e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
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
  let stopped = 0;
  const onStop = () => void stopped++;
  let lastRead: { key: string; index: number } | null = null;
  const open = (info: VideoInfo, start: number, width: number, height: number, stop: AbortController, end?: number) => {
    readers++;
    return readFrames(info, { start, end, width, height, signal: stop.signal });
  };

  /** A decoded frame into the LRU, as the viewer gets it. */
  const keep = (key: string, f: RgbFrame): FrameImage => {
    const img: FrameImage = { index: f.index, time: f.time, width: f.width, height: f.height, data: f.data };
    put(`${key}|${f.index}`, img);
    return img;
  };

  async function decodeBlockBefore(info: VideoInfo, index: number, width: number, height: number, signal?: AbortSignal): Promise<FrameImage> {
    const key = `${info.path}|${width}x${height}`;
    let hit: FrameImage | null = null;
    const stop = new AbortController();
    const it = open(info, Math.max(0, index - REVERSE_BLOCK + 1), width, height, stop, index);
    try {
      for (let r = await nextFrame(it, stop, signal, onStop); !r.done; r = await nextFrame(it, stop, signal, onStop)) {
        const img = keep(key, r.value);
        if (r.value.index === index) hit = img;
      }
    } finally {
      stop.abort();
      await it.return(undefined).catch(() => undefined);
    }
    if (!hit) throw new Error(`frame ${index} of ${info.path} could not be decoded`);
    return hit;
  }

  async function decode(info: VideoInfo, index: number, width: number, height: number, signal?: AbortSignal): Promise<FrameImage> {
    const key = `${info.path}|${width}x${height}`;
    // A short step back from the last frame read (reverse play, frame-stepping back).
    const from = lastRead?.key === key ? lastRead.index : null;
    if (from !== null && index < from && index >= from - 1 - SEQ_SKIP_MAX) {
      const img = await decodeBlockBefore(info, index, width, height, signal);
      lastRead = { key, index: Math.max(0, index - REVERSE_BLOCK + 1) };
      return img;
    }
    // A forward jump goes on with the running decoder when that is cheaper than a new one (long GOPs, or
    // keyframes a seek cannot start from: a new decoder starts far back). A new one drops the frames before
    // the target inside ffmpeg, right after decoding; the running one converts and pipes each, which costs
    // about SKIP_COST times the decode (cockatoo.mp4 to 960 px RGB: 9.4 vs 2.6 ms a frame).
    const reuse =
      seq?.key === key && index >= seq.next && (index <= seq.next + SEQ_SKIP_MAX || (index - seq.next) * SKIP_COST <= index - decodeStartFrame(info, index));
    if (!seq || !reuse) {
      await closeSeq();
      const stop = new AbortController();
      seq = { key, next: index, it: open(info, index, width, height, stop), stop };
    }
    const s = seq;
    while (true) {
      let r: IteratorResult<RgbFrame>;
      try {
        r = await nextFrame(s.it, s.stop, signal, onStop);
      } catch (e) {
        // Its decoder was stopped (or failed): the next request opens a new one.
        if (seq === s) await closeSeq();
        throw e;
      }
      if (r.done) {
        await closeSeq();
        throw new Error(`frame ${index} of ${info.path} could not be decoded`);
      }
      s.next = r.value.index + 1;
      // Frames passed on a long skip are not kept: they would push the frames around the playhead out.
      if (r.value.index < index - SEQ_SKIP_MAX) continue;
      const img = keep(key, r.value);
      if (r.value.index >= index) {
        lastRead = { key, index: r.value.index };
        return img;
      }
    }
  }

  return {
    /** Frame `index`; aborting `signal` drops it from the queue, or stops its decoder if it is being decoded. */
    get(info: VideoInfo, index: number, maxWidth?: number, signal?: AbortSignal): Promise<FrameImage> {
      const scale = maxWidth && maxWidth < info.width ? maxWidth / info.width : 1;
      // Full size stays exact (720x405 is 405 rows); a reduced preview is rounded to even sizes.
      const width = scale === 1 ? info.width : Math.max(2, Math.round((info.width * scale) / 2) * 2);
      const height = scale === 1 ? info.height : Math.max(2, Math.round((info.height * scale) / 2) * 2);
      const hit = lru.get(`${info.path}|${width}x${height}|${index}`);
      if (hit) return Promise.resolve(hit);
      const p = chain.then(() => {
        if (signal?.aborted) throw new CancelledError();
        return decode(info, index, width, height, signal);
      });
      chain = p.catch(() => undefined);
      if (!signal) return p;
      // Still queued behind another decode: the caller hears of the cancel now, the queue skips it later.
      const cancelled = new Promise<never>((_res, rej) => {
        if (signal.aborted) rej(new CancelledError());
        signal.addEventListener('abort', () => rej(new CancelledError()), { once: true });
      });
      return Promise.race([p, cancelled]);
    },
    /** Decoder processes started so far (tests check that stepping back does not start one per frame), and those stopped by a cancelled request. */
    stats: () => ({ readers, stopped }),
    async dispose() {
      await closeSeq();
      lru.clear();
      bytes = 0;
    },
  };
}

