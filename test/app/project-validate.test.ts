import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMedia, emptyProject, fingerprintFile, readProject, type ProjectDoc } from '../../src-main/engine/project/index.ts';
import { clip } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';

let dir = '';
beforeAll(async () => {
  dir = await tempDir('gemdepth-project-open-');
  await mkdir(join(dir, 'media'));
  await copyFile(clip('realshort.mp4'), join(dir, 'media', 'shot.mp4'));
});

const clipOf = (over: Partial<ProjectDoc['clips'][number]> = {}): ProjectDoc['clips'][number] => ({
  id: 'c1',
  path: 'media/shot.mp4',
  name: 'shot.mp4',
  fingerprint: null,
  frameCount: 36,
  fps: 30,
  width: 320,
  height: 240,
  in: 0,
  out: 35,
  effects: [{ effect: 'fog', enabled: true, params: { density: 1 } }],
  ...over,
});

/** Writes a project file as a user (or another tool) might have left it; returns its path and bytes' hash. */
async function projectFile(name: string, clips: ProjectDoc['clips']) {
  const p = join(dir, name);
  await writeFile(p, JSON.stringify({ ...emptyProject('T'), clips }, null, 2));
  return { p, sha: createHash('sha256').update(await readFile(p)).digest('hex') };
}

const unchanged = async (f: { p: string; sha: string }) => expect(createHash('sha256').update(await readFile(f.p)).digest('hex')).toBe(f.sha);

describe('a project is validated when opened', () => {
  it('relative media paths resolve against the project folder, not the working directory', async () => {
    const f = await projectFile('rel.gdproj', [clipOf()]);
    const doc = await readProject(f.p);
    expect(doc.clips[0].path).toBe(join(dir, 'media', 'shot.mp4'));
    const { issues } = await checkMedia(doc, f.p);
    expect(issues).toEqual([]);
    await unchanged(f);
  });

  it.each([
    ['in after out', [clipOf({ in: 20, out: 10 })], /clip "c1" starts after it ends \(in 20 > out 10\)/],
    ['out past the clip', [clipOf({ out: 99 })], /clip "c1" ends at frame 99, past its last frame 35/],
    ['duplicate ids', [clipOf(), clipOf()], /clip "c1" appears twice: each clip needs its own id/],
    ['an unknown effect', [clipOf({ effects: [{ effect: 'sparkles', params: {} }] })], /clip "c1": .*sparkles/],
  ])('%s is one clear error naming the file and the clip; the file is left as it was', async (_name, clips, pattern) => {
    const f = await projectFile(`bad-${_name.replace(/\W+/g, '-')}.gdproj`, clips as ProjectDoc['clips']);
    const err = await readProject(f.p).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(f.p);
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).not.toContain('\n');
    await unchanged(f);
  });

  it('a project saved with the older partial fingerprint still matches its media, and gets the full one', async () => {
    const media = join(dir, 'media', 'shot.mp4');
    // The old fingerprint: size and sha256 of "size:N\n" + first MiB (+ last MiB): the clip is under 1 MiB.
    const bytes = await readFile(media);
    const legacy = { size: bytes.length, sha256: createHash('sha256').update(`size:${bytes.length}\n`).update(bytes).digest('hex') };
    const f = await projectFile('legacy.gdproj', [clipOf({ fingerprint: legacy })]);
    const { doc, issues } = await checkMedia(await readProject(f.p), f.p);
    expect(issues).toEqual([]);
    expect(doc.clips[0].fingerprint).toEqual(await fingerprintFile(media));
    expect(doc.clips[0].fingerprint).toMatchObject({ full: true, sha256: createHash('sha256').update(bytes).digest('hex') });
  });
});
