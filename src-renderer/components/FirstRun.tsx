import { downloadModel, importModelFile, recover } from '../state/actions.ts';
import { notify, useApp } from '../state/store.ts';

/** Shown when no depth model can be found: say what to do, never leave the user with an empty screen. */
export function FirstRun() {
  const info = useApp((s) => s.info);
  if (!info?.firstRun) return null;
  const dl = info.models.find((m) => m.downloadable && m.commercialUse);
  return (
    <div className="first-run" role="alert" data-testid="first-run">
      <strong>No depth model installed yet.</strong> GemDepth Studio needs one to analyse footage.{' '}
      {dl && (
        <button onClick={() => void downloadModel(dl.id)} title={dl.licence}>
          Download {dl.name}
        </button>
      )}{' '}
      <button
        onClick={() =>
          void importModelFile().then((r) => r && notify(r.ok ? 'info' : 'error', r.message))
        }
      >
        Import a model file…
      </button>{' '}
      <span className="hint">You can import media and browse frames meanwhile; Settings lists every supported model and its licence.</span>
    </div>
  );
}

/** Unsaved work found in an autosave (crash, or closed without saving): recover or discard, never silently lost. */
export function RecoveryBanner() {
  const rec = useApp((s) => s.recovery);
  if (!rec) return null;
  return (
    <div className="first-run" role="alert" data-testid="recovery">
      <strong>Unsaved work found</strong> from {new Date(rec.savedAt).toLocaleString()}
      {rec.target ? ` (newer than ${rec.target})` : ' (a project that was never saved)'}.{' '}
      <button className="primary" onClick={() => recover(true)}>Recover</button> <button onClick={() => recover(false)}>Discard</button>
    </div>
  );
}
