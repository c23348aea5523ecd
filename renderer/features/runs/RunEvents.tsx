import type { RunSummary } from '../../../src/shared/contract/index.js';
import { formatDateTime } from '../../lib/format.js';

const LABELS: Record<string, string> = {
  queued: 'Queued',
  started: 'Started',
  resume: 'Resume asked',
  resumed: 'Resumed',
  stop: 'Stop asked',
  stopped: 'Stopped',
  completed: 'Completed',
  failed: 'Failed',
  interrupted: 'Interrupted',
  crashed: 'Trainer died',
  heartbeat_lost: 'Heartbeat lost',
  reconciled: 'After restart',
  oom_fallback: 'Out of memory',
  fp16_overflow: 'fp16 overflow',
  checkpoints_pruned: 'Checkpoints pruned',
  cancelled: 'Cancelled',
  retry: 'Retry of',
  retried: 'Retried as',
  staged: 'Copied there',
  launched: 'Launched there',
  scheduler: 'Scheduler',
  connection_lost: 'Connection lost',
  reattached: 'Reattached',
  fetched: 'Copied back',
  reattach_failed: 'Reattach failed',
  environment: 'Trained with',
  estimated: 'Estimate',
  distributed: 'Processes',
  data_mix: 'Data mix',
  registering: 'Registering',
  adapter_registered: 'Registered',
  registration_failed: 'Not registered',
  stop_failed: 'Stop failed',
  reproduce: 'Reproduce of',
  reproduced: 'Reproduced as',
  reproduction_checked: 'Reproduction',
};
const WARN = new Set(['oom_fallback', 'fp16_overflow', 'reconciled', 'interrupted', 'stop', 'cancelled', 'connection_lost', 'stop_failed']);
const BAD = new Set(['crashed', 'heartbeat_lost', 'failed', 'registration_failed', 'reattach_failed']);

/** What happened to the run beyond its curves: queueing, starts, resumes, OOM fallbacks, lost heartbeats. */
export function RunEvents({ run }: { run: RunSummary }) {
  return (
    <section className="run-panel" aria-labelledby="run-events-title">
      <h2 className="run-panel-title" id="run-events-title">
        Events
      </h2>
      {run.events.length === 0 ? (
        <p className="run-panel-empty">Nothing yet.</p>
      ) : (
        <ol className="run-events" data-testid="run-events">
          {[...run.events].reverse().map((e) => (
            <li key={e.seq} className={`run-event${BAD.has(e.kind) ? ' is-bad' : WARN.has(e.kind) ? ' is-warn' : ''}`} data-testid="run-event" data-kind={e.kind}>
              <span className="run-event-time">{formatDateTime(e.at)}</span>
              <span className="run-event-kind">{LABELS[e.kind] ?? e.kind.replace(/_/g, ' ')}</span>
              <span className="run-event-message">{e.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
