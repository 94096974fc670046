import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../../common/errors.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { fingerprintFile, matchesFingerprint } from './fingerprint.ts';
import { migrateProject } from '../../common/project/migrate.ts';
import { ProjectSchema, type ProjectDoc } from '../../common/project/schema.ts';
import { validateProjectDoc } from './validate.ts';
import type { MediaIssue } from '../../common/project/media.ts';

export async function readProject(path: string): Promise<ProjectDoc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `project not found: ${path}` : `cannot read project ${path}: ${code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not valid JSON: the project file is damaged`);
  }
  return validateProjectDoc(migrateProject(raw, path), path);
}

/** Validated, then written to a temporary sibling and renamed: a crash never leaves half a project. */
export async function writeProject(path: string, doc: ProjectDoc): Promise<void> {
  const parsed = ProjectSchema.safeParse(doc);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UserError(`refusing to save an invalid project: ${first.path.join('.')}: ${first.message}`);
  }
  try {
    await writeFileAtomic(path, JSON.stringify(parsed.data, null, 2) + '\n');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot save project to ${path}: ${code ?? String(e)}`);
  }
}

/** Autosave sits beside the project (or in the config folder for an unsaved one); never over the project. */
export const autosavePathFor = (projectPath: string): string =>
  join(dirname(projectPath), `.${basename(projectPath)}.autosave`);

/**
 * Reports clips whose file is gone or whose content changed, with a relink candidate when one is
 * found nearby. Fingerprints missing (v1 projects) are filled in, not reported.
 */
export async function checkMedia(doc: ProjectDoc, projectPath?: string): Promise<{ doc: ProjectDoc; issues: MediaIssue[] }> {
  const issues: MediaIssue[] = [];
  const clips = [];
  for (const c of doc.clips) {
    const fp = await fingerprintFile(c.path).catch(() => null);
    if (!fp) {
      const candidate = await findCandidate(c.path, c.fingerprint, projectPath);
      issues.push({
        clipId: c.id,
        path: c.path,
        problem: 'missing',
        candidate,
        message: `media missing: ${c.path}${candidate ? ` (found a match at ${candidate})` : ': relink it to the moved file'}`,
      });
      clips.push(c);
    } else if (c.fingerprint && !(await matchesFingerprint(c.fingerprint, c.path, fp))) {
      issues.push({
        clipId: c.id,
        path: c.path,
        problem: 'changed',
        candidate: null,
        message: `media changed on disk since the project was saved: ${c.path}: its depth analysis will be redone`,
      });
      clips.push(c);
    } else {
      // An older project's partial fingerprint that still matches is replaced by the full one.
      clips.push(c.fingerprint?.full ? c : { ...c, fingerprint: fp });
    }
  }
  return { doc: { ...doc, clips }, issues };
}

async function findCandidate(oldPath: string, fp: ProjectDoc['clips'][number]['fingerprint'], projectPath?: string) {
  const name = basename(oldPath);
  const dirs = new Set<string>();
  if (projectPath) {
    dirs.add(dirname(resolve(projectPath)));
    dirs.add(join(dirname(resolve(projectPath)), 'media'));
  }
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      if (!(await stat(p)).isFile() && !(await stat(p)).isDirectory()) continue;
      if (!fp || (await matchesFingerprint(fp, p, await fingerprintFile(p)))) return p;
    } catch {
      /* not there */
    }
  }
  return null;
}

/** Point a clip at a new file; content that differs from the saved fingerprint is refused. */
export async function relinkClip(doc: ProjectDoc, clipId: string, newPath: string, allowDifferent = false): Promise<ProjectDoc> {
  const clip = doc.clips.find((c) => c.id === clipId);
  if (!clip) throw new UserError(`no clip ${clipId} in the project`);
  let fp;
  try {
    fp = await fingerprintFile(newPath);
  } catch {
    throw new UserError(`cannot relink to ${newPath}: file not found`);
  }
  if (clip.fingerprint && !(await matchesFingerprint(clip.fingerprint, newPath, fp)) && !allowDifferent) {
    throw new UserError(`${newPath} is not the same media as ${clip.path} (content differs): pick the moved file`);
  }
  return { ...doc, clips: doc.clips.map((c) => (c.id === clipId ? { ...c, path: newPath, name: basename(newPath), fingerprint: fp } : c)) };
}
