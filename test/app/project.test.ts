import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkMedia,
  emptyProject,
  fingerprintFile,
  migrateProject,
  readProject,
  relinkClip,
  writeProject,
  PROJECT_VERSION,
  type ProjectDoc,
} from '../../src-main/engine/project/index.ts';
import { UserError } from '../../src-main/common/errors.ts';
import { clip } from '../helpers/shared.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gd-project-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sampleDoc(mediaPath = clip('realshort.mp4')): Promise<ProjectDoc> {
  const d = emptyProject('Desk');
  return {
    ...d,
    clips: [
      {
        id: 'c1',
        path: mediaPath,
        name: 'realshort.mp4',
        fingerprint: await fingerprintFile(mediaPath),
        frameCount: 36,
        fps: 30,
        width: 320,
        height: 240,
        in: 3,
        out: 30,
        effects: [
          { effect: 'fog', enabled: true, params: { density: 2, color: '#aabbcc' }, keyframes: { density: [{ t: 0.1, value: 0.5, ease: 'linear' }, { t: 0.9, value: 3, ease: 'ease-in' }] } },
        ],
      },
    ],
    view: { ...d.view, mode: 'split', playhead: 20, accumulate: 4 },
    analysis: { model: 'fastdepth', device: 'cpu', fusion: false, fovDeg: 72 },
  };
}

describe('project document', () => {
  it('round-trips through an atomic save and load unchanged', async () => {
    const doc = await sampleDoc();
    const p = join(dir, 'rt.gdproj');
    await writeProject(p, doc);
    expect(await readProject(p)).toEqual(doc);
    const raw = JSON.parse(await readFile(p, 'utf8'));
    expect(raw.version).toBe(PROJECT_VERSION);
    expect(raw.format).toBe('gemdepth-project');
  });

  it('migrates a version-1 project (single media, top-level effects) to the current version', async () => {
    const v1 = {
      format: 'gemdepth-project',
      version: 1,
      name: 'Old',
      media: { path: clip('realshort.mp4'), frameCount: 36, fps: 30, width: 320, height: 240 },
      effects: [{ effect: 'fog', enabled: true, params: { density: 1 }, keyframes: {} }],
      inPoint: 2,
      outPoint: 20,
      view: { mode: 'depth', playhead: 7 },
    };
    const p = join(dir, 'v1.gdproj');
    await writeFile(p, JSON.stringify(v1));
    const doc = await readProject(p);
    expect(doc.version).toBe(PROJECT_VERSION);
    expect(doc.clips).toHaveLength(1);
    expect(doc.clips[0]).toMatchObject({ path: clip('realshort.mp4'), in: 2, out: 20, fingerprint: null, effects: v1.effects });
    expect(doc.view).toMatchObject({ mode: 'depth', playhead: 7, selectedClip: doc.clips[0].id });
    expect(doc.analysis.model).toBe('fastdepth');
    // The media check fills in the fingerprint v1 never had, without reporting an issue.
    const checked = await checkMedia(doc, p);
    expect(checked.issues).toEqual([]);
    expect(checked.doc.clips[0].fingerprint).toEqual(await fingerprintFile(clip('realshort.mp4')));
  });

  it('refuses newer, foreign and damaged files with one clear line', async () => {
    expect(() => migrateProject({ format: 'gemdepth-project', version: PROJECT_VERSION + 1 }, 'x.gdproj')).toThrow(/newer GemDepth Studio.*update the app/);
    expect(() => migrateProject({ hello: 1 }, 'x.gdproj')).toThrow(/not a GemDepth project/);
    expect(() => migrateProject({ ...emptyProject(), clips: [{ id: 'c' }] }, 'x.gdproj')).toThrow(UserError);
    const p = join(dir, 'broken.gdproj');
    await writeFile(p, '{"format": "gemdepth-project", "vers');
    await expect(readProject(p)).rejects.toThrow(/not valid JSON/);
    await expect(readProject(join(dir, 'nope.gdproj'))).rejects.toThrow(/project not found/);
  });

  it('writes atomically: a failed save leaves the previous file intact and no temp files', async () => {
    const p = join(dir, 'atomic.gdproj');
    const doc = await sampleDoc();
    await writeProject(p, doc);
    const before = await readFile(p, 'utf8');
    // An invalid document is refused before anything is written...
    await expect(writeProject(p, { ...doc, clips: [{ ...doc.clips[0], in: -5 }] })).rejects.toThrow(/invalid project/);
    expect(await readFile(p, 'utf8')).toBe(before);
    // A save whose final rename fails (here: the name is taken by a non-empty folder) reports it in
    // words, removes its temporary file and leaves what was there untouched.
    const blocked = join(dir, 'blocked.gdproj');
    await mkdir(join(blocked, 'inner'), { recursive: true });
    await expect(writeProject(blocked, doc)).rejects.toThrow(/cannot save project to .*blocked\.gdproj/);
    expect(await readdir(blocked)).toEqual(['inner']);
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('reports moved media, offers the file found beside the project, and relinks it', async () => {
    const work = await mkdtemp(join(dir, 'moved-'));
    const media = join(work, 'desk.mp4');
    await copyFile(clip('realshort.mp4'), media);
    const doc = await sampleDoc(media);
    const proj = join(work, 'p.gdproj');
    await writeProject(proj, doc);
    // The user moves the clip into media/ beside the project.
    await mkdir(join(work, 'media'));
    await rename(media, join(work, 'media', 'desk.mp4'));
    const { issues } = await checkMedia(await readProject(proj), proj);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ problem: 'missing', candidate: join(work, 'media', 'desk.mp4') });
    expect(issues[0].message).toMatch(/media missing/);
    const relinked = await relinkClip(doc, 'c1', issues[0].candidate!);
    expect(relinked.clips[0].path).toBe(join(work, 'media', 'desk.mp4'));
    // A different file is refused: relinking must not silently swap the footage.
    await expect(relinkClip(doc, 'c1', clip('tree.avi'))).rejects.toThrow(/not the same media/);
  });
});
