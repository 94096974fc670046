import { useEffect, useState } from 'react';
import { bridge, errorText } from './api.ts';
import { initApp } from './state/actions.ts';
import { useApp } from './state/store.ts';
import { useKeyboard } from './state/keyboard.ts';
import { usePlayback } from './state/playback.ts';
import { MediaBin } from './components/MediaBin.tsx';
import { Viewer } from './components/Viewer.tsx';
import { Timeline } from './components/Timeline.tsx';
import { SequenceTimeline } from './components/SequenceTimeline.tsx';
import { Inspector } from './components/Inspector.tsx';
import { JobsPanel } from './components/JobsPanel.tsx';
import { StatusBar } from './components/StatusBar.tsx';
import { ExportDialog } from './components/ExportDialog.tsx';
import { SettingsDialog } from './components/SettingsDialog.tsx';
import { CloseConfirm } from './components/CloseConfirm.tsx';
import { Notices } from './components/Notices.tsx';
import { Toolbar } from './components/Toolbar.tsx';
import { FirstRun, RecoveryBanner } from './components/FirstRun.tsx';

export function App() {
  const [bootError, setBootError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const dialog = useApp((s) => s.dialog);
  const dirty = useApp((s) => s.hist.dirty);

  useEffect(() => {
    initApp()
      .then(() => setReady(true))
      .catch((e) => setBootError(errorText(e)));
  }, []);

  // The shell needs to know about unsaved edits to stop the window closing; a browser tab asks too.
  useEffect(() => {
    if (!window.gemdepth) return;
    bridge().setDirty(dirty);
    // Electron asks in its own close handler (save / don't save / cancel); a beforeunload veto there
    // would silently block the close the user just confirmed.
    if (bridge().host === 'electron') return;
    const h = (e: BeforeUnloadEvent) => {
      if (useApp.getState().hist.dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', h);
    return () => window.removeEventListener('beforeunload', h);
  }, [dirty]);

  useKeyboard();
  usePlayback();

  if (bootError) {
    return (
      <div className="boot error" role="alert">
        GemDepth Studio could not start: {bootError}
      </div>
    );
  }
  if (!ready) return <div className="boot">Starting GemDepth Studio…</div>;
  return (
    <div className="app" data-testid="app-ready">
      <Toolbar />
      <FirstRun />
      <RecoveryBanner />
      <div className="workspace">
        <div className="left">
          <MediaBin />
          <JobsPanel />
        </div>
        <div className="center">
          <Viewer />
        </div>
        <div className="right">
          <Inspector />
        </div>
      </div>
      <Timeline />
      <SequenceTimeline />
      <StatusBar />
      {dialog === 'export' && <ExportDialog />}
      {dialog === 'settings' && <SettingsDialog />}
      {dialog === 'close-confirm' && <CloseConfirm />}
      <Notices />
    </div>
  );
}
