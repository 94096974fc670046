import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { runTool } from '../../src-main/engine/decode/run-tool.ts';
import { clip, REPO_ROOT } from '../helpers/shared.ts';
import { useFreshHost } from './fresh-host.ts';
import { canvasGrid, clickFrame, drawSeq, importClips, meanAbsDiff, nonBackgroundPixels, tid, waitDrawn, waitExact } from './ui.ts';

/**
 * The whole user loop in the built renderer, in headless Chromium, driven by the REAL engine through
 * the same typed API the Electron preload exposes: import, analyse, scrub, fog with keyframes, 3D, export,
 * save, reload, reopen. Screenshots of each view go to test-artifacts/app/.
 */
const ART = join(REPO_ROOT, 'test-artifacts', 'app');
const FRAMES = 36;
const fresh = useFreshHost('gd-e2e-');

const shot = (name: string) => fresh.host().page.screenshot({ path: join(ART, `${name}.png`) });

describe('renderer end to end against the real engine', () => {
  it('imports, analyses, keyframes fog, shows 3D, exports, saves and reopens', async () => {
    const host = fresh.host();
    const tmp = fresh.tmp();
    await mkdir(ART, { recursive: true });
    const page = host.page;
    const input = clip('realshort.mp4');

    // Import through the File dialog (answered by the test, the one native part the host cannot show).
    await importClips(host, [input]);
    await page.waitForSelector(`${tid('clip-item')} img`);
    await expect(page.textContent(tid('media-bin'))).resolves.toContain('320×240');

    // Analyse: progress reaches the jobs panel and the clip, then depth is available.
    await page.click(tid('analyse'));
    await page.waitForSelector(`${tid('job')}[data-kind="analysis"]`);
    await page.waitForSelector(`${tid('job')}[data-kind="analysis"][data-state="done"]`, { timeout: 150_000 });
    await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓")`);

    // Settings show the depth cache; clearing it keeps the open clip's analysis (its depth is on screen).
    await page.click(tid('open-settings'));
    await page.waitForSelector(`${tid('cache-info')}:has-text("1 analysis")`);
    await expect(page.textContent(tid('cache-info'))).resolves.toContain(join(tmp, 'cache'));
    await page.click(tid('clear-cache'));
    await page.waitForSelector(`${tid('cache-note')}:has-text("Removed 0 analyses")`);
    await expect(page.textContent(tid('cache-info'))).resolves.toMatch(/^1 analysis, [0-9.]+ GB of 20\.00 GB/);
    // The imported clip's playback proxy is counted, and kept by the clear (the viewer may be playing it).
    await expect(page.textContent(tid('cache-info'))).resolves.toContain('1 playback proxy, ');
    await shot('settings-cache');
    // Other geometry settings name another analysis (none yet); back to the defaults, the clip's is found again.
    const status = tid('analysis-status');
    await page.uncheck(tid('fusion-toggle'));
    await page.waitForSelector(`${status}:not(:has-text("depth ✓"))`);
    await page.check(tid('fusion-toggle'));
    await page.waitForSelector(`${status}:has-text("depth ✓")`);
    await page.fill(tid('fov-input'), '40');
    await page.waitForSelector(`${status}:not(:has-text("depth ✓"))`);
    await page.fill(tid('fov-input'), '');
    await page.waitForSelector(`${status}:has-text("depth ✓")`);
    await page.click(`${tid('settings')} >> text=Close`);

    // Scrub to frame 20 on the timeline.
    await clickFrame(page, 20, FRAMES);
    const seq0 = await drawSeq(page);
    await waitDrawn(page, 20, seq0 - 1);

    // Add fog; keyframe density 0 at frame 20 and 8 at frame 30.
    await page.selectOption(tid('effect-add-select'), 'fog');
    await page.click(tid('effect-add'));
    await page.waitForSelector('[data-param="density"]');
    await page.fill(tid('num-density'), '0');
    await page.click(tid('key-density'));
    await clickFrame(page, 30, FRAMES);
    await page.click(tid('key-density'));
    await page.fill(tid('num-density'), '8');
    await page.waitForSelector(`${tid('keyframe-marker')} >> nth=1`);
    expect(await page.locator(tid('keyframe-marker')).count()).toBe(2);
    // Halfway between the keys the evaluated value is halfway (linear keys).
    await clickFrame(page, 25, FRAMES);
    expect(Number(await page.inputValue(tid('num-density')))).toBeCloseTo(4, 1);

    // The preview applies the keyframed fog: compare each key frame with fog on and off.
    const fogEffect = async (frame: number) => {
      await clickFrame(page, frame, FRAMES);
      let s = await drawSeq(page);
      await waitDrawn(page, frame, s - 1);
      // The engine's exact picture (a quick one from the browser's decoder may come first).
      await waitExact(page, frame);
      const on = await canvasGrid(page, tid('preview-canvas'));
      await shot(`composite-frame${frame}`);
      s = await drawSeq(page);
      await page.locator(`${tid('effect-item')} input[type=checkbox]`).uncheck();
      await waitDrawn(page, frame, s);
      const off = await canvasGrid(page, tid('preview-canvas'));
      s = await drawSeq(page);
      await page.locator(`${tid('effect-item')} input[type=checkbox]`).check();
      await waitDrawn(page, frame, s);
      return meanAbsDiff(on, off);
    };
    const at20 = await fogEffect(20);
    const at30 = await fogEffect(30);
    expect(at20).toBeLessThan(1.5);
    expect(at30).toBeGreaterThan(8);

    // Depth and split views draw too.
    await page.click(tid('mode-depth'));
    await page.waitForTimeout(300);
    await shot('depth');
    await page.click(tid('mode-split'));
    await page.waitForTimeout(300);
    await shot('split');

    // 3D: the point cloud of the current frame in world space, drawn by three.js.
    await page.click(tid('mode-3d'));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="scene-view"]')?.getAttribute('data-points')) > 1000, undefined, { timeout: 60_000 });
    await page.waitForTimeout(500);
    const drawn = await nonBackgroundPixels(page, `${tid('scene-view')} canvas`, [0x10, 0x12, 0x16]);
    expect(drawn).toBeGreaterThan(2000);
    await shot('scene-3d');
    await page.click(tid('mode-composite'));

    // Export with the export engine; the file is checked with ffprobe.
    const out = join(tmp, 'export.mp4');
    await page.click(tid('open-export'));
    await page.fill(tid('export-out'), out);
    await shot('export-dialog');
    // Export asks where to write in the save dialog (the only paths the engine may write for the app).
    host.answerDialog([out]);
    await page.click(tid('export-start'));
    await page.waitForSelector(`${tid('job')}[data-kind="export"][data-state="done"]`, { timeout: 150_000 });
    await shot('jobs-done');
    const { ffprobe } = resolveFfmpeg();
    const probe = await runTool(ffprobe!, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', out]);
    const st = JSON.parse(probe.stdout).streams[0];
    expect(st).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(Number(st.nb_read_frames)).toBe(FRAMES);

    // Save (Ctrl+S asks for a path the first time), reload the page, reopen: the same edits are back.
    const proj = join(tmp, 'desk.gdproj');
    host.answerDialog([proj]);
    await page.keyboard.press('Control+s');
    await page.waitForSelector(`${tid('project-title')}:not(:has-text("•")):not(:has-text("unsaved"))`);
    expect(host.dirty()).toBe(false);
    await page.reload();
    await page.waitForSelector(tid('app-ready'));
    expect(await page.locator(tid('clip-item')).count()).toBe(0);
    host.answerDialog([proj]);
    await page.click(tid('open-project'));
    await page.waitForSelector(`${tid('clip-item')} >> text=realshort.mp4`);
    await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓")`);
    expect(await page.locator(tid('keyframe-marker')).count()).toBe(2);
    await page.click(tid('effect-item'));
    await clickFrame(page, 20, FRAMES);
    expect(Number(await page.inputValue(tid('num-density')))).toBeCloseTo(0, 3);
    await clickFrame(page, 30, FRAMES);
    expect(Number(await page.inputValue(tid('num-density')))).toBeCloseTo(8, 3);
    const s = await drawSeq(page);
    await waitDrawn(page, 30, s - 1);
    await shot('reopened');

    // Undo/redo work on the reopened document (every edit is undoable).
    await page.fill(tid('num-density'), '2');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    expect(Number(await page.inputValue(tid('num-density')))).toBeCloseTo(8, 3);
    await page.keyboard.press('Control+Shift+z');
    expect(Number(await page.inputValue(tid('num-density')))).toBeCloseTo(2, 3);

    // Editor keys: arrows step, I/O set in/out (undoable), space plays to the out point.
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`${tid('frame-number')}:text-is("29")`);
    await page.keyboard.press('i');
    await page.waitForSelector('text=in 29 · out 35');
    await page.keyboard.press('Control+z');
    await page.waitForSelector('text=in 0 · out 35');
    await page.keyboard.press(' ');
    await page.waitForSelector(`${tid('frame-number')}:text-is("35")`, { timeout: 20_000 });
    await page.keyboard.press('k');

    // Click-to-focus: with Refocus in the stack, a click on the picture sets its focus distance there.
    await page.selectOption(tid('effect-add-select'), 'refocus');
    await page.click(tid('effect-add'));
    await page.waitForSelector('[data-param="focus"]');
    const before = Number(await page.inputValue(tid('num-focus')));
    const box = (await page.locator(tid('preview-canvas')).boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.85);
    await page.waitForSelector('text=Focus set to distance');
    const after = Number(await page.inputValue(tid('num-focus')));
    expect(after).toBeGreaterThanOrEqual(0);
    expect(after).toBeLessThanOrEqual(1);
    expect(after).not.toBe(before);

    expect(host.consoleErrors).toEqual([]);
  }, 300_000);
});
