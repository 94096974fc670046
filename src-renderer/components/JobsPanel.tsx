import { cancelJob } from '../state/actions.ts';
import { useApp } from '../state/store.ts';

const eta = (s: number | null) => (s === null ? '–' : s > 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

export function JobsPanel() {
  const jobMap = useApp((s) => s.jobs);
  const jobs = Object.values(jobMap).sort((a, b) => b.startedAt - a.startedAt);
  return (
    <section className="panel jobs" data-testid="jobs-panel">
      <h2>Jobs</h2>
      {jobs.length === 0 && <p className="hint">Analysis and export jobs appear here.</p>}
      <ul>
        {jobs.map((j) => {
          const p = j.progress;
          const pct = p && p.total ? (100 * p.done) / p.total : j.state === 'done' ? 100 : 0;
          return (
            <li key={j.id} className={`job ${j.state}`} data-testid="job" data-state={j.state} data-kind={j.kind}>
              <div className="job-head">
                <span>{j.label}</span>
                {j.state === 'running' ? <button onClick={() => void cancelJob(j.id)}>Cancel</button> : <span className="job-state">{j.state}</span>}
              </div>
              <div className="bar"><div style={{ width: `${pct}%` }} /></div>
              {p && j.state === 'running' && (
                <div className="job-detail">
                  {p.stage}: {p.done}/{p.total} frames · {p.fps.toFixed(1)} fps · ETA {eta(p.etaSeconds)}
                  {p.device ? ` · ${p.device}` : ''}
                </div>
              )}
              {j.error && <div className="job-error" role="alert">{j.error}</div>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
