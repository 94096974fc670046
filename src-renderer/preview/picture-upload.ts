import type { FrameImage } from '../../src-main/common/api/types.ts';
import { BLIT_FS, blitTexture, FULLSCREEN_VS, program, texture, unpackLikeCanvas } from './gl.ts';

/** A picture to draw: the engine's RGB rows, or a picture the browser decoded (uploaded as it is). */
export type PreviewPicture = FrameImage | (Omit<FrameImage, 'data'> & { source: TexImageSource });

/** The pixel size of a picture the browser decoded. */
function sizeOf(s: TexImageSource): [number, number] {
  if (typeof HTMLVideoElement !== 'undefined' && s instanceof HTMLVideoElement) return [s.videoWidth, s.videoHeight];
  if (typeof VideoFrame !== 'undefined' && s instanceof VideoFrame) return [s.displayWidth, s.displayHeight];
  if (typeof HTMLImageElement !== 'undefined' && s instanceof HTMLImageElement) return [s.naturalWidth, s.naturalHeight];
  return [(s as { width: number }).width, (s as { height: number }).height];
}

/**
 * A browser-decoded picture (<video>, ImageBitmap, VideoFrame) into an RGBA8 texture of the frame's size,
 * rows top first like the engine's RGB frames, without a CPU readback: at its own size it is uploaded as
 * it is; at another size it is uploaded and then resampled bilinearly by one pass, as the 2D canvas'
 * drawImage scaled it (imageSmoothingQuality 'low'), under the 2D canvas' unpack settings.
 */
export function createPictureUpload(gl: WebGL2RenderingContext) {
  const blit = program(gl, FULLSCREEN_VS, BLIT_FS, 'picture-resample');
  const fbo = gl.createFramebuffer()!;
  const vao = gl.createVertexArray()!;
  const raw = texture(gl, gl.LINEAR);
  const out = texture(gl, gl.NEAREST);
  let rawSize = '';
  let outSize = '';
  const alloc = (t: WebGLTexture, w: number, h: number) => {
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
  };
  const put = (t: WebGLTexture, source: TexImageSource) => {
    gl.bindTexture(gl.TEXTURE_2D, t);
    unpackLikeCanvas(gl);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, gl.RGBA, gl.UNSIGNED_BYTE, source);
  };
  return {
    /** Uploads `source` at width x height; returns the RGBA8 texture holding it (the same one every call). */
    upload(source: TexImageSource, width: number, height: number): WebGLTexture {
      const [sw, sh] = sizeOf(source);
      if (!sw || !sh) throw new Error('the picture has no pixels yet');
      if (outSize !== `${width}x${height}`) {
        alloc(out, width, height);
        outSize = `${width}x${height}`;
      }
      if (sw === width && sh === height) {
        put(out, source);
        return out;
      }
      if (rawSize !== `${sw}x${sh}`) {
        alloc(raw, sw, sh);
        rawSize = `${sw}x${sh}`;
      }
      put(raw, source);
      gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, out, 0);
      gl.viewport(0, 0, width, height);
      blitTexture(gl, blit, vao, raw, false);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      return out;
    },
    dispose() {
      for (const t of [raw, out]) gl.deleteTexture(t);
      gl.deleteFramebuffer(fbo);
      gl.deleteVertexArray(vao);
      gl.deleteProgram(blit);
    },
  };
}
