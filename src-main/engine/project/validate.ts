import { dirname, isAbsolute, resolve } from 'node:path';
import { isUserError, UserError } from '../../common/errors.ts';
import { loadEffectStack } from '../../common/effects/stack.ts';
import type { ProjectDoc } from '../../common/project/schema.ts';

/**
 * What the schema cannot say, checked when a project is opened: each clip's in/out within the clip,
 * clip ids unique, effects the engine knows. Relative media paths (a project moved with its media, or
 * written by hand) are resolved against the project's own folder, never the working directory.
 */
export function validateProjectDoc(doc: ProjectDoc, projectPath: string): ProjectDoc {
  const where = (id: string) => `${projectPath}: clip "${id}"`;
  const seen = new Set<string>();
  const clips = doc.clips.map((c) => {
    if (seen.has(c.id)) throw new UserError(`${where(c.id)} appears twice: each clip needs its own id (the project file was edited or damaged)`, 'EPROJECT');
    seen.add(c.id);
    if (c.in > c.out) throw new UserError(`${where(c.id)} starts after it ends (in ${c.in} > out ${c.out}): fix the in/out points in the project file`, 'EPROJECT');
    if (c.frameCount > 0 && c.out > c.frameCount - 1) {
      throw new UserError(`${where(c.id)} ends at frame ${c.out}, past its last frame ${c.frameCount - 1}: fix the out point in the project file`, 'EPROJECT');
    }
    try {
      loadEffectStack(c.effects);
    } catch (e) {
      if (isUserError(e)) throw new UserError(`${where(c.id)}: ${e.message}`, 'EPROJECT');
      throw e;
    }
    return isAbsolute(c.path) ? c : { ...c, path: resolve(dirname(resolve(projectPath)), c.path) };
  });
  return { ...doc, clips };
}
