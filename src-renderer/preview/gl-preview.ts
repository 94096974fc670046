import type { DepthImage } from '../../src-main/common/api/types.ts';
import type { ViewMode } from '../../src-main/common/project/schema.ts';
import { colorizeDepth, depthRange } from '../../src-main/common/effects/colormap.ts';
import { depthRangeOf } from '../../src-main/common/effects/distance.ts';
import { createEffectRenderer, type DeferredPrep, type EffectRenderer } from './effect-renderer.ts';
import { createPrepClient } from './prep-client.ts';
import type { ShaderSources } from '../../src-main/common/effects/glsl/uniforms.ts';
import type { EffectStack } from '../../src-main/common/effects/types.ts';
import vertex from '../../src-main/common/effects/glsl/fullscreen.vert.glsl?raw';
import common from '../../src-main/common/effects/glsl/common.glsl?raw';
import upsample from '../../src-main/common/effects/glsl/upsample.glsl?raw';
import guided from '../../src-main/common/effects/glsl/guided.glsl?raw';
import fog from '../../src-main/common/effects/glsl/fog.glsl?raw';
import refocus from '../../src-main/common/effects/glsl/refocus.glsl?raw';
import relight from '../../src-main/common/effects/glsl/relight.glsl?raw';
import isolate from '../../src-main/common/effects/glsl/isolate.glsl?raw';
import type { PreviewPicture } from './picture-upload.ts';
import { BLIT_FS, blitTexture, FULLSCREEN_VS, program, texture, uploadPicture, uploadRgb } from './gl.ts';

const SHADERS: ShaderSources = { vertex, common, upsample, guided, fog, refocus, relight, isolate };

export interface DrawRequest {
  frame: PreviewPicture;
  depth: DepthImage | null;
  stack: EffectStack;
  /** Seconds on the clip's timeline, where keyframes are evaluated (the same time export uses). */
  time: number;
  mode: ViewMode;
  /** Playback: a frame is drawn at once, with the last depth frame's relight/refocus preparation if its own is not ready. */
  live?: boolean;
}

export interface Preview {
  /**
   * Draws now (true), or, when relight's or refocus's low-res preparation for this depth map is being
   * made off the page's thread, later: the promise says whether it was drawn (false: a newer request
   * came first).
   */
  draw(r: DrawRequest): true | Promise<boolean>;
  /** Milliseconds of the last draw's steps (upload, coef, upsample, each effect's prep and pass). */
  steps(): Record<string, number>;
  dispose(): void;
}

/**
 * The viewer's live preview: the effects' own WebGL2 renderer (effect-renderer.ts, the shaders
 * whose output the parity test holds to the CPU export kernels) draws the stack into the canvas at the
 * frame's size; CSS letterboxes it. Split mode then redraws the source over the left half; depth mode
 * shows the same colour map as the CLI's depth preview.
 */
export function createPreview(canvas: HTMLCanvasElement | OffscreenCanvas, opts: { live?: boolean } = {}): Preview {
  // The viewer's canvas keeps its buffer (the tests read the exact frame back from it); the playing
  // canvas (live-worker.ts) is redrawn whole every frame, so the compositor may take its buffer as it is.
  // Opaque either way (every pass writes alpha 1): the compositor then copies the canvas rather than blending it.
  const attrs = opts.live ? { preserveDrawingBuffer: false, antialias: false, alpha: false, desynchronized: true } : { preserveDrawingBuffer: true, antialias: false, alpha: false };
  const gl = canvas.getContext('webgl2', attrs) as WebGL2RenderingContext | null;
  if (!gl) throw new Error('WebGL2 is not available in this window');
  const fx: EffectRenderer = createEffectRenderer(gl, SHADERS);
  const blit = program(gl, FULLSCREEN_VS, BLIT_FS, 'blit');
  const srcTex = texture(gl);
  const colorTex = texture(gl);
  const vao = gl.createVertexArray();
  let lastFrame: PreviewPicture | null = null;
  let lastSrc: PreviewPicture | null = null;
  let lastDepth: DepthImage | null = null;
  let lastColored: DepthImage | null = null;
  const worker = createPrepClient();
  // Preparations asked of the worker and not yet back (one job per key and depth map).
  const asked = new Map<string, Promise<void>>();
  let latest: DrawRequest | null = null;
  const ask = (jobs: DeferredPrep[]) =>
    Promise.all(
      jobs.map((d) => {
        const id = `${d.depthGen}|${d.key}`;
        let p = asked.get(id);
        if (!p) {
          p = worker!.run(d.job).then((r) => fx.supply(d, r)).finally(() => asked.delete(id));
          asked.set(id, p);
        }
        return p;
      }),
    );

  const drawTex = (tex: WebGLTexture, x0: number, w: number) => {
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(x0, 0, w, canvas.height);
    blitTexture(gl, blit, vao, tex, true);
    gl.disable(gl.SCISSOR_TEST);
  };

  const drawNow = ({ frame, depth, stack, time, mode, live }: DrawRequest): DeferredPrep[] => {
    // Resizing clears the canvas: done only when a picture is drawn at once (not while one is prepared).
    const fit = () => {
      if (canvas.width === frame.width && canvas.height === frame.height) return;
      canvas.width = frame.width;
      canvas.height = frame.height;
    };
    if (mode === 'depth' || !depth) fit();
    if (mode === 'depth') {
      gl.clearColor(0.06, 0.07, 0.09, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      if (!depth) return [];
      if (depth !== lastColored) {
        const disp = depth.kind === 'metric' ? depth.data.map((v) => (v > 0 ? 1 / v : 0)) : depth.data;
        uploadRgb(gl, colorTex, depth.width, depth.height, colorizeDepth(depth.data, depth.width, depth.height, depth.kind, depthRange(disp)));
        lastColored = depth;
      }
      drawTex(colorTex, 0, canvas.width);
      return [];
    }
    const sourceChanged = frame !== lastFrame;
    // The plain source texture only where the source itself is drawn (the effects upload their own copy).
    if ((!depth || mode === 'split') && frame !== lastSrc) {
      if ('data' in frame) uploadRgb(gl, srcTex, frame.width, frame.height, frame.data);
      else uploadPicture(gl, srcTex, frame.source);
      lastSrc = frame;
    }
    if (!depth) {
      drawTex(srcTex, 0, canvas.width);
      lastFrame = frame;
      return [];
    }
    if (sourceChanged || depth !== lastDepth) {
      if ('data' in frame) fx.setFrame(frame.data, frame.width, frame.height);
      else fx.setFrameSource(frame.source, frame.width, frame.height);
      // Playing at no more pixels than the depth has, the guide would add no edges the depth lacks: its passes are left out.
      const guided = !live || frame.width > depth.width;
      fx.setDepth(depth.data, depth.width, depth.height, depth.range ?? depthRangeOf(depth), guided);
      lastFrame = frame;
      lastDepth = depth;
    }
    const K = depth.intrinsics ?? { fx: frame.width, fy: frame.width, cx: frame.width / 2, cy: frame.height / 2, width: frame.width, height: frame.height };
    const { drawn, deferred } = fx.render(stack, time, K, { toScreen: true, defer: !!worker, stale: live, beforeDraw: fit });
    if (!drawn) return deferred;
    // A playing frame's GL work goes to the GPU process now, so it runs while the page's thread renders and
    // paints the rest of the frame, rather than when the compositor's commit asks for the canvas (and waits).
    if (live) gl.flush();
    if (live && deferred.length) void ask(deferred);
    if (mode === 'split') {
      const mid = Math.round(canvas.width / 2);
      drawTex(srcTex, 0, mid);
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(mid - 1, 0, 2, canvas.height);
      gl.clearColor(1, 0.8, 0.2, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.disable(gl.SCISSOR_TEST);
    }
    return [];
  };

  const preview: Preview = {
    steps: () => ({ ...fx.timings }),
    draw(r) {
      for (const k of Object.keys(fx.timings)) delete fx.timings[k];
      latest = r;
      const waiting = drawNow(r);
      if (!waiting.length) return true;
      // The newest request wins: once the preparations are here, it is drawn if no other came meanwhile.
      const t0 = performance.now();
      return ask(waiting).then(() => {
        if (latest !== r) return false;
        const more = drawNow(r);
        fx.timings.prepWait = performance.now() - t0;
        return more.length ? preview.draw(r) : true;
      });
    },
    dispose() {
      worker?.dispose();
      fx.dispose();
      gl.deleteTexture(srcTex);
      gl.deleteTexture(colorTex);
      gl.deleteProgram(blit);
      gl.deleteVertexArray(vao);
    },
  };
  return preview;
}

/** Where a canvas of this picture size sits inside its CSS box with object-fit: contain. */
export function containedRect(boxW: number, boxH: number, picW: number, picH: number) {
  const s = Math.min(boxW / picW, boxH / picH);
  const w = picW * s;
  const h = picH * s;
  return { x: (boxW - w) / 2, y: (boxH - h) / 2, w, h };
}
