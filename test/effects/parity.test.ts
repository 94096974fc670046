import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStack, parseEffectSpec, prepareDepth } from '../../src-main/engine/effects/index.ts';
import type { ShaderSources } from '../../src-main/common/effects/glsl/uniforms.ts';
import { psnr, realFrame, type RealFrame } from './fixture.ts';
import { b64, launchSwiftShader, rendererBundle } from './renderer-page.ts';

let browser: Browser;
let bundle: string;
let sources: ShaderSources;
let real: RealFrame;

beforeAll(async () => {
  // The preview renderer exactly as the app ships it, bundled for the page.
  ({ bundle, sources } = await rendererBundle());
  real = await realFrame('cockatoo.mp4', 0, { width: 640, height: 360 });
  browser = await launchSwiftShader();
});

afterAll(async () => {
  await browser?.close();
});

/** Renders the stack in headless Chromium's WebGL2 from the same frame and low-res depth. */
async function gpuRender(specs: string[]): Promise<Uint8Array> {
  const page = await browser.newPage();
  try {
    await page.setContent('<canvas id="c"></canvas>');
    await page.addScriptTag({ content: bundle });
    const { frame, depth, range, K } = real;
    const stack = specs.map((s) => parseEffectSpec(s));
    const res = await page.evaluate(
      (a) => {
        const dec = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
        const canvas = document.getElementById('c') as HTMLCanvasElement;
        canvas.width = a.W;
        canvas.height = a.H;
        const gl = canvas.getContext('webgl2');
        if (!gl) throw new Error('no WebGL2');
        const r = (globalThis as any).GD.createEffectRenderer(gl, a.sources);
        r.setFrame(dec(a.rgb), a.W, a.H);
        r.setDepth(new Float32Array(dec(a.depth).buffer), a.lw, a.lh, a.range);
        r.render(a.stack, 0, a.K);
        const px: Uint8Array = r.readPixels();
        let s = '';
        for (let i = 0; i < px.length; i += 0x8000) s += String.fromCharCode(...px.subarray(i, i + 0x8000));
        return btoa(s);
      },
      { rgb: b64(frame.data), W: frame.width, H: frame.height, depth: b64(depth.data), lw: depth.width, lh: depth.height, range, K, stack, sources },
    );
    return new Uint8Array(Buffer.from(res, 'base64'));
  } finally {
    await page.close();
  }
}

describe('CPU kernels and GLSL shaders agree (real frame, real depth)', () => {
  const cases: [string, string[]][] = [
    ['fog', ['fog:density=2,start=0.05,color=#b0c4de']],
    ['fog with height', ['fog:density=3,heightFog=true,heightLevel=-0.1,heightFalloff=6']],
    ['refocus', ['refocus:autoFocus=false,focus=0.15,aperture=10,maxBlur=1.5']],
    ['refocus defaults (subject focus)', ['refocus']],
    ['refocus bokeh blades + highlights', ['refocus:autoFocus=false,focus=0.05,aperture=30,maxBlur=3,blades=6,rotation=20,highlightGain=8,highlightThreshold=0.6']],
    ['relight', ['relight:pointIntensity=2,dirIntensity=0.6,ambient=0.3']],
    ['relight defaults (shadows)', ['relight']],
    ['relight spot + directional shadows', ['relight:spotAngle=50,spotSoftness=0.5,pointIntensity=3,dirIntensity=1,dirDirection=-1;0.5;0.4,shadows=1,shadowSoftness=0.05,smoothing=1']],
    ['isolate defaults (subject target, grade outside)', ['isolate']],
    ['isolate blur inside, soft band', ['isolate:autoTarget=false,target=0.5,tolerance=0.1,softness=0.3,region=inside,blur=2,exposure=0.5,saturation=1.4,tint=#ffb080,tintAmount=0.5']],
    ['isolate mask', ['isolate:showMask=true']],
    ['stack', ['relight', 'refocus:focus=0.3', 'fog:density=1']],
    ['stack with isolate', ['isolate:blur=1', 'fog:density=1']],
  ];
  for (const [name, specs] of cases) {
    it(`${name}: PSNR >= 35 dB`, async () => {
      const cpuPrep = prepareDepth(real.depth, real.frame, real.range);
      const cpu = applyStack(real.frame, cpuPrep, real.K, specs.map((s) => parseEffectSpec(s)), 0);
      const gpu = await gpuRender(specs);
      const p = psnr(cpu, gpu);
      // The effect must actually change the picture, or agreement proves nothing.
      expect(psnr(cpu, real.frame.data)).toBeLessThan(40);
      console.log(`parity ${name}: ${p.toFixed(1)} dB`);
      expect(p).toBeGreaterThanOrEqual(35);
    });
  }
});
