import { useApp } from '../state/store.ts';

export function StatusBar() {
  const info = useApp((s) => s.info);
  const model = useApp((s) => s.hist.present.analysis.model);
  const device = useApp((s) => s.hist.present.analysis.device);
  const jobs = useApp((s) => s.jobs);
  const running = Object.values(jobs).filter((j) => j.state === 'running');
  const path = useApp((s) => s.projectPath);
  const m = info?.models.find((x) => x.id === model);
  const dev = info?.device;
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span title={dev?.reason}>
        Device: <b>{device === 'auto' ? (dev?.device ?? '?').toUpperCase() : device.toUpperCase()}</b>
        {dev && ` (${device === 'auto' ? dev.reason : 'set in Settings'})`}
      </span>
      <span>
        Model: <b>{m?.name ?? model}</b>
        {m && !m.installed && <em> — not installed</em>}
      </span>
      <span data-testid="job-state">
        {running.length
          ? running.map((j) => `${j.label} ${j.progress ? `${j.progress.done}/${j.progress.total}` : '…'}`).join(' · ')
          : 'Idle'}
      </span>
      <span className="grow" />
      <span className="path">{path ?? 'Unsaved project'}</span>
    </footer>
  );
}
