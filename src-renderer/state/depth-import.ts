import type { ProjectClip } from '../../src-main/common/project/schema.ts';
import { bridge, errorText } from '../api.ts';
import { refreshAnalysis } from './actions.ts';
import { edit, notify, useApp } from './store.ts';

/** What an imported pass's values mean when no gemdepth sidecar says ('' = read it from the sidecar). */
export type DepthUnitChoice = '' | 'metric' | 'inverse' | 'relative';

const setClipDepth = (clipId: string, depth: ProjectClip['depth']) =>
  edit((d) => ({ ...d, clips: d.clips.map((c) => (c.id === clipId ? { ...c, depth } : c)) }));

/**
 * "Import depth…": the user picks a pass (a folder of PNG / EXR / NPY frames, or an FFV1 .mkv); the engine
 * checks it against the clip at once (a mismatch is one line in the notices) and imports it as the clip's
 * analysis, which preview and export then read instead of the model's.
 */
export async function importDepthByDialog(clip: ProjectClip, unit: DepthUnitChoice): Promise<void> {
  let picked: string[] | null;
  try {
    picked = await bridge().pickPath({ purpose: 'depth' });
  } catch (e) {
    return notify('error', `Import depth: ${errorText(e)}`);
  }
  const from = picked?.[0];
  if (!from) return;
  try {
    await bridge().importDepth({ path: clip.path, depthFrom: from, ...(unit ? { depthUnit: unit } : {}) });
  } catch (e) {
    return notify('error', `Import depth: ${errorText(e)}`);
  }
  setClipDepth(clip.id, { from, ...(unit ? { unit } : {}) });
  notify('info', `Importing depth for ${clip.name} from ${from}…`);
}

/** Back to the model's analysis. */
export async function revertToModelDepth(clip: ProjectClip): Promise<void> {
  setClipDepth(clip.id, undefined);
  await refreshAnalysis(clip.path);
  useApp.setState((s) => ({ depthEpoch: s.depthEpoch + 1 }));
}
