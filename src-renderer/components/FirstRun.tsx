import { downloadModel, importModelFile } from '../state/actions.ts';
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
