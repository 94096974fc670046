import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SHADER_FILES, type ShaderSources } from '../../src-main/common/effects/glsl/uniforms.ts';
import type { EffectStack } from '../../src-main/common/effects/types.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import type { RealFrame } from './fixture.ts';

/** What the shader tests load into a page: the preview renderer as the app ships it, and the GLSL it compiles. */
const GLSL_DIR = join(REPO_ROOT, 'src-main/common/effects/glsl');

export const b64 = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

/** effect-renderer.ts bundled for the page (global `GD`) and the shader sources by name. */
export async function rendererBundle(): Promise<{ bundle: string; sources: ShaderSources }> {
  const out = await build({ entryPoints: [join(REPO_ROOT, 'src-renderer/preview/effect-renderer.ts')], bundle: true, format: 'iife', globalName: 'GD', write: false, platform: 'browser' });
  const sources = Object.fromEntries(Object.entries(SHADER_FILES).map(([k, f]) => [k, readFileSync(join(GLSL_DIR, f), 'utf8')])) as ShaderSources;
  return { bundle: out.outputFiles[0].text, sources };
}

/** Debian's Chromium with software WebGL2 (SwiftShader), plus any extra flags a test needs. */
export function launchSwiftShader(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', ...extraArgs],
  });
}

/**
 * A page with one canvas (#c) and `script` loaded, plus `gdCodec` for moving pixels across page.evaluate:
 * dec (base64 to bytes) and enc (bytes to base64).
 */
export async function rendererPage(browser: Browser, script: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setContent('<canvas id="c"></canvas>');
  await page.addScriptTag({ content: script });
  await page.addScriptTag({
    content: `globalThis.gdCodec = {
  dec: (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)),
  enc: (px) => { let s = ''; for (let i = 0; i < px.length; i += 0x8000) s += String.fromCharCode(...px.subarray(i, i + 0x8000)); return btoa(s); },
};`,
  });
  return page;
}

/**
 * The GL preview's pictures (RGB, rows top first) of each stack on a real frame and its low-res depth, once
 * for each `guided` asked (the guided filter's passes, or the low-res distance read by the effects):
 * result[stack][k] for guided[k].
 */
export async function glPictures(browser: Browser, bundle: string, real: RealFrame, stacks: EffectStack[], guided: boolean[]): Promise<Uint8Array[][]> {
  const { frame, depth, range, K } = real;
  const page = await rendererPage(browser, bundle);
  try {
    const res = await page.evaluate(
      (a) => {
        const { dec, enc } = (globalThis as any).gdCodec as { dec: (s: string) => Uint8Array; enc: (px: Uint8Array) => string };
        const GD = (globalThis as any).GD;
        const gl = (document.getElementById('c') as HTMLCanvasElement).getContext('webgl2')!;
        const rgb = dec(a.rgb);
        const d = new Float32Array(dec(a.depth).buffer);
        const r = GD.createEffectRenderer(gl, GD.sources);
        return a.stacks.map((stack) =>
          a.guided.map((g) => {
            r.setFrame(rgb, a.W, a.H);
            r.setDepth(d, a.lw, a.lh, a.range, g);
            r.render(stack, 0, a.K);
            return enc(r.readPixels() as Uint8Array);
          }),
        );
      },
      { rgb: b64(frame.data), W: frame.width, H: frame.height, depth: b64(depth.data), lw: depth.width, lh: depth.height, range, K, guided, stacks },
    );
    return res.map((s) => s.map((p) => new Uint8Array(Buffer.from(p, 'base64'))));
  } finally {
    await page.close();
  }
}
