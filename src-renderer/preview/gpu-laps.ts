/**
 * The effect renderer's step timings (where a drawn frame's milliseconds go). Profiling only, with
 * localStorage 'gemdepth.syncTimings' = '1' (`PROFILE_SYNC=1 npm run profile:playback`): each step then
 * waits for the GPU process to run its GL work, so a step's milliseconds are its passes' own cost in
 * software WebGL rather than the calls'. WebGL's finish() is only a flush in Chromium: a one-pixel
 * readPixels is what waits.
 */
function syncWanted() {
  try {
    return globalThis.localStorage?.getItem('gemdepth.syncTimings') === '1';
  } catch {
    return false;
  }
}

export function createGpuLaps(gl: WebGL2RenderingContext) {
  const timings: Record<string, number> = {};
  let tick = 0;
  let sync: (() => void) | null = null;
  if (syncWanted()) {
    const px = new Uint8Array(4);
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    sync = () => {
      const bound = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
      gl.bindFramebuffer(gl.FRAMEBUFFER, bound);
    };
  }
  return {
    timings,
    /** A step starts now. */
    begin() {
      sync?.();
      tick = performance.now();
    },
    /** The step since the last begin or lap ends: its milliseconds under `name`. */
    lap(name: string) {
      sync?.();
      const t = performance.now();
      timings[name] = t - tick;
      tick = t;
    },
  };
}
