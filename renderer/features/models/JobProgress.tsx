import type { JobState } from './models-store.js';

/** A progress bar with the job's own message; indeterminate while the total is unknown. */
export function JobProgress({ job, testId }: { job: JobState; testId?: string }) {
  const pct = job.fraction === null ? null : Math.round(job.fraction * 100);
  return (
    <div className="job-progress" data-testid={testId} data-state={job.state} aria-live="polite">
      <div className={`progress${pct === null ? ' is-indeterminate' : ''}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined}>
        <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      <div className="job-progress-text">
        <span className="mono">{pct === null ? '…' : `${pct}%`}</span>
        <span className="cell-muted">{job.message}</span>
      </div>
    </div>
  );
}
