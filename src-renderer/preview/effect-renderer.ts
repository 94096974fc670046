import { scaleIntrinsics } from '../../src-main/common/camera/intrinsics.ts';
import type { Intrinsics } from '../../src-main/common/types.ts';
import { nearRatioOf, toDistance, type DepthRange } from '../../src-main/common/effects/distance.ts';
import { GUIDED_EPS, GUIDED_RADIUS } from '../../src-main/common/effects/guided-filter.ts';
import { fogStart } from '../../src-main/common/effects/fog.ts';
import { isolateTarget } from '../../src-main/common/effects/isolate.ts';
import { focusOf } from '../../src-main/common/effects/refocus.ts';
import { lightsOf } from '../../src-main/common/effects/relight.ts';
import { evaluateParams } from '../../src-main/common/effects/keyframes.ts';
import { getEffectSpec } from '../../src-main/common/effects/specs.ts';
import type { EffectId, EffectStack } from '../../src-main/common/effects/types.ts';
import { assembleFragment, frameUniforms, paramUniforms, upsampleUniforms, type ShaderSources, type Uniform } from '../../src-main/common/effects/glsl/uniforms.ts';
import { createGpuLaps } from './gpu-laps.ts';
import { createPictureUpload } from './picture-upload.ts';
import { runPrep, type PrepJob, type PrepResult } from './prep-jobs.ts';

/** A preparation render() left to the caller (opts.defer): computed elsewhere, then handed to supply(). */
export interface DeferredPrep {
  key: string;
  /** Which depth map it belongs to (a result for an older one is dropped). */
  depthGen: number;
  job: PrepJob;
}

/**
 * The live-preview twin of apply.ts on WebGL2: upload a frame and its low-res depth, then render any
 * stack at any time. Pass 0 upsamples the depth into an R32F distance texture; each enabled effect is
 * one full-screen pass, ping-ponging between RGBA8 textures (8-bit between passes, as on the CPU).
 * Needs EXT_color_buffer_float (present in Chromium/Electron, SwiftShader included).
 */
export interface EffectRenderer {
  setFrame(rgb: Uint8Array, width: number, height: number): void;
  /**
   * A picture the browser decoded (a playing <video>, an ImageBitmap) as the frame at width x height:
   * uploaded and scaled on the GPU, so no pixels come back to the page's thread.
   */
  setFrameSource(source: TexImageSource, width: number, height: number): void;
  /**
   * Low-res raw depth; upsampled to the frame's size, guided by the frame (call after setFrame). With
   * `guided` false (playback, where the picture is drawn at no more pixels than the depth has, so the
   * guide has no edges to add), no pass at all: the effects read the low-res distance bilinearly.
   */
  setDepth(depth: Float32Array, width: number, height: number, range: DepthRange, guided?: boolean): void;
  /** A distance map already at frame resolution (skips the upsampling pass). */
  setDistance(dist: Float32Array, range: DepthRange): void;
  /**
   * Renders to the canvas (flipped for display) or, with toTexture, off-screen for readPixels. With
   * `defer`, relight's and refocus's low-res preparations not yet made are returned rather than computed
   * here (and nothing is drawn: `drawn` false) so that the page's thread need not run them; with `stale`
   * too (playback), the last preparation of the same effect and parameters for an earlier depth map
   * stands in meanwhile and the frame is drawn. `beforeDraw` runs once the passes are about to draw.
   */
  render(stack: EffectStack, time: number, K: Intrinsics, opts?: { toScreen?: boolean; defer?: boolean; stale?: boolean; beforeDraw?: () => void }): { drawn: boolean; deferred: DeferredPrep[] };
  /** A deferred preparation's result. */
  supply(d: DeferredPrep, r: PrepResult): void;
  /** RGB8 of the last off-screen render, image rows top first. */
  readPixels(): Uint8Array;
  /** Milliseconds of the last calls, by step (the benchmark prints where a frame's time goes). */
  readonly timings: Record<string, number>;
  dispose(): void;
}

export function createEffectRenderer(gl: WebGL2RenderingContext, src: ShaderSources): EffectRenderer {
  if (!gl.getExtension('EXT_color_buffer_float')) throw new Error('WebGL2 EXT_color_buffer_float is not available');
  const compile = (type: number, text: string) => {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, text);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader compile failed: ${gl.getShaderInfoLog(s)}`);
    return s;
  };
  const vert = compile(gl.VERTEX_SHADER, src.vertex);
  const programs = new Map<string, WebGLProgram>();
  // The effects' variant reading the low-res distance (common.glsl LOW_RES_DIST) needs float filtering.
  const lowResDist = !!gl.getExtension('OES_texture_float_linear');
  const program = (name: 'upsample' | 'guided' | EffectId, lowRes = false) => {
    const id = lowRes ? `${name}|low` : name;
    let p = programs.get(id);
    if (p) return p;
    p = gl.createProgram()!;
    gl.attachShader(p, vert);
    gl.attachShader(p, compile(gl.FRAGMENT_SHADER, assembleFragment(lowRes ? `#define LOW_RES_DIST\n${src.common}` : src.common, src[name])));
    gl.linkProgram(p);
    if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`shader link failed (${name}): ${gl.getProgramInfoLog(p)}`);
    programs.set(id, p);
    return p;
  };
  // Uniform locations per program, looked up once (each lookup is a call into the GL implementation).
  const locations = new Map<WebGLProgram, Map<string, WebGLUniformLocation | null>>();
  const uniformAt = (p: WebGLProgram, name: string): WebGLUniformLocation | null => {
    let m = locations.get(p);
    if (!m) locations.set(p, (m = new Map()));
    let loc = m.get(name);
    if (loc === undefined) m.set(name, (loc = gl.getUniformLocation(p, name)));
    return loc;
  };
  const setUniforms = (p: WebGLProgram, list: Uniform[]) => {
    for (const u of list) {
      const loc = uniformAt(p, u.kind === '3fv' ? `${u.name}[0]` : u.name);
      if (!loc) continue; // unused uniforms are compiled out
      switch (u.kind) {
        case '1f': gl.uniform1f(loc, u.value); break;
        case '1i': gl.uniform1i(loc, u.value); break;
        case '2i': gl.uniform2i(loc, u.value[0], u.value[1]); break;
        case '2f': gl.uniform2f(loc, u.value[0], u.value[1]); break;
        case '3f': gl.uniform3f(loc, u.value[0], u.value[1], u.value[2]); break;
        case '4f': gl.uniform4f(loc, u.value[0], u.value[1], u.value[2], u.value[3]); break;
        case '3fv': gl.uniform3fv(loc, u.value); break;
      }
    }
  };
  const texture = (internal: number, format: number, type: number, w: number, h: number, data: ArrayBufferView | null) => {
    const t = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texImage2D(gl.TEXTURE_2D, 0, internal, w, h, 0, format, type, data);
    for (const [k, v] of [[gl.TEXTURE_MIN_FILTER, gl.NEAREST], [gl.TEXTURE_MAG_FILTER, gl.NEAREST], [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]])
      gl.texParameteri(gl.TEXTURE_2D, k, v);
    return t;
  };
  const fbo = gl.createFramebuffer()!;
  const vao = gl.createVertexArray()!;
  let W = 0, H = 0;
  // The frame the passes read: rgbTex (engine frames, RGB rows) or the picture upload's RGBA8 texture.
  let frameTex: WebGLTexture | null = null;
  let rgbTex: WebGLTexture | null = null;
  const pictures = createPictureUpload(gl);
  // The distance at the analysis resolution, for relight's surface maps (surface.ts), as export has it.
  let low: { dist: Float32Array; width: number; height: number } | null = null;
  let distTex: WebGLTexture | null = null;
  let ping: WebGLTexture[] = [];
  let range: DepthRange | null = null;
  let lastTarget: WebGLTexture | null = null;
  // Set when the last setDepth was unguided: the effects read this low-res distance (LOW_RES_DIST), not distTex.
  let lowDist: WebGLTexture | null = null;
  const toDelete: (WebGLTexture | null)[] = [];
  // Each effect's low-res preparation (relight's surface maps, refocus's focus and search radii, fog's and
  // isolate's subject distance) depends on the depth, the parameters and the size, never on the picture:
  // kept per depth map, so the exact frame that refines a quick picture, and every edit that does not
  // change these parameters, reuse it.
  type Prepared = { uniforms: Uniform[]; surface?: WebGLTexture; dirVis?: WebGLTexture; search?: WebGLTexture };
  const prepared = new Map<string, Prepared>();
  // The latest heavy preparation per key, whatever its depth map: playback's stand-in while the worker
  // prepares the current one (shading from a frame or two earlier moves little).
  const latestHeavy = new Map<string, Prepared>();
  let depthGen = 0;
  const texturesOf = (v: Prepared) => [v.surface, v.dirVis, v.search];
  const inUse = (t: WebGLTexture) => [...prepared.values(), ...latestHeavy.values()].some((v) => texturesOf(v).includes(t));
  const release = (v: Prepared) => {
    for (const t of texturesOf(v)) if (t && !inUse(t)) gl.deleteTexture(t);
  };
  const forgetPrepared = () => {
    depthGen++;
    const old = [...prepared.values()];
    prepared.clear();
    for (const v of old) release(v);
  };
  let lowOf: { depth: Float32Array; range: string } | null = null;

  type Inputs = { frame: WebGLTexture; dist?: WebGLTexture; coef?: WebGLTexture; surface?: WebGLTexture; dirVis?: WebGLTexture; search?: WebGLTexture; in?: WebGLTexture; low?: WebGLTexture };
  const draw = (p: WebGLProgram, target: WebGLTexture | null, inputs: Inputs, size: [number, number] = [W, H]) => {
    gl.useProgram(p);
    gl.bindFramebuffer(gl.FRAMEBUFFER, target ? fbo : null);
    if (target) gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, target, 0);
    gl.viewport(0, 0, size[0], size[1]);
    const bind = (unit: number, name: string, t?: WebGLTexture) => {
      if (!t) return;
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, t);
      const loc = uniformAt(p, name);
      if (loc) gl.uniform1i(loc, unit);
    };
    bind(0, 'u_frame', inputs.frame);
    bind(1, 'u_dist', inputs.dist);
    bind(2, 'u_coef', inputs.coef);
    bind(3, 'u_surface', inputs.surface);
    bind(4, 'u_dirVis', inputs.dirVis);
    bind(5, 'u_search', inputs.search);
    bind(6, 'u_in', inputs.in);
    bind(7, 'u_low', inputs.low);
    gl.bindVertexArray(vao);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  };

  // The guided filter's low-res half (guided.glsl: the GPU twin of guided-filter.ts) at the analysis
  // resolution: the distance in, the coefficients (A, B) out, through two scratch textures; reallocated
  // only when the depth's size changes. On the GPU, a depth frame costs the page's thread one upload.
  let lowTexs: WebGLTexture[] = [];
  // Distance maps made by toDistance, which maps a missing depth (NaN) to the far end: nothing to fill.
  const noNaN = new WeakSet<Float32Array>();
  let lowUploaded: Float32Array | null = null;
  let lowSize = '';
  const uploadLow = (dist: Float32Array, lw: number, lh: number): WebGLTexture => {
    if (lowSize !== `${lw}x${lh}`) {
      lowUploaded = null;
      for (const t of lowTexs) gl.deleteTexture(t);
      lowTexs = [texture(gl.R32F, gl.RED, gl.FLOAT, lw, lh, null), ...[0, 1, 2].map(() => texture(gl.RGBA32F, gl.RGBA, gl.FLOAT, lw, lh, null))];
      // Bilinear for the effects' low-res variant (the guided passes read it with texelFetch, unfiltered).
      gl.bindTexture(gl.TEXTURE_2D, lowTexs[0]);
      if (lowResDist) for (const f of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, f, gl.LINEAR);
      lowSize = `${lw}x${lh}`;
    }
    const lowTex = lowTexs[0];
    // The depth is uploaded once per depth map (a new picture on the same depth only reruns the passes).
    if (lowUploaded !== dist) {
      // NaN (no depth) is taken as the map's mean, as guidedCoefficients does (toDistance's maps have none).
      let mean = 0, cnt = 0;
      if (noNaN.has(dist)) cnt = dist.length;
      else for (let k = 0; k < dist.length; k++) if (dist[k] === dist[k]) { mean += dist[k]; cnt++; }
      const p = cnt === dist.length ? dist : dist.map((v) => (v === v ? v : cnt ? mean / cnt : 0));
      gl.bindTexture(gl.TEXTURE_2D, lowTex);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, lw, lh, gl.RED, gl.FLOAT, p);
      lowUploaded = dist;
    }
    return lowTex;
  };
  const guidedCoefficientsGpu = (dist: Float32Array, lw: number, lh: number): WebGLTexture => {
    const lowTex = uploadLow(dist, lw, lh);
    lap('depthUpload');
    const [, a, b, coef] = lowTexs;
    const prog = program('guided');
    gl.useProgram(prog);
    setUniforms(prog, [
      { name: 'u_size', kind: '2i', value: [W, H] },
      { name: 'u_lowSize', kind: '2i', value: [lw, lh] },
      { name: 'u_radius', kind: '1i', value: GUIDED_RADIUS },
      { name: 'u_eps', kind: '1f', value: GUIDED_EPS },
    ]);
    const steps: [WebGLTexture | undefined, WebGLTexture][] = [[undefined, a], [a, b], [b, a], [a, b], [b, coef]];
    steps.forEach(([input, target], step) => {
      setUniforms(prog, [{ name: 'u_step', kind: '1i', value: step }]);
      draw(prog, target, { frame: frameTex!, in: input, low: lowTex }, [lw, lh]);
    });
    return coef;
  };
  // The low-res preparation of each effect, exactly as export computes it: the cheap ones (fog's and
  // isolate's subject distance, refocus's focus) here; relight's maps and refocus's search radii as a job.
  const prepare = (effect: EffectId, params: ReturnType<typeof evaluateParams>, Kf: Intrinsics): { uniforms: Uniform[]; job?: PrepJob } => {
    const lw = low!.width, lh = low!.height;
    if (effect === 'relight') return { uniforms: [], job: { kind: 'relight', dist: low!.dist, width: lw, height: lh, K: Kf, nearRatio: nearRatioOf(range!), smoothing: params.smoothing as number, lights: lightsOf(params) } };
    if (effect === 'fog') return { uniforms: [{ name: 'u_start', kind: '1f', value: fogStart(params, low!) }] };
    if (effect === 'isolate') return { uniforms: [{ name: 'u_targetUsed', kind: '1f', value: isolateTarget(params, low!) }] };
    if (effect === 'refocus') {
      const focus = focusOf(params, low!);
      return { uniforms: [{ name: 'u_focusUsed', kind: '1f', value: focus }], job: { kind: 'refocus', dist: low!.dist, width: lw, height: lh, focus, params, W, H } };
    }
    return { uniforms: [] };
  };
  const heavyTextures = (r: PrepResult, lw: number, lh: number) => {
    const lowTex = (data: Float32Array, rgba = false) => texture(rgba ? gl.RGBA32F : gl.R32F, rgba ? gl.RGBA : gl.RED, gl.FLOAT, lw, lh, data);
    return { surface: r.normalVis ? lowTex(r.normalVis, true) : undefined, dirVis: r.dirVis ? lowTex(r.dirVis) : undefined, search: r.search ? lowTex(r.search) : undefined };
  };
  const keep = (key: string, prep: Prepared, heavy: boolean) => {
    // An edit dragging a slider makes a new key per step: only the last few stay.
    for (const [k, v] of prepared) {
      if (prepared.size < 8) break;
      prepared.delete(k);
      release(v);
    }
    prepared.set(key, prep);
    if (!heavy) return;
    const old = latestHeavy.get(key);
    latestHeavy.set(key, prep);
    if (old && old !== prep) release(old);
    // Stand-ins for parameters no longer drawn go too.
    for (const [k, v] of latestHeavy) {
      if (latestHeavy.size < 8) break;
      latestHeavy.delete(k);
      release(v);
    }
  };
  const { timings, begin, lap } = createGpuLaps(gl);

  const resize = (width: number, height: number) => {
    if (width === W && height === H) return;
    for (const t of [...ping, distTex, rgbTex]) if (t) gl.deleteTexture(t);
    W = width;
    H = height;
    ping = [0, 1].map(() => texture(gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, W, H, null));
    distTex = texture(gl.R32F, gl.RED, gl.FLOAT, W, H, null);
    rgbTex = texture(gl.RGB8, gl.RGB, gl.UNSIGNED_BYTE, W, H, null);
  };

  return {
    timings,
    setFrame(rgb, width, height) {
      begin();
      resize(width, height);
      frameTex = rgbTex;
      // The RGB rows as they are (no RGBA copy per frame), into the same texture every frame.
      gl.bindTexture(gl.TEXTURE_2D, frameTex);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, W, H, gl.RGB, gl.UNSIGNED_BYTE, rgb);
      lap('upload');
    },
    setFrameSource(source, width, height) {
      begin();
      resize(width, height);
      frameTex = pictures.upload(source, width, height);
      lap('upload');
    },
    setDepth(depth, lw, lh, r, guided = true) {
      if (!frameTex) throw new Error('setFrame before setDepth');
      range = r;
      begin();
      const rangeKey = JSON.stringify(r);
      if (!low || lowOf?.depth !== depth || lowOf.range !== rangeKey || low.width !== lw || low.height !== lh) {
        low = { dist: toDistance(depth, r), width: lw, height: lh };
        noNaN.add(low.dist);
        lowOf = { depth, range: rangeKey };
        forgetPrepared();
      }
      lap('distance');
      if (!guided && lowResDist) {
        lowDist = uploadLow(low.dist, lw, lh);
        lap('depthUpload');
        return;
      }
      lowDist = null;
      const coefTex = guidedCoefficientsGpu(low.dist, lw, lh);
      lap('coef');
      const p = program('upsample');
      gl.useProgram(p);
      setUniforms(p, [...frameUniforms(W, H, { fx: 1, fy: 1, cx: 0, cy: 0, width: W, height: H }, r, false), ...upsampleUniforms(low.dist, lw, lh)]);
      draw(p, distTex, { frame: frameTex, coef: coefTex });
      lap('upsample');
    },
    setDistance(dist, r) {
      range = r;
      lowDist = null;
      low = { dist: Float32Array.from(dist), width: W, height: H };
      lowOf = null;
      forgetPrepared();
      gl.bindTexture(gl.TEXTURE_2D, distTex);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, W, H, gl.RED, gl.FLOAT, dist);
    },
    render(stack, time, K, opts = {}) {
      if (!frameTex || !distTex || !range) throw new Error('setFrame and setDepth before render');
      const Kf = K.width === W && K.height === H ? K : scaleIntrinsics(K, W, H);
      begin();
      const passes = stack.filter((e) => e.enabled);
      // Nothing enabled: one identity fog pass (density 0) so the output path is always the same.
      const list = passes.length ? passes : [{ effect: 'fog' as const, enabled: true, params: { density: 0 }, keyframes: {} }];
      // Each pass's parameters and low-res preparation first: with `defer`, missing heavy ones stop the draw.
      const deferred: DeferredPrep[] = [];
      let blocked = false;
      const plans = list.map((inst) => {
        const params = evaluateParams(getEffectSpec(inst.effect)!.params, inst, time);
        // Relight's maps depend on the intrinsics relative to the picture, refocus's radii on its pixel size:
        // a quick picture and the exact frame of another width share relight's.
        const shape = inst.effect === 'refocus' ? `${W}x${H}` : inst.effect === 'relight' ? [Kf.fx / W, Kf.fy / H, Kf.cx / W, Kf.cy / H].map((v) => v.toFixed(6)).join() : '';
        const key = `${inst.effect}|${JSON.stringify(params)}|${shape}`;
        let prep = prepared.get(key);
        if (!prep) {
          const made = prepare(inst.effect, params, Kf);
          if (made.job && opts.defer) {
            deferred.push({ key, depthGen, job: made.job });
            prep = opts.stale ? latestHeavy.get(key) : undefined;
            if (!prep) blocked = true;
          } else {
            prep = { uniforms: made.uniforms, ...(made.job ? heavyTextures(runPrep(made.job), low!.width, low!.height) : {}) };
            keep(key, prep, !!made.job);
          }
        }
        return { inst, params, prep };
      });
      lap('prep');
      if (blocked) return { drawn: false, deferred };
      opts.beforeDraw?.();
      let input: WebGLTexture = frameTex;
      let pi = 0;
      plans.forEach(({ inst, params, prep }, n) => {
        const p = program(inst.effect, !!lowDist);
        gl.useProgram(p);
        const last = n === list.length - 1;
        const screen = last && !!opts.toScreen;
        setUniforms(p, [...frameUniforms(W, H, Kf, range!, screen), ...paramUniforms(inst.effect, params), { name: 'u_lowSize', kind: '2i', value: [low!.width, low!.height] }]);
        const target = screen ? null : ping[pi];
        setUniforms(p, prep!.uniforms);
        draw(p, target, { frame: input, dist: lowDist ?? distTex!, surface: prep!.surface, dirVis: prep!.dirVis, search: prep!.search });
        lap(inst.effect);
        if (target) {
          input = target;
          lastTarget = target;
          pi ^= 1;
        }
      });
      return { drawn: true, deferred };
    },
    supply(d, r) {
      const made = { uniforms: [] as Uniform[], ...heavyTextures(r, d.job.width, d.job.height) };
      const focus = d.job.kind === 'refocus' ? d.job.focus : null;
      if (focus !== null) made.uniforms = [{ name: 'u_focusUsed', kind: '1f', value: focus }];
      if (d.depthGen === depthGen && !prepared.has(d.key)) return keep(d.key, made, true);
      // For an earlier depth map (one worker answers in order: the newest so far): a stand-in only.
      const old = latestHeavy.get(d.key);
      latestHeavy.set(d.key, made);
      if (old) release(old);
    },
    readPixels() {
      if (!lastTarget) throw new Error('render off-screen before readPixels');
      gl.bindFramebuffer(gl.FRAMEBUFFER, fbo);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, lastTarget, 0);
      const a = new Uint8Array(W * H * 4);
      gl.readPixels(0, 0, W, H, gl.RGBA, gl.UNSIGNED_BYTE, a);
      const out = new Uint8Array(W * H * 3);
      for (let i = 0; i < W * H; i++) {
        out[i * 3] = a[i * 4];
        out[i * 3 + 1] = a[i * 4 + 1];
        out[i * 3 + 2] = a[i * 4 + 2];
      }
      return out;
    },
    dispose() {
      forgetPrepared();
      const stale = [...latestHeavy.values()];
      latestHeavy.clear();
      for (const v of stale) release(v);
      pictures.dispose();
      for (const t of [...ping, distTex, rgbTex, ...lowTexs, ...toDelete]) if (t) gl.deleteTexture(t);
      for (const p of programs.values()) gl.deleteProgram(p);
      gl.deleteFramebuffer(fbo);
      gl.deleteVertexArray(vao);
    },
  };
}
