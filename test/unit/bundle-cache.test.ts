import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { cachedBundleSync } from '../../src-main/util/bundle-cache.ts';
import { tempDir } from '../helpers/tools.ts';

/** Workers' bundles are kept between processes: served only while every source that went in is unchanged. */
describe('cachedBundleSync', () => {
  const plain = (entry: string) => buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent' }).outputFiles[0].text;
  const old = (path: string, text: string, secondsAgo: number) => {
    writeFileSync(path, text);
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(path, t, t);
  };

  it('serves what esbuild builds, and builds again when an imported source changes', async () => {
    const dir = await tempDir('gemdepth-bundle-');
    const entry = join(dir, 'entry.ts'), dep = join(dir, 'dep.ts');
    old(entry, "import { v } from './dep.ts';\nconsole.log(v);\n", 60);
    old(dep, 'export const v: number = 1;\n', 60);
    const first = cachedBundleSync(entry);
    expect(first).toBe(plain(entry));
    expect(cachedBundleSync(entry), 'from the stored copy').toBe(first);
    // Same size, another modification time: built again.
    old(dep, 'export const v: number = 2;\n', 30);
    const second = cachedBundleSync(entry);
    expect(second).toContain('= 2');
    expect(second).toBe(plain(entry));
    // A source edited just now is not stored; still the new text.
    writeFileSync(dep, 'export const v: number = 3;\n');
    expect(cachedBundleSync(entry)).toContain('= 3');
    expect(cachedBundleSync(entry)).toContain('= 3');
  });
});
