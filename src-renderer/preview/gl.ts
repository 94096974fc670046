/** Minimal WebGL2 helpers: compile/link with readable errors, textures, framebuffers, a full-screen triangle. */
export function compile(gl: WebGL2RenderingContext, type: number, src: string, name: string): WebGLShader {
  const s = gl.createShader(type)!;
  gl.shaderSource(s, src);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) {
    const log = gl.getShaderInfoLog(s);
    gl.deleteShader(s);
    throw new Error(`shader ${name} does not compile: ${log}`);
  }
  return s;
}

export function program(gl: WebGL2RenderingContext, vs: string, fs: string, name: string): WebGLProgram {
  const p = gl.createProgram()!;
  gl.attachShader(p, compile(gl, gl.VERTEX_SHADER, vs, `${name}.vert`));
  gl.attachShader(p, compile(gl, gl.FRAGMENT_SHADER, fs, `${name}.frag`));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`program ${name} does not link: ${gl.getProgramInfoLog(p)}`);
  return p;
}

export function texture(gl: WebGL2RenderingContext, filter: number = gl.LINEAR): WebGLTexture {
  const t = gl.createTexture()!;
  gl.bindTexture(gl.TEXTURE_2D, t);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  return t;
}

export function uploadRgba(gl: WebGL2RenderingContext, t: WebGLTexture, w: number, h: number, data: Uint8Array) {
  gl.bindTexture(gl.TEXTURE_2D, t);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, data);
}

export function uploadRgb(gl: WebGL2RenderingContext, t: WebGLTexture, w: number, h: number, data: Uint8Array) {
  gl.bindTexture(gl.TEXTURE_2D, t);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB8, w, h, 0, gl.RGB, gl.UNSIGNED_BYTE, data);
}

/**
 * The unpack settings under which a browser-decoded picture uploads as the 2D canvas draws it (what
 * drawImage + getImageData gave): top row first, not premultiplied (the pictures are opaque), the
 * browser's colour conversion to sRGB.
 */
export function unpackLikeCanvas(gl: WebGL2RenderingContext) {
  gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
  gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
  gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.BROWSER_DEFAULT_WEBGL);
}

/** A browser-decoded picture as it is (its own size; the blit scales it). */
export function uploadPicture(gl: WebGL2RenderingContext, t: WebGLTexture, source: TexImageSource) {
  gl.bindTexture(gl.TEXTURE_2D, t);
  unpackLikeCanvas(gl);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, source);
}

export function uploadFloat(gl: WebGL2RenderingContext, t: WebGLTexture, w: number, h: number, data: Float32Array) {
  gl.bindTexture(gl.TEXTURE_2D, t);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, w, h, 0, gl.RED, gl.FLOAT, data);
}

export interface Target {
  fb: WebGLFramebuffer;
  tex: WebGLTexture;
  w: number;
  h: number;
}

export function target(gl: WebGL2RenderingContext, w: number, h: number, old?: Target | null): Target {
  if (old && old.w === w && old.h === h) return old;
  if (old) {
    gl.deleteFramebuffer(old.fb);
    gl.deleteTexture(old.tex);
  }
  const tex = texture(gl, gl.LINEAR);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
  const fb = gl.createFramebuffer()!;
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  return { fb, tex, w, h };
}

/** Draws `tex` through the BLIT_FS program over the bound framebuffer's viewport (flipped for the screen). */
export function blitTexture(gl: WebGL2RenderingContext, blit: WebGLProgram, vao: WebGLVertexArrayObject | null, tex: WebGLTexture, flipY: boolean) {
  gl.useProgram(blit);
  gl.activeTexture(gl.TEXTURE0);
  gl.bindTexture(gl.TEXTURE_2D, tex);
  gl.uniform1i(gl.getUniformLocation(blit, 'uSrc'), 0);
  gl.uniform1i(gl.getUniformLocation(blit, 'uFlipY'), flipY ? 1 : 0);
  gl.bindVertexArray(vao);
  gl.drawArrays(gl.TRIANGLES, 0, 3);
}

export const FULLSCREEN_VS = `#version 300 es
out vec2 vUv;
void main() {
  vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
  vUv = p;
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

/** Draws the source texture into a rectangle of the canvas; flipY because frames are stored top row first. */
export const BLIT_FS = `#version 300 es
precision highp float;
in vec2 vUv;
uniform sampler2D uSrc;
uniform bool uFlipY;
out vec4 outColor;
void main() {
  vec2 uv = uFlipY ? vec2(vUv.x, 1.0 - vUv.y) : vUv;
  outColor = vec4(texture(uSrc, uv).rgb, 1.0);
}`;
