import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clip, REPO_ROOT } from '../helpers/shared.ts';
import { ffprobeJson } from '../helpers/tools.ts';
import { useFreshHost } from './fresh-host.ts';
import { importClips, tid } from './ui.ts';

/**
 * The sequence timeline in the built renderer, in headless Chromium, against the real engine: a cut of
 * three clips built by dragging from the media bin, trimmed, split, moved and ripple-deleted, each edit
 * undone and redone, played across a cut, and exported. Screenshots: docs/screenshots/timeline-*.png.
 */
const SHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const fresh = useFreshHost('gd-seq-e2e-', { viewport: { width: 1440, height: 1000 } });

type Inst = { name: string; start: number; end: number; in: number; out: number };

describe('sequence timeline end to end against the real engine', () => {
  it('builds a three-clip cut by drag, trim, split, move and ripple-delete, undoes and redoes each, plays across a cut, exports', async () => {
    const host = fresh.host();
    const page = host.page;
    await mkdir(SHOTS, { recursive: true });
    const insts = (): Promise<Inst[]> =>
      page.$$eval('[data-testid="seq-inst"]', (els) =>
        els.map((e) => {
          const d = (e as HTMLElement).dataset;
          return { name: e.textContent ?? '', start: Number(d.start), end: Number(d.end), in: Number(d.in), out: Number(d.out) };
        }),
      );
    const layout = async () => (await insts()).map((i) => [i.name.split(' ')[0], i.in, i.out, i.start, i.end]);
    const lane = async () => (await page.locator(tid('seq-track')).boundingBox())!;
    const ppf = 4; // the sequence's default zoom, pixels per frame
    const xOf = async (frame: number) => (await lane()).x + frame * ppf;
    const yMid = async () => (await lane()).y + (await lane()).height / 2;
    const dropClip = async (name: string, frame: number) => {
      const box = await lane();
      await page.dragAndDrop(`${tid('clip-item')}:has-text("${name}")`, tid('seq-track'), { targetPosition: { x: frame * ppf + 1, y: box.height / 2 } });
    };
    const dragX = async (x0: number, x1: number) => {
      const y = await yMid();
      await page.mouse.move(x0, y);
      await page.mouse.down();
      await page.mouse.move((x0 + x1) / 2, y, { steps: 3 });
      await page.mouse.move(x1, y, { steps: 3 });
      await page.mouse.up();
    };
    const undoRedo = async (before: unknown, after: unknown) => {
      await page.keyboard.press('Control+z');
      expect(await layout()).toEqual(before);
      await page.keyboard.press('Control+Shift+z');
      expect(await layout()).toEqual(after);
    };

    await importClips(host, [clip('cockatoo.mp4'), clip('realshort.mp4')]);

    // 1. Drag the bird onto the empty track: the sequence takes its size and rate.
    await dropClip('cockatoo.mp4', 0);
    await page.waitForSelector(tid('seq-inst'));
    expect(await layout()).toEqual([['cockatoo.mp4', 0, 279, 0, 280]]);
    await expect(page.textContent(tid('seq-settings'))).resolves.toContain('1280×720 · 20.00 fps');
    const l1 = await layout();

    // 2. Trim its out edge to frame 60 (non-ripple).
    const out0 = (await page.locator(tid('trim-out')).boundingBox())!;
    await dragX(out0.x + out0.width / 2, out0.x + out0.width / 2 - 220 * ppf);
    const l2 = await layout();
    expect(l2).toEqual([['cockatoo.mp4', 0, 59, 0, 60]]);
    await undoRedo(l1, l2);

    // 3. Drag realshort after it (snaps to the cut), then the bird again after a gap.
    await dropClip('realshort.mp4', 61);
    const l3 = await layout();
    // 36 frames at 30.02 fps fill 24 frames at 20 fps.
    expect(l3).toEqual([['cockatoo.mp4', 0, 59, 0, 60], ['realshort.mp4', 0, 35, 60, 84]]);
    await dropClip('cockatoo.mp4', 100);
    const l4 = await layout();
    expect(l4[2]).toEqual(['cockatoo.mp4', 0, 279, 100, 380]);
    await undoRedo(l3, l4);

    // 4. Split the first clip at frame 30 (S), move its second half 60 frames later, into the gap before
    // the third clip: it does not fit, so what follows is pushed right.
    await page.mouse.click(await xOf(30), (await page.locator(tid('seq-ruler')).boundingBox())!.y + 5);
    await page.waitForSelector(`${tid('seq-frame')}:text-is("30")`);
    await page.keyboard.press('s');
    const l5 = await layout();
    expect(l5.slice(0, 2)).toEqual([['cockatoo.mp4', 0, 29, 0, 30], ['cockatoo.mp4', 30, 59, 30, 60]]);
    await undoRedo(l4, l5);
    await dragX(await xOf(45), await xOf(45 + 60));
    const l6 = await layout();
    expect(l6).toEqual([
      ['cockatoo.mp4', 0, 29, 0, 30],
      ['realshort.mp4', 0, 35, 60, 84],
      ['cockatoo.mp4', 30, 59, 90, 120],
      ['cockatoo.mp4', 0, 279, 120, 400],
    ]);
    await undoRedo(l5, l6);

    // 5. Ripple trim: the last clip's in edge to 10 frames later (ripple on: its start stays, no gap grows).
    await page.check(tid('seq-ripple'));
    const in3 = (await page.locator(tid('trim-in')).nth(3).boundingBox())!;
    await dragX(in3.x + in3.width / 2, in3.x + in3.width / 2 + 10 * ppf);
    const l7 = await layout();
    expect(l7[3]).toEqual(['cockatoo.mp4', 10, 279, 120, 390]);
    await undoRedo(l6, l7);

    // 6. Ripple-delete the moved half: what follows closes up.
    await page.locator(tid('seq-inst')).nth(2).click();
    await page.click(tid('seq-ripple-delete'));
    const l8 = await layout();
    expect(l8).toEqual([['cockatoo.mp4', 0, 29, 0, 30], ['realshort.mp4', 0, 35, 60, 84], ['cockatoo.mp4', 10, 279, 90, 360]]);
    await undoRedo(l7, l8);
    // The inspector edits the clip under the playhead: fog goes on the last instance only, not on its
    // media-bin clip, and undo takes it off again.
    await page.mouse.click(await xOf(200), (await page.locator(tid('seq-ruler')).boundingBox())!.y + 5);
    await page.selectOption(tid('effect-add-select'), 'fog');
    await page.click(tid('effect-add'));
    const fx = async () => (await insts()).map((i) => / fx$/.test(i.name));
    expect(await fx()).toEqual([false, false, true]);
    await page.mouse.click(await xOf(10), (await page.locator(tid('seq-ruler')).boundingBox())!.y + 5);
    await expect(page.locator(tid('effect-item')).count()).resolves.toBe(0);
    await page.keyboard.press('Control+z');
    expect(await fx()).toEqual([false, false, false]);
    // realshort's sound shows as a waveform under its clip (cockatoo's track is silent: flat).
    await page.waitForSelector(tid('seq-wave'));
    await page.keyboard.press('m');
    await page.waitForSelector(tid('seq-marker'));
    await page.locator(tid('sequence')).screenshot({ path: join(SHOTS, 'timeline-three-clip-cut.png') });

    // 7. Play across the cut at frame 60: the viewer shows realshort's frames, picked by time.
    await page.mouse.click(await xOf(56), (await page.locator(tid('seq-ruler')).boundingBox())!.y + 5);
    await page.waitForSelector(`${tid('seq-frame')}:text-is("56")`);
    await page.click(tid('seq-play'));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="seq-frame"]')?.textContent) >= 66, null, { timeout: 20_000 });
    await page.click(tid('seq-play'));
    const at = Number(await page.textContent(tid('seq-frame')));
    expect(at).toBeLessThan(84);
    await page.waitForSelector(`${tid('clip-item')}.selected >> text=realshort.mp4`);
    // Sequence frame 60 + k shows realshort's frame at time k / 20 s: index floor(k * 1.5009 + 0.25).
    const k = at - 60;
    await page.waitForSelector(`${tid('frame-number')}:text-is("${Math.floor((k / 20) * (45000 / 1499) + 0.25)}")`);
    await page.screenshot({ path: join(SHOTS, 'timeline-app.png') });

    // 8. Export the cut.
    const out = join(fresh.tmp(), 'cut.mp4');
    host.answerDialog([out]);
    await page.click(tid('seq-export'));
    await page.waitForSelector(`${tid('job')}[data-kind="export"][data-state="done"]`, { timeout: 300_000 });
    const meta = await ffprobeJson(out, ['-count_packets', '-show_streams']);
    const v = meta.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    expect([v.width, v.height, Number(v.nb_read_packets)]).toEqual([1280, 720, 360]);
    expect(meta.streams.some((s: { codec_type: string }) => s.codec_type === 'audio')).toBe(true);
    expect(host.consoleErrors).toEqual([]);
  }, 600_000);
});
