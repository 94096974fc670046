import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
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
