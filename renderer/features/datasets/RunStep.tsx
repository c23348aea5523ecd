import { useEffect, useState } from 'react';
import { Alert, ErrorAlert } from '../../components/Alert.js';
import { CheckIcon, CopyIcon, ImportIcon } from '../../components/icons.js';
import { useDatasetImport, type ImportJob } from './dataset-import-store.js';
import { fileTypeLabels, formatLabels } from './import-format.js';

/** Step 3: the import running (progress, speed, time left, cancel), then what it produced or why it stopped. */
export function RunStep() {
  const job = useDatasetImport((s) => s.job);
  if (!job) return null;
  if (job.status === 'done' && job.result) return <ImportResultView job={job} />;
  if (job.status === 'failed' && job.error) {
    return (
      <div className="wizard-step" data-testid="import-error">
        <ErrorAlert title="Nothing was imported" error={job.error} />
        <p className="wizard-note">The library is exactly as it was. Fix the file, or go back and choose to skip bad rows.</p>
      </div>
    );
  }
  if (job.status === 'cancelled') {
    return (
      <div className="wizard-step" data-testid="import-cancelled">
        <Alert tone="info" title="Import cancelled">
          Nothing was written. Start it again when you are ready.
        </Alert>
      </div>
    );
  }
  return <ImportProgressView job={job} />;
}

function ImportProgressView({ job }: { job: ImportJob }) {
  const elapsed = useElapsed(job.startedAt);
  const pct = job.fraction === null ? null : Math.round(job.fraction * 100);
  return (
    <div className="wizard-step run-progress" data-testid="import-progress">
      <div className="run-head">
        <span className="run-icon" aria-hidden="true">
          <ImportIcon size={18} />
        </span>
        <div>
          <div className="run-title">{job.status === 'cancelling' ? 'Cancelling…' : `Importing ${job.fileName}`}</div>
          <div className="run-subtitle">into {job.datasetName}</div>
        </div>
        <span className="run-percent" data-testid="import-percent">
          {pct === null ? '' : `${pct}%`}
        </span>
      </div>
      <div
        className={`progress${pct === null ? ' is-indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
        aria-label="Import progress"
      >
        <div className="progress-fill" style={pct === null ? undefined : { width: `${Math.max(1, pct)}%` }} />
      </div>
      <div className="run-meta">
        <span data-testid="import-progress-message">{job.message}</span>
        <span className="run-elapsed">{formatSeconds(elapsed)} elapsed</span>
      </div>
      <p className="wizard-note">
        The engine imports in the background and writes everything in one transaction at the end; a cancel leaves nothing behind. You can
        hide this window.
      </p>
    </div>
  );
}

function ImportResultView({ job }: { job: ImportJob }) {
  const r = job.result!;
  return (
    <div className="wizard-step" data-testid="import-result">
      <div className="result-head">
        <span className="result-icon" aria-hidden="true">
          <CheckIcon size={18} strokeWidth={2.25} />
        </span>
        <div>
          <div className="result-title">
            Imported {r.rowsImported.toLocaleString('en')} {r.rowsImported === 1 ? 'example' : 'examples'}
          </div>
          <div className="result-subtitle">
            into {job.datasetName} as version {r.versionNumber} · {formatSeconds(r.durationMs / 1000, true)}
          </div>
        </div>
      </div>

      <dl className="fact-grid result-facts">
        <div>
          <dt>{r.fileType === 'documents' ? 'Chunks imported' : 'Rows imported'}</dt>
          <dd data-testid="import-rows">{r.rowsImported.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>{r.fileType === 'documents' ? 'Files skipped' : 'Rows rejected'}</dt>
          <dd data-testid="import-rejected" className={r.rowsRejected ? 'text-warning' : undefined}>
            {r.rowsRejected.toLocaleString('en')}
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd data-testid="import-version">v{r.versionNumber}</dd>
        </div>
        <div>
          <dt>{r.chunking ? 'Chunks' : 'Format'}</dt>
          <dd data-testid="import-chunking" title={r.chunking?.note ?? r.chunking?.tokenizer ?? undefined}>
            {r.chunking ? `${r.chunking.size} ${r.chunking.unit}, ${r.chunking.overlap} overlap` : formatLabels[r.format]}
          </dd>
        </div>
        <div>
          <dt>File type</dt>
          <dd>{r.fileType === 'documents' ? 'Documents' : fileTypeLabels[r.fileType]}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatSeconds(r.durationMs / 1000, true)}</dd>
        </div>
      </dl>

      <dl className="hash-list">
        <HashRow label="Content hash" value={r.contentHash} hint="of the version's examples, in order" testId="import-content-hash" />
        <HashRow label="Source SHA-256" value={r.sourceSha256} hint={r.fileType === 'documents' ? 'of the files (paths and bytes) or the archive' : 'of the file, as read'} testId="import-source-sha" />
      </dl>

      {r.rowsRejected > 0 && r.rejectsPath && (
        <Alert
          tone="warning"
          title={`${r.rowsRejected.toLocaleString('en')} ${r.fileType === 'documents' ? (r.rowsRejected === 1 ? 'file was' : 'files were') : r.rowsRejected === 1 ? 'row was' : 'rows were'} skipped`}
        >
          <p>{r.fileType === 'documents' ? 'Each is listed with the reason in the rejects file:' : 'Each is kept with its line and the reason in the rejects file:'}</p>
          <code className="path" data-testid="import-rejects-path">
            {r.rejectsPath}
          </code>
        </Alert>
      )}
    </div>
  );
}

function HashRow({ label, value, hint, testId }: { label: string; value: string; hint: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(t);
  }, [copied]);
  return (
    <div>
      <dt>
        {label}
        <span className="hash-hint">{hint}</span>
      </dt>
      <dd>
        <code data-testid={testId}>{value}</code>
        <button
          type="button"
          className="icon-btn"
          aria-label={copied ? 'Copied' : `Copy ${label}`}
          title={copied ? 'Copied' : 'Copy'}
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => undefined,
            )
          }
        >
          {copied ? <CheckIcon size={13} /> : <CopyIcon size={13} />}
        </button>
      </dd>
    </div>
  );
}

function useElapsed(since: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(t);
  }, []);
  return Math.max(0, (now - since) / 1000);
}

function formatSeconds(s: number, precise = false): string {
  if (precise && s < 1) return `${Math.max(1, Math.round(s * 1000))} ms`;
  if (s < 60) return precise && s < 10 ? `${s.toFixed(1)} s` : `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.floor(s % 60)} s`;
}
