import { basename, resolve } from 'node:path';
import { autosavePathFor } from '../engine/project/io.ts';
import { PROJECT_EXT } from '../common/project/schema.ts';
import { UserError } from '../common/errors.ts';
import { exportSidecars } from '../common/export-paths.ts';
import type { ApiMethod } from '../common/api/schemas.ts';
import type { DialogRequest } from '../common/api/types.ts';

/**
 * The paths a renderer may have the engine write: only those the user chose in a native dialog (or
 * opened as a project from the menu, the command line or the file manager). The main process keeps
 * them; a request naming any other path is refused, so a compromised renderer cannot replace a file.
 */
export interface WriteGrants {
  /** A dialog's answer as the renderer gets it (project names completed with .gdproj), granted when it was a save or a project choice. */
  fromDialog(req: DialogRequest, paths: string[] | null): string[] | null;
  /** Projects the user opens outside a dialog (recent list, command line, file manager). */
  grant(path: string): void;
  /** Throws a UserError when the (already parsed) request writes a path the user did not choose. */
  check(method: ApiMethod, req: unknown): void;
}

const WRITES: Partial<Record<ApiMethod, true>> = { saveProject: true, autosaveProject: true, discardAutosave: true, startExport: true, startSequenceExport: true, exportOtio: true };

export function createWriteGrants(): WriteGrants {
  const granted = new Set<string>();
  const has = (p: string) => granted.has(resolve(p));
  const refuse = (p: string, what: string) => {
    throw new UserError(`refused: ${p} was not chosen in a dialog for ${what}; choose it with the ${what} dialog`, 'EGRANT');
  };
  return {
    fromDialog(req, paths) {
      if (!paths) return null;
      const out = req.purpose === 'save-project' ? paths.map((p) => (p.endsWith(PROJECT_EXT) ? p : p + PROJECT_EXT)) : paths;
      if (req.purpose === 'save-project' || req.purpose === 'open-project' || req.purpose === 'export') for (const p of out) granted.add(resolve(p));
      return out;
    },
    grant: (p) => void granted.add(resolve(p)),
    check(method, req) {
      if (!WRITES[method]) return;
      const r = req as Record<string, unknown>;
      switch (method) {
        case 'saveProject':
          if (!has(r.path as string)) refuse(r.path as string, 'saving the project');
          return;
        case 'autosaveProject':
          if (r.path !== null && !has(r.path as string)) refuse(r.path as string, 'saving the project');
          return;
        case 'discardAutosave': {
          // The engine itself checks that an untitled autosave is its own file in the config folder.
          const p = resolve(r.path as string);
          if (basename(p) !== 'untitled.gdproj.autosave' && ![...granted].some((g) => autosavePathFor(g) === p)) refuse(p, 'opening the project');
          return;
        }
        case 'startSequenceExport':
          if (!has(r.out as string)) refuse(r.out as string, 'export');
          return;
        case 'exportOtio': {
          // The renderer completes a chosen name with .otio, as it does .gdproj for projects.
          const p = r.path as string;
          if (!has(p) && !has(p.replace(/\.otio$/i, ''))) refuse(p, 'export');
          return;
        }
        case 'startExport': {
          const out = r.out as string;
          if (!has(out)) refuse(out, 'export');
          const sidecars = exportSidecars(resolve(out));
          for (const k of ['depthPng', 'depthMkv', 'pointcloud', 'cameraPath'] as const) {
            const p = r[k] as string | undefined;
            if (p && resolve(p) !== sidecars[k] && !has(p)) refuse(p, 'export');
          }
          return;
        }
      }
    },
  };
}
