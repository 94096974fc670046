import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportSidecars } from '../../src-main/common/export-paths.ts';
import { decodeDepthExr } from '../../src-main/engine/encode/depth-exr.ts';
import { encodeNpy } from '../../src-main/engine/encode/npy.ts';
import { clip, REPO_ROOT } from '../helpers/shared.ts';
import { useFreshHost } from './fresh-host.ts';
import { clickFrame, importClips, tid } from './ui.ts';

/**
 * The renderer in headless Chromium against the real engine: a depth pass imported for a clip through
 * "Import depth…" (a mismatched one refused in one line), then served as the clip's depth; keyframes eased
 * from the inspector change the interpolated value; the export dialog's EXR pass writes that depth back.
 * Screenshots: docs/screenshots/depth-import.png, inspector-easing.png, export-dialog-exr.png.
 */
const SHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const fresh = useFreshHost('gd-depth-ease-e2e-', { viewport: { width: 1440, height: 1000 } });
const W = 320, H = 240, FRAMES = 36;
const truth = (k: number) => Float32Array.from({ length: W * H }, (_, i) => 1 + (3 * (i % W)) / W + 0.02 * k);

async function npyPass(dir: string, frames: number) {
  await mkdir(dir, { recursive: true });
  for (let k = 0; k < frames; k++) await writeFile(join(dir, `d_${String(k).padStart(4, '0')}.npy`), encodeNpy(truth(k), [H, W]));
}

describe('depth import and keyframe easing in the app', () => {
  it('imports a depth pass for a clip (refusing a mismatched one), then eases a keyframe', async () => {
    const host = fresh.host();
    const page = host.page;
    await mkdir(SHOTS, { recursive: true });
    const input = clip('realshort.mp4');
    await importClips(host, [input]);
    await page.click(`${tid('clip-item')} >> text=realshort.mp4`);

    // A pass with too few frames: refused at once, in one line, and the clip keeps the model's depth.
    const bad = join(fresh.tmp(), 'bad-pass');
    await npyPass(bad, 10);
    await page.selectOption(tid('depth-import-unit'), 'metric');
    host.answerDialog([bad]);
    await page.click(tid('depth-import-button'));
    const err = await page.waitForSelector(`${tid('notice-error')}:has-text("has 10 frames")`);
    expect(await err.textContent()).toMatch(/has 10 frames but the clip .*realshort\.mp4 has 36/);
    expect(await page.isVisible(tid('depth-import-button'))).toBe(true);

    // A good one: imported as the clip's analysis; the engine serves exactly that depth.
    const good = join(fresh.tmp(), 'good-pass');
    await npyPass(good, FRAMES);
    host.answerDialog([good]);
    await page.click(tid('depth-import-button'));
    await page.waitForSelector(`${tid('depth-import')}:has-text("depth imported from")`);
    // The import also estimates the camera from the footage with the pass (import-camera.ts).
    await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓ (36 fr")`, { timeout: 180_000 });
    const maxErr = await page.evaluate(
      async ([path, from]) => {
        const d = await (window as any).gemdepth.getDepth({ path, index: 7, geometry: { fusion: true, depthFrom: from, depthUnit: 'metric' } });
        let m = 0;
        for (let i = 0; i < d.data.length; i++) m = Math.max(m, Math.abs(d.data[i] - (1 + (3 * (i % 320)) / 320 + 0.02 * 7)));
        return [d.width, d.height, d.kind, m];
      },
      [input, good] as const,
    );
    expect(maxErr.slice(0, 3)).toEqual([W, H, 'metric']);
    expect(maxErr[3]).toBeLessThan(1e-3);
    await page.screenshot({ path: join(SHOTS, 'depth-import.png') });

    // Easing: exposure of a depth isolate keyed -2 at frame 10 and 0 at frame 30; at frame 20 linear gives -1.
    await page.selectOption(tid('effect-add-select'), 'isolate');
    await page.click(tid('effect-add'));
    await page.waitForSelector('[data-param="exposure"]');
    await clickFrame(page, 10, FRAMES);
    await page.fill(tid('num-exposure'), '-2');
    await page.click(tid('key-exposure'));
    await clickFrame(page, 30, FRAMES);
    await page.click(tid('key-exposure'));
    await page.fill(tid('num-exposure'), '0');
    const at20 = async () => {
      await clickFrame(page, 20, FRAMES);
      return Number(await page.inputValue(tid('num-exposure')));
    };
    expect(await at20()).toBeCloseTo(-1, 3);
    // The ease control belongs to the key at the playhead that has a next key.
    expect(await page.isVisible(tid('ease-exposure'))).toBe(false);
    for (const [ease, expected] of [['ease-in', -1.5], ['ease-out', -0.5], ['ease-in-out', -1], ['hold', -2]] as const) {
      await clickFrame(page, 10, FRAMES);
      await page.selectOption(tid('ease-exposure'), ease);
      if (ease === 'ease-in') await page.screenshot({ path: join(SHOTS, 'inspector-easing.png') });
      expect(await at20()).toBeCloseTo(expected, 3);
    }

    // Export with the EXR depth pass: the imported depth comes out at the clip's size as 32-bit floats.
    await page.click(tid('open-export'));
    await page.click(`${tid('export-dialog')} >> text=Depth as 32-bit float EXR sequence`);
    await page.screenshot({ path: join(SHOTS, 'export-dialog-exr.png') });
    const out = join(fresh.tmp(), 'iso.mp4');
    host.answerDialog([out]);
    await page.click(tid('export-start'));
    await page.waitForSelector(`${tid('job')}[data-kind="export"][data-state="done"]`, { timeout: 120_000 });
    const exrDir = exportSidecars(out).depthExr;
    const frames = (await readdir(exrDir)).filter((f) => f.endsWith('.exr')).sort();
    expect(frames).toHaveLength(FRAMES);
    const d = decodeDepthExr(await readFile(join(exrDir, frames[7])));
    expect([d.width, d.height]).toEqual([W, H]);
    const t = truth(7);
    let m = 0;
    for (let i = 0; i < t.length; i++) m = Math.max(m, Math.abs(d.data[i] - t[i]));
    expect(m).toBeLessThan(1e-3);
  }, 300_000);
});
