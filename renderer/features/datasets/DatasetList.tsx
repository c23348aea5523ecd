import { useState } from 'react';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { CommandLine } from '../../components/CommandLine.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { ChevronRightIcon, DatabaseIcon, FileTextIcon, ImportIcon, ShieldCheckIcon, TableIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { formatDateTime, formatRelative, shortHash } from '../../lib/format.js';
import { useDatasetImport } from './dataset-import-store.js';
import { useDatasets } from './datasets-store.js';
import { pages } from '../shell/pages.js';
import { FeedbackPairsDialog } from './FeedbackPairsDialog.js';
import { ImportJobPill } from './ImportJobPill.js';
import { RoleNote } from '../auth/RoleNote.js';
import { useCan } from '../../stores/session.js';

export function datasetHref(id: string): string {
  return `#/datasets/${encodeURIComponent(id)}`;
}

/** The library: every dataset with its latest version, or the way to import the first one. */
export function DatasetList() {
  const { datasets, status, error, load } = useDatasets();
  const openWizard = useDatasetImport((s) => s.openWizard);
  const has = datasets.length > 0;

  const [feedback, setFeedback] = useState(false);
  const canCurate = useCan('curate');
  const importButton = !canCurate ? <RoleNote needs="curate" /> : (
    <Button variant="primary" icon={ImportIcon} onClick={() => openWizard()} data-testid="datasets-import">
      Import data
    </Button>
  );

  return (
    <>
      <PageHeader
        {...pages.datasets}
        actions={
          <>
            <ImportJobPill />
            {has && canCurate && (
              <Button onClick={() => setFeedback(true)} data-testid="datasets-feedback">
                Pairs from feedback
              </Button>
            )}
            {has && importButton}
          </>
        }
      />

      {error && (
        <ErrorAlert
          title="Could not list the datasets"
          error={error}
          action={
            <Button size="sm" onClick={() => void load()}>
              Try again
            </Button>
          }
        />
      )}

      {status === 'loading' && !has && <ListSkeleton />}

      {status === 'ready' && !has && (
        <EmptyState
          id="datasets"
          icon={DatabaseIcon}
          title="No datasets yet"
          description="Bring in the examples your model should learn from. Every import becomes an immutable, content-hashed dataset version that you can review, split and trace back to."
          footer={
            <>
              <CommandLine label="From a terminal" command="lathe import FILE" />
              <p className="empty-state-note">
                <ShieldCheckIcon size={13} /> Files are read on this machine; nothing is uploaded.
              </p>
            </>
          }
        >
          <div className="empty-state-actions">{importButton}</div>
          <div className="option-grid">
            <OptionCard icon={TableIcon} title="Task examples" formats={['JSONL', 'CSV', 'Parquet']}>
              Prompt and response pairs or chat transcripts, for supervised fine-tuning.
            </OptionCard>
            <OptionCard icon={FileTextIcon} title="Domain documents" formats={['PDF', 'DOCX', 'TXT']}>
              Manuals, filings and reports, chunked and deduplicated for continued pre-training.
            </OptionCard>
          </div>
        </EmptyState>
      )}

      {has && (
        <>
          <div className="toolbar">
            <span className="toolbar-meta" data-testid="datasets-count">
              {datasets.length} {datasets.length === 1 ? 'dataset' : 'datasets'} ·{' '}
              {datasets.reduce((n, d) => n + (d.latestVersion?.exampleCount ?? 0), 0).toLocaleString('en')} examples
            </span>
          </div>
          <div className="table-wrap">
            <table className="data-table datasets-table" data-testid="datasets-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Version</th>
                  <th className="col-num">Examples</th>
                  <th>Content hash</th>
                  <th>Created</th>
                  <th className="col-go" aria-label="Open" />
                </tr>
              </thead>
              <tbody>
                {datasets.map((d) => {
                  const v = d.latestVersion;
                  const go = () => (window.location.hash = datasetHref(d.id));
                  return (
                    <tr
                      key={d.id}
                      className="data-row"
                      onClick={go}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter') {
                          e.preventDefault();
                          go();
                        }
                      }}
                      tabIndex={0}
                      data-testid="dataset-row"
                      data-dataset-id={d.id}
                    >
                      <td>
                        <a className="dataset-name" href={datasetHref(d.id)} tabIndex={-1} onClick={(e) => e.stopPropagation()}>
                          <span className="dataset-icon" aria-hidden="true">
                            {d.kind === 'task' ? <TableIcon size={14} /> : <FileTextIcon size={14} />}
                          </span>
                          {d.name}
                        </a>
                      </td>
                      <td>
                        <span className={`kind-tag is-${d.kind}`}>{d.kind === 'task' ? 'Task' : 'Documents'}</span>
                      </td>
                      <td>{v ? <span className="version-tag">v{v.number}</span> : <span className="cell-muted">—</span>}</td>
                      <td className="col-num">{v ? v.exampleCount.toLocaleString('en') : '—'}</td>
                      <td className="col-hash-left">{v ? <code title={v.contentHash}>{shortHash(v.contentHash, 12)}</code> : '—'}</td>
                      <td className="cell-muted" title={formatDateTime(d.createdAt)}>
                        {formatRelative(d.createdAt)}
                      </td>
                      <td className="col-go">
                        <ChevronRightIcon size={14} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {feedback && (
        <FeedbackPairsDialog
          onClose={() => setFeedback(false)}
          onCreated={(id) => {
            setFeedback(false);
            window.location.hash = datasetHref(id);
          }}
        />
      )}
    </>
  );
}

function ListSkeleton() {
  return (
    <div className="skeleton-table" aria-busy="true" aria-label="Loading datasets">
      {Array.from({ length: 4 }, (_, i) => (
        <div className="skeleton-row" key={i}>
          <span className="skeleton" style={{ width: '22%' }} />
          <span className="skeleton" style={{ width: '8%' }} />
          <span className="skeleton" style={{ width: '6%' }} />
          <span className="skeleton" style={{ width: '10%' }} />
          <span className="skeleton" style={{ width: '14%' }} />
          <span className="skeleton" style={{ width: '12%' }} />
        </div>
      ))}
    </div>
  );
}
