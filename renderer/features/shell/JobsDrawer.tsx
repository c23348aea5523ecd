import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { Drawer } from '../../components/Drawer.js';
import { ActivityIcon, AlertCircleIcon, CheckCircleIcon, XCircleIcon } from '../../components/icons.js';
import { formatDuration, formatRelative, formatTimeLeft } from '../../lib/format.js';
import { finishedJobs, runningJobs, useJobs, type JobView } from '../../stores/jobs.js';
import '../../styles/jobs.css';

/** What each kind of job is called in the list. */
const KIND_LABEL: Record<string, string> = {
  'dataset.import': 'Import',
  'dataset.search-index': 'Search index',
  'model.import': 'Model import',
  'model.convert': 'Conversion',
  'export.create': 'Export',
  'training.run': 'Training',
  eval: 'Eval',
  'eval-judge': 'Judge',
  'evals.perplexity': 'Perplexity',
  'synthetic.generate': 'Generation',
};

/** Where a job's own page is, when it has one. */
function subjectLink(job: JobView): { href: string; label: string } | null {
  if (job.subject?.type === 'run') return { href: `#/runs/${encodeURIComponent(job.subject.id)}`, label: 'Open run' };
  if (job.subject?.type === 'model') return { href: `#/lineage/model/${encodeURIComponent(job.subject.id)}`, label: 'Open model' };
  return null;
}

/** The current time, ticking once a second while `active` (elapsed times and ETAs count between events). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function RunningJob({ job, now }: { job: JobView; now: number }) {
  const cancelling = useJobs((s) => Boolean(s.cancelling[job.jobId]));
  const cancel = useJobs((s) => s.cancel);
  const since = Math.max(0, now - job.receivedAt);
  const elapsed = job.elapsedMs + since;
  const left = job.etaMs === null ? null : Math.max(0, job.etaMs - since);
  const pct = job.fraction === null ? null : Math.round(job.fraction * 100);
  const link = subjectLink(job);
  return (
    <li className="job" data-testid="job-running" data-job-id={job.jobId} data-kind={job.kind}>
      <div className="job-head">
        <span className="job-kind">{KIND_LABEL[job.kind] ?? job.kind}</span>
        <span className="job-label" title={job.label}>{job.label}</span>
        <span className="job-pct" data-testid="job-percent">{pct === null ? '' : `${pct}%`}</span>
      </div>
      <div
        className={`job-bar${pct === null ? ' is-indeterminate' : ''}`}
        role="progressbar"
        aria-label={`${job.label}: progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
      >
        <div className="job-bar-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      <p className="job-message" data-testid="job-message">{job.message}</p>
      <div className="job-foot">
        <span className="job-times" data-testid="job-times">
          <span data-testid="job-elapsed">{formatDuration(elapsed)} elapsed</span>
          {left !== null && <span data-testid="job-eta"> · {formatTimeLeft(left)}</span>}
        </span>
        {link && <a className="job-link" href={link.href}>{link.label}</a>}
        {job.cancellable && (
          <Button size="sm" variant="ghost" busy={cancelling} onClick={() => void cancel(job.jobId).catch(() => undefined) /* the drawer shows the store's error */} data-testid="job-cancel" aria-label={`Cancel ${job.label}`}>
            {cancelling ? 'Stopping…' : 'Cancel'}
          </Button>
        )}
      </div>
    </li>
  );
}

const ENDED = {
  done: { icon: CheckCircleIcon, verb: 'Done in' },
  cancelled: { icon: XCircleIcon, verb: 'Cancelled after' },
  failed: { icon: AlertCircleIcon, verb: 'Failed after' },
} as const;

function FinishedJob({ job, now }: { job: JobView; now: number }) {
  const ended = ENDED[job.state as keyof typeof ENDED] ?? ENDED.done;
  const Icon = ended.icon;
  return (
    <li className={`job-done is-${job.state}`} data-testid="job-finished" data-job-id={job.jobId} data-state={job.state}>
      <Icon size={15} className="job-done-icon" />
      <div className="job-done-body">
        <div className="job-head">
          <span className="job-label" title={job.label}>{job.label}</span>
          <span className="job-done-when">{job.finishedAt ? formatRelative(job.finishedAt, now) : ''}</span>
        </div>
        <p className="job-message">{job.message}</p>
        <p className="job-duration" data-testid="job-duration">
          {ended.verb} {formatDuration(job.durationMs ?? job.elapsedMs)}
        </p>
      </div>
    </li>
  );
}

/** Every job the engine runs, from any page or window (and the CLI's, in browser mode), with Cancel. */
export function JobsDrawer() {
  const open = useJobs((s) => s.drawerOpen);
  const setOpen = useJobs((s) => s.setDrawerOpen);
  const jobs = useJobs((s) => s.jobs);
  const error = useJobs((s) => s.error);
  const close = useCallback(() => setOpen(false), [setOpen]);
  const running = runningJobs(jobs);
  const finished = finishedJobs(jobs);
  const now = useNow(open);
  const subtitle = running.length ? `${running.length} running${finished.length ? ` · ${finished.length} finished recently` : ''}` : 'Nothing running';

  return (
    <Drawer open={open} onClose={close} title="Jobs" subtitle={subtitle} testId="jobs-drawer">
      {error && <ErrorAlert title="The job list could not be loaded" error={error} />}
      <section className="drawer-section jobs-section" aria-labelledby="jobs-running-title">
        <h3 className="drawer-section-title" id="jobs-running-title">Running</h3>
        {running.length === 0 ? (
          <div className="jobs-empty" data-testid="jobs-empty">
            <ActivityIcon size={18} />
            <p>No job is running. Imports, conversions, exports, training runs, evals and generations show here while they work, from any page.</p>
          </div>
        ) : (
          <ul className="job-list">
            {running.map((j) => <RunningJob key={j.jobId} job={j} now={now} />)}
          </ul>
        )}
      </section>
      {finished.length > 0 && (
        <section className="drawer-section jobs-section" aria-labelledby="jobs-finished-title">
          <h3 className="drawer-section-title" id="jobs-finished-title">Recently finished</h3>
          <ul className="job-list is-finished">
            {finished.map((j) => <FinishedJob key={j.jobId} job={j} now={now} />)}
          </ul>
        </section>
      )}
    </Drawer>
  );
}
