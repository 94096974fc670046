import type { DepthImage } from '../../src-main/common/api/types.ts';
import { createPreview, type Preview } from './gl-preview.ts';
import { DEPTHS_KEPT, type LiveReply, type LiveRequest } from './live-protocol.ts';

/**
 * Playback's draws off the page's thread: the viewer's playing canvas, transferred here as an
 * OffscreenCanvas, drawn with the same preview (gl-preview.ts, the GLSL export shares). In a software
 * compositor every WebGL frame is read back for the screen, and that readback waits for all the frame's
 * GL work: here it holds this thread, not the page's (which keeps the clock, the timeline and the next
 * frame's depth). The page sends a frame once the one before is done with (`free`), so none queue here.
 */
type Draw = Extract<LiveRequest, { type: 'draw' }>;
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<LiveRequest>) => void) | null;
  postMessage(message: LiveReply): void;
};
let preview: Preview | null = null;
const depths = new Map<number, DepthImage>();

const fail = (e: unknown) => scope.postMessage({ type: 'error', message: (e as Error).message ?? String(e) });

function run(m: Draw) {
  const finish = (drawn: boolean, grabMs: number, t0: number) => {
    if (drawn && preview) scope.postMessage({ type: 'drawn', epoch: m.epoch, index: m.index, width: m.width, height: m.height, steps: preview.steps(), grabMs, drawMs: performance.now() - t0 });
    // After this task the frame is committed to the screen (read back, in a software compositor), then the next one comes.
    scope.postMessage({ type: 'free' });
  };
  try {
    const t1 = performance.now();
    const depth = m.depthId === null ? null : (depths.get(m.depthId) ?? null);
    // Uploaded as the draw starts (a deferred draw of relight or refocus uploads it again when it comes).
    const r = preview!.draw({ frame: { index: m.index, time: m.time, width: m.width, height: m.height, source: m.frame }, depth, stack: m.stack, time: m.time, mode: m.mode, live: true });
    const done = (ok: boolean) => {
      m.frame.close();
      finish(ok, m.grabMs, t1);
    };
    if (r === true) done(true);
    else r.then(done, (e) => (fail(e), done(false)));
  } catch (e) {
    m.frame.close();
    fail(e);
    finish(false, 0, 0);
  }
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'init') {
    try {
      preview = createPreview(m.canvas, { live: true });
    } catch (err) {
      fail(err);
    }
    return;
  }
  // Kept in the order sent, as the page counts them (live-client.ts).
  if (m.depth && m.depthId !== null) {
    depths.set(m.depthId, m.depth);
    for (const k of depths.keys()) if (depths.size > DEPTHS_KEPT) depths.delete(k);
  }
  if (preview) return run(m);
  m.frame.close();
  scope.postMessage({ type: 'free' });
};
