import { copyFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyProject } from '../../src-main/common/project/schema.ts';
import { clip } from '../helpers/shared.ts';
import { useFreshHost } from './fresh-host.ts';
import { tid } from './ui.ts';

/** A project whose media was moved: reported on open, relinked with one click, nothing lost. */
const fresh = useFreshHost('gd-relink-');

describe('moved media', () => {
  it('is reported when the project opens and relinked to the file found beside it', async () => {
    // A project made with the engine API (the same calls the app makes), then the clip is moved.
    const [host, tmp] = [fresh.host(), fresh.tmp()];
    const media = join(tmp, 'desk.mp4');
    await copyFile(clip('realshort.mp4'), media);
    const { clip: c } = await host.api.importMedia({ path: media });
    const proj = join(tmp, 'moved.gdproj');
    await host.api.saveProject({ path: proj, doc: { ...emptyProject('Moved'), clips: [{ ...c, effects: [{ effect: 'fog', enabled: true, params: { density: 2 }, keyframes: {} }] }] } });
    await mkdir(join(tmp, 'media'));
    await rename(media, join(tmp, 'media', 'desk.mp4'));

    const page = host.page;
    host.answerDialog([proj]);
    await page.click(tid('open-project'));
    const item = page.locator(tid('clip-item'));
    await item.locator('text=media missing').waitFor();
    expect(await item.textContent()).toContain(media);
    await item.locator('button:has-text("Use found file")').click();
    await item.locator('img').waitFor();
    expect(await item.textContent()).not.toContain('media missing');
    // The edit survives the relink, and the relink itself is an undoable, unsaved change.
    expect(await page.locator(tid('effect-item')).count()).toBe(1);
    await expect(page.textContent(tid('project-title'))).resolves.toContain('•');
  }, 120_000);
});
