import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SHADER_FILES, type ShaderSources } from '../../src-main/common/effects/glsl/uniforms.ts';
import { REPO_ROOT } from '../helpers/shared.ts';

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
