import { useEffect, useState } from 'react';
import type { LatheErrorData, RunSummary } from '../../../src/shared/contract/index.js';
import { Alert, ErrorAlert } from '../../components/Alert.js';
import { RichText } from '../../components/RichText.js';
import { Button } from '../../components/Button.js';
import { ArrowLeftIcon, RefreshIcon, XCircleIcon } from '../../components/icons.js';
import { formatDateTime, shortHash } from '../../lib/format.js';
import { asErrorData } from '../../stores/errors.js';
import { cancelRun, lastPoint, loadRun, resumeRun, stopRun, useRuns, type MetricSeries } from './runs-store.js';
import { pageHref } from '../shell/pages.js';
import { ReproducePanel } from './ReproducePanel.js';
import { RetryPanel } from './RetryPanel.js';
import { RunCharts } from './RunCharts.js';
import { RunEvents } from './RunEvents.js';
import '../../styles/run-estimate-events.css';
import { configEntries, formatLoss, maxSteps, targetState, timingText } from './run-view.js';
import { StatusBadge } from './StatusBadge.js';
import { useCan } from '../../stores/session.js';

const EMPTY: MetricSeries = {};

export function RunDetail({ runId }: { runId: string }) {
  const canTrain = useCan('train');
  const run = useRuns((s) => s.runs.find((r) => r.id === runId));
  const series = useRuns((s) => s.metrics[runId]?.series ?? EMPTY);
  const [loadError, setLoadError] = useState<LatheErrorData | null>(null);
  const [compareId, setCompareId] = useState('');
  const compareRun = useRuns((s) => (compareId ? s.runs.find((r) => r.id === compareId) : undefined));
  const compareSeries = useRuns((s) => (compareId ? s.metrics[compareId]?.series : undefined));
  const compare = compareRun && compareSeries ? { name: compareRun.name, series: compareSeries } : undefined;

  useEffect(() => {
    if (compareId) void useRuns.getState().loadMetrics(compareId);
  }, [compareId]);

  useEffect(() => {
    setLoadError(null);
    loadRun(runId).catch((err: unknown) => setLoadError(asErrorData(err)));
    void useRuns.getState().loadMetrics(runId);
  }, [runId]);

  if (loadError && !run) {
    return (
      <div className="run-detail">
        <BackLink />
        <ErrorAlert title="Could not open this run" error={loadError} />
      </div>
    );
  }
  if (!run) return <div className="run-detail skeleton-table" aria-busy="true" />;

  return (
    <div className="run-detail" data-testid="run-detail" data-run-id={run.id}>
      <BackLink />
      <RunHeader run={run} step={lastPoint(series, 'loss')?.[0] ?? 0} loss={lastPoint(series, 'loss')?.[1]} />
      {run.error && (run.status === 'failed' || run.status === 'interrupted') && (
        <Alert tone={run.status === 'failed' ? 'danger' : 'warning'} title={run.status === 'failed' ? 'The run failed' : 'The run was interrupted'} testId="run-error">
          <p>
            <RichText text={run.error.message} />
          </p>
          {run.error.hint && (
            <p className="alert-hint">
              <RichText text={run.error.hint} />
            </p>
          )}
        </Alert>
      )}
      {run.stderrTail && (run.status === 'failed' || run.status === 'interrupted') && (
        <details className="stderr-tail" data-testid="run-stderr" open={run.status === 'failed'}>
          <summary>Trainer log (last lines)</summary>
          <pre>{run.stderrTail}</pre>
        </details>
      )}
      {targetState(run) && (
        <p className="run-target-state" data-testid="run-target-state" role="status">
          {targetState(run)}
        </p>
      )}
      {run.status === 'queued' && (
        <Alert tone="info" title="Waiting for a free device" testId="run-queued">
          <p>
            One training job runs per GPU (and one on the CPU) at a time. This run is number {run.queuePosition ?? '?'} in the queue for{' '}
            <span className="mono">{run.slot}</span> and starts by itself when the device frees up.
          </p>
        </Alert>
      )}
      <RegisteredModel run={run} />
      {run.status === 'running' || (series['loss']?.length ?? 0) > 0 ? (
        <>
          <ComparePicker runId={run.id} value={compareId} onChange={setCompareId} />
          <RunCharts series={series} compare={compare} />
        </>
      ) : (
        <p className="run-no-metrics" data-testid="run-no-metrics">
          {run.status === 'queued' ? 'The curves appear when the run starts.' : 'No training steps were recorded for this run.'}
        </p>
      )}
      <div className="run-lower">
        <RunEvents run={run} />
        {canTrain && (run.status === 'failed' || run.status === 'stopped' || run.status === 'interrupted' || run.status === 'completed') && <RetryPanel key={run.id} run={run} />}
      </div>
      {canTrain && (run.status === 'completed' || run.events.some((e) => e.kind === 'reproduction_checked')) && <ReproducePanel run={run} />}
      <div className="run-lower">
        <Checkpoints run={run} />
        <section className="run-panel" aria-labelledby="run-config-title">
          <h2 className="run-panel-title" id="run-config-title">
            Recipe
          </h2>
          <dl className="config-list" data-testid="run-config">
            {configEntries(run.config).map((e) => (
              <div key={e.key} className="config-item">
                <dt>{e.label}</dt>
                <dd title={e.value}>{e.value}</dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
    </div>
  );
}

/** Another run's training loss over this one's, e.g. the same recipe with a different learning rate. */
function ComparePicker({ runId, value, onChange }: { runId: string; value: string; onChange(id: string): void }) {
  const others = useRuns((s) => s.runs).filter((r) => r.id !== runId);
  if (others.length === 0) return null;
  return (
    <label className="compare-picker">
      <span>Compare loss with</span>
      <span className="select-input is-sm">
        <select data-testid="run-compare" value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">No other run</option>
          {others.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </span>
    </label>
  );
}

/** The weights of a completed run are registered as a model by the engine; this says as what, or why not. */
function RegisteredModel({ run }: { run: RunSummary }) {
  const event = [...run.events].reverse().find((e) => e.kind === 'adapter_registered' || e.kind === 'registration_failed');
  if (!event) return null;
  if (event.kind === 'registration_failed') {
    const hint = (event.data as { hint?: string } | null)?.hint;
    return (
      <Alert tone="warning" title="The adapter was not registered" testId="run-registration-failed">
        <p>
          <RichText text={event.message} />
        </p>
        {hint && <p className="alert-hint">{hint}</p>}
      </Alert>
    );
  }
  const data = event.data as { name?: string } | null;
  return (
    <Alert tone="success" title="Adapter registered" testId="run-registered-model">
      <p>
        Adapter registered as model <strong>{data?.name ?? run.name}</strong>. <a href={pageHref('models')} data-testid="run-registered-model-link">Open the Models page</a>
      </p>
    </Alert>
  );
}

function BackLink() {
  return (
    <a className="back-link" href={pageHref('runs')} data-testid="run-back">
      <ArrowLeftIcon size={14} /> All runs
    </a>
  );
}

function RunHeader({ run, step, loss }: { run: RunSummary; step: number; loss: number | undefined }) {
  const canTrain = useCan('train');
  const [pending, setPending] = useState<'stop' | 'resume' | 'cancel' | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const total = maxSteps(run);
  const running = run.status === 'running';
  const canResume = (run.status === 'stopped' || run.status === 'interrupted') && run.checkpoints.length > 0;

  // A stop is done when the engine says the run is no longer running; a resume when it says it runs again.
  useEffect(() => {
    if ((pending === 'stop' && !running) || (pending === 'resume' && run.status !== 'stopped' && run.status !== 'interrupted') || (pending === 'cancel' && run.status !== 'queued')) setPending(null);
  }, [pending, running, run.status]);

  const act = async (what: 'stop' | 'resume' | 'cancel') => {
    setPending(what);
    setError(null);
    try {
      if (what === 'stop') await stopRun(run.id);
      else if (what === 'cancel') await cancelRun(run.id);
      else await resumeRun(run.id);
    } catch (err) {
      setError(asErrorData(err));
      setPending(null);
    }
  };

  const pct = total ? Math.min(100, (step / total) * 100) : 0;
  return (
    <header className="run-header">
      <div className="run-header-top">
        <div className="run-header-text">
          <div className="run-detail-title-row">
            <h1 className="page-title run-detail-title" data-testid="page-title">
              {run.name}
            </h1>
            <StatusBadge status={run.status} />
          </div>
          <p className="run-detail-meta">
            Created {formatDateTime(run.createdAt)} · <span className="mono">{shortHash(run.id, 8)}</span>
            {run.target ? (
              <>
                {' '}· on{' '}
                <a href="#/compute" data-testid="run-target">
                  {run.target}
                </a>
              </>
            ) : (
              run.slot && <> · {run.slot}</>
            )}
            {timingText(run) && <> · <span data-testid="run-timing">{timingText(run)}</span></>}
            {run.retryOf && (
              <>
                {' '}
                · retry of{' '}
                <a href={`#/runs/${encodeURIComponent(run.retryOf)}`} data-testid="run-retry-of">
                  {shortHash(run.retryOf, 8)}
                </a>
              </>
            )}
            {' · '}
            <a href={`#/lineage/run/${encodeURIComponent(run.id)}`} data-testid="run-lineage">
              Lineage
            </a>
          </p>
        </div>
        <div className="page-header-actions">
          {canTrain && running && (
            <Button variant="danger" icon={XCircleIcon} busy={pending === 'stop'} onClick={() => void act('stop')} data-testid="run-stop">
              {pending === 'stop' ? 'Stopping…' : 'Stop'}
            </Button>
          )}
          {canTrain && run.status === 'queued' && (
            <Button variant="danger" icon={XCircleIcon} busy={pending === 'cancel'} onClick={() => void act('cancel')} data-testid="run-cancel">
              Cancel
            </Button>
          )}
          {canTrain && (run.status === 'stopped' || run.status === 'interrupted') && (
            <Button
              variant="primary"
              icon={RefreshIcon}
              busy={pending === 'resume'}
              disabled={!canResume}
              title={canResume ? 'Continue from the latest checkpoint' : 'No checkpoint to resume from'}
              onClick={() => void act('resume')}
              data-testid="run-resume"
            >
              Resume
            </Button>
          )}
        </div>
      </div>
      <div className="run-stats">
        <Stat label="Step" value={`${step.toLocaleString()}${total ? ` / ${total.toLocaleString()}` : ''}`} testId="run-step" />
        <Stat label="Loss" value={formatLoss(loss)} testId="run-loss" />
        <Stat label="Checkpoints" value={String(run.checkpoints.length)} testId="run-checkpoint-count" />
        <Stat label="Base model" value={run.baseModel.split(/[\\/]/).filter(Boolean).slice(-2).join('/')} title={run.baseModel} />
      </div>
      <div className={`run-detail-progress is-${run.status}`} role="progressbar" aria-valuemin={0} aria-valuemax={total ?? 0} aria-valuenow={step} aria-label="Training progress">
        <div className="run-detail-progress-bar" style={{ width: `${pct}%` }} />
      </div>
      {error && <ErrorAlert title={pending === 'resume' ? 'Could not resume' : 'Could not do that'} error={error} />}
    </header>
  );
}

function Stat({ label, value, title, testId }: { label: string; value: string; title?: string; testId?: string }) {
  return (
    <div className="run-stat">
      <span className="run-stat-label">{label}</span>
      <span className="run-stat-value" title={title ?? value} data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

function Checkpoints({ run }: { run: RunSummary }) {
  return (
    <section className="run-panel" aria-labelledby="run-ckpt-title">
      <h2 className="run-panel-title" id="run-ckpt-title">
        Checkpoints
      </h2>
      {run.checkpoints.length === 0 ? (
        <p className="run-panel-empty">None yet{run.status === 'running' ? ' — one is saved on Stop and every few steps if configured.' : '.'}</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" data-testid="run-checkpoints">
            <thead>
              <tr>
                <th className="num">Step</th>
                <th>SHA-256</th>
                <th>Path</th>
              </tr>
            </thead>
            <tbody>
              {[...run.checkpoints].reverse().map((c) => (
                <tr key={`${c.step}-${c.path}`} data-testid="checkpoint-row">
                  <td className="num">{c.step.toLocaleString()}</td>
                  <td className="col-hash">
                    <code title={c.sha256}>{shortHash(c.sha256, 12)}</code>
                  </td>
                  <td className="ckpt-path" title={c.path}>
                    {/* The cell cuts from the left (rtl) so the step folder stays visible; the mark keeps the leading slash in place. */}
                    {'\u200E' + c.path}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
