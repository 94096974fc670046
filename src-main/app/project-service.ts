import { stat, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import type { EngineApi } from '../common/api/types.ts';
import { addRecent, autosavePathFor, checkMedia, configDir, emptyProject, migrateProject, readProject, readRecent, relinkClip, writeProject } from '../engine/project/index.ts';

export type ProjectService = Pick<EngineApi, 'newProject' | 'openProject' | 'saveProject' | 'autosaveProject' | 'recentProjects' | 'discardAutosave' | 'relinkClip'>;

/** Projects: new, open (with media checks and autosave recovery), save, autosave, recent, relink. */
export function createProjectService(): ProjectService {
  return {
    async newProject(req) {
      // An autosave of an unsaved project means the last session ended without saving: offer it.
      const auto = untitledAutosave();
      const st = await stat(auto).catch(() => null);
      const recovery = st ? { path: auto, doc: await readProject(auto).catch(() => null), savedAt: st.mtimeMs, target: null } : null;
      return { path: null, doc: emptyProject(req.name), issues: [], recovery: recovery?.doc ? { ...recovery, doc: recovery.doc } : null };
    },

    async openProject(req) {
      const path = resolve(req.path);
      const raw = await readProject(path);
      const { doc, issues } = await checkMedia(raw, path);
      let recovery = null;
      const auto = autosavePathFor(path);
      try {
        const [a, p] = await Promise.all([stat(auto), stat(path)]);
        if (a.mtimeMs > p.mtimeMs) recovery = { path: auto, doc: await readProject(auto), savedAt: a.mtimeMs, target: path };
      } catch {
        /* no autosave */
      }
      await addRecent(path, doc.name).catch(() => undefined);
      return { path, doc, issues, recovery };
    },

    async saveProject(req) {
      const path = resolve(req.path);
      const doc = migrateProject(req.doc, 'the project being saved');
      await writeProject(path, doc);
      // The autosave beside it is older than what was just saved: drop it so it is not offered again.
      await rm(autosavePathFor(path), { force: true });
      await addRecent(path, doc.name).catch(() => undefined);
      return { path };
    },

    async autosaveProject(req) {
      const doc = migrateProject(req.doc, 'the project being autosaved');
      const path = req.path ? autosavePathFor(resolve(req.path)) : untitledAutosave();
      await writeProject(path, doc);
      return { path };
    },

    recentProjects: () => readRecent(),

    async discardAutosave(req) {
      // Only files the app itself writes: the unsaved-project autosave, or `.NAME.gdproj.autosave` siblings.
      const p = resolve(req.path);
      const ours = p === untitledAutosave() || /[\\/]\.[^\\/]+\.gdproj\.autosave$/.test(p);
      if (!ours) throw new UserError(`${p} is not a GemDepth autosave file`);
      const existed = await stat(p).then(() => true, () => false);
      await rm(p, { force: true });
      return { removed: existed };
    },

    async relinkClip(req) {
      const doc = migrateProject(req.doc, 'the project');
      return { doc: await relinkClip(doc, req.clipId, resolve(req.path)) };
    },

  };
}

const untitledAutosave = () => join(configDir(), 'untitled.gdproj.autosave');
