import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/app/dispatch.ts';
import { createEngineApi } from '../../src-main/app/engine-api.ts';
import { exportSidecars } from '../../src-main/common/export-paths.ts';
import { createWriteGrants } from '../../src-main/app/write-grants.ts';
import { emptyProject } from '../../src-main/common/project/schema.ts';
import { clip } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';
import { jobFinished } from '../helpers/jobs.ts';

/**
 * What a compromised renderer could ask through the validated API: every write names a path the
 * user chose in a dialog, or it is refused and the file it named is untouched.
 */
const api = createEngineApi();
afterAll(() => api.dispose());

const finished = (jobId: string) => jobFinished(api, jobId);

describe('the renderer writes only where the user chose', () => {
  let dir: string;
  let victim: string;
  beforeAll(async () => {
    dir = await tempDir('gemdepth-grants-');
    victim = join(dir, 'bashrc');
    await writeFile(victim, 'export PATH=...\n');
  });

  it('saveProject over a file nobody chose is refused, and the file is untouched', async () => {
    const grants = createWriteGrants();
    const r = await dispatch(api, 'saveProject', { path: victim, doc: emptyProject() }, grants);
    expect(r).toMatchObject({ ok: false, error: { kind: 'user', message: /was not chosen in a dialog/ } });
    expect(await readFile(victim, 'utf8')).toBe('export PATH=...\n');
    // autosave beside it and deleting an autosave of a project nobody opened: refused too.
    expect(await dispatch(api, 'autosaveProject', { path: victim, doc: emptyProject() }, grants)).toMatchObject({ ok: false });
    await writeFile(join(dir, '.x.gdproj.autosave'), 'keep');
    expect(await dispatch(api, 'discardAutosave', { path: join(dir, '.x.gdproj.autosave') }, grants)).toMatchObject({ ok: false });
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['bashrc', '.x.gdproj.autosave']));
  });

  it('a path from the save dialog is granted (completed with .gdproj), and its autosave with it', async () => {
    const grants = createWriteGrants();
    const [p] = grants.fromDialog({ purpose: 'save-project' }, [join(dir, 'film')])!;
    expect(p).toBe(join(dir, 'film.gdproj'));
    expect(await dispatch(api, 'saveProject', { path: p, doc: emptyProject('Film') }, grants)).toMatchObject({ ok: true });
    expect(JSON.parse(await readFile(p, 'utf8')).name).toBe('Film');
    expect(await dispatch(api, 'autosaveProject', { path: p, doc: emptyProject('Film') }, grants)).toMatchObject({ ok: true });
    expect(await dispatch(api, 'discardAutosave', { path: join(dir, '.film.gdproj.autosave') }, grants)).toMatchObject({ ok: true, value: { removed: true } });
    // An import (open) dialog grants nothing.
    grants.fromDialog({ purpose: 'import' }, [victim]);
    expect(await dispatch(api, 'saveProject', { path: victim, doc: emptyProject() }, grants)).toMatchObject({ ok: false });
  });

  it('startExport writes only the chosen file and the passes named after it; a pass over the user\'s folder fails the job, folder intact', async () => {
    const grants = createWriteGrants();
    const input = clip('realshort.mp4');
    const notChosen = await dispatch(api, 'startExport', { input, out: join(dir, 'x.mp4'), effects: [{ effect: 'fog' }] }, grants);
    expect(notChosen).toMatchObject({ ok: false, error: { message: /was not chosen/ } });
    const [out] = grants.fromDialog({ purpose: 'export' }, [join(dir, 'cut.mp4')])!;
    const elsewhere = await dispatch(api, 'startExport', { input, out, effects: [{ effect: 'fog' }], depthPng: join(dir, 'somewhere') }, grants);
    expect(elsewhere).toMatchObject({ ok: false, error: { message: /somewhere was not chosen/ } });

    // The pass's derived name exists and holds the user's files: the job stops before writing anything.
    const cam = exportSidecars(out).cameraPath;
    await mkdir(cam);
    await writeFile(join(cam, 'mine.txt'), 'mine');
    const r = await dispatch(api, 'startExport', { input, out, effects: [{ effect: 'fog' }], cameraPath: cam, replace: true }, grants);
    expect(r.ok).toBe(true);
    const job = await finished((r as { value: { jobId: string } }).value.jobId);
    expect(job.state).toBe('error');
    expect(job.error).toMatch(/cut_camera is not empty and gemdepth did not write it/);
    expect(await readdir(cam)).toEqual(['mine.txt']);
    expect((await readdir(dir)).filter((f) => f.startsWith('cut') || f.includes('.partial'))).toEqual(['cut_camera']);
  }, 60_000);
});
