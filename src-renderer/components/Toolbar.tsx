import { useState } from 'react';
import type { RecentProject } from '../../src-main/common/project/media.ts';
import { bridge } from '../api.ts';
import { analyseClip, confirmDiscard, importByDialog, newProject, openProject, openProjectPath, saveProject } from '../state/actions.ts';
import { redoEdit, undoEdit, useApp } from '../state/store.ts';

function RecentMenu() {
  const [recent, setRecent] = useState<RecentProject[]>([]);
  return (
    <select
      value=""
      title="Recent projects"
      data-testid="recent"
      onFocus={() => void bridge().recentProjects({}).then(setRecent, () => setRecent([]))}
      onChange={(e) => {
        const path = e.target.value;
        if (path) confirmDiscard(() => void openProjectPath(path));
      }}
    >
      <option value="">Recent…</option>
      {recent.map((r) => (
        <option key={r.path} value={r.path} title={r.path}>
          {r.name}
        </option>
      ))}
    </select>
  );
}

export function Toolbar() {
  const canUndo = useApp((s) => s.hist.canUndo);
  const canRedo = useApp((s) => s.hist.canRedo);
  const dirty = useApp((s) => s.hist.dirty);
  const path = useApp((s) => s.projectPath);
  const name = useApp((s) => s.hist.present.name);
  return (
    <header className="toolbar">
      <span className="brand">GemDepth Studio</span>
      <button onClick={newProject}>New</button>
      <button onClick={openProject} data-testid="open-project">Open…</button>
      <RecentMenu />
      <button onClick={() => void saveProject()} data-testid="save-project" title="Ctrl+S">Save</button>
      <button onClick={() => void saveProject(true)}>Save As…</button>
      <span className="sep" />
      <button onClick={() => void importByDialog()} data-testid="import">Import…</button>
      <button onClick={() => void analyseClip()} data-testid="analyse">Analyse depth</button>
      <button onClick={() => useApp.setState({ dialog: 'export' })} data-testid="open-export">Export…</button>
      <span className="sep" />
      <button onClick={undoEdit} disabled={!canUndo} title="Ctrl+Z" data-testid="undo">Undo</button>
      <button onClick={redoEdit} disabled={!canRedo} title="Ctrl+Shift+Z" data-testid="redo">Redo</button>
      <span className="grow" />
      <span className="project-name" title={path ?? 'not saved yet'} data-testid="project-title">
        {name}
        {path ? '' : ' (unsaved)'}
        {dirty ? ' •' : ''}
      </span>
      <button onClick={() => useApp.setState({ dialog: 'settings' })} data-testid="open-settings">Settings</button>
    </header>
  );
}
