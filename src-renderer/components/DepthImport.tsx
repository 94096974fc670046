import { useState } from 'react';
import type { ProjectClip } from '../../src-main/common/project/schema.ts';
import { importDepthByDialog, revertToModelDepth, type DepthUnitChoice } from '../state/depth-import.ts';

const UNITS: [DepthUnitChoice, string][] = [
  ['', 'unit from its sidecar'],
  ['metric', 'metres (larger = farther)'],
  ['inverse', 'inverse depth / disparity (larger = nearer)'],
  ['relative', 'relative depth (larger = farther)'],
];

/** The selected clip's depth source: the model's analysis, or a pass imported from another tool. */
export function DepthImport({ clip }: { clip: ProjectClip }) {
  const [unit, setUnit] = useState<DepthUnitChoice>('');
  const stop = (e: React.SyntheticEvent) => e.stopPropagation();
  if (clip.depth) {
    const name = clip.depth.from.split(/[\\/]/).pop();
    return (
      <span className="depth-import" data-testid="depth-import" onClick={stop}>
        depth imported from <strong title={clip.depth.from}>{name}</strong>
        {clip.depth.unit ? ` (${clip.depth.unit})` : ''}{' '}
        <button onClick={() => void revertToModelDepth(clip)} data-testid="depth-use-model">Use model depth</button>
      </span>
    );
  }
  return (
    <span className="depth-import" data-testid="depth-import" onClick={stop}>
      <button onClick={() => void importDepthByDialog(clip, unit)} data-testid="depth-import-button">Import depth…</button>{' '}
      <select value={unit} onChange={(e) => setUnit(e.target.value as DepthUnitChoice)} title="What the pass's values mean" data-testid="depth-import-unit">
        {UNITS.map(([v, label]) => (
          <option key={v} value={v}>{label}</option>
        ))}
      </select>
    </span>
  );
}
