import { useEffect, useState } from 'react';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Alert } from '../../components/Alert.js';
import { FileTextIcon, LinkIcon, SearchIcon, ShieldCheckIcon, TableIcon, XIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useAudit, type ExportOutcome } from './audit-store.js';
import { useConnection } from '../../stores/connection.js';
import { pages } from '../shell/pages.js';
import { AuditFilters } from './AuditFilters.js';
import { AuditTable } from './AuditTable.js';
import { VerifyResult } from './VerifyResult.js';

export function AuditPage() {
  const { entries, total, status, error, filter, extra, loadingMore, verify, load, loadMore, runVerify, exportAs } = useAudit();
  const open = useConnection((s) => s.status === 'open');
  const [exporting, setExporting] = useState<'json' | 'csv' | null>(null);
  const [exported, setExported] = useState<ExportOutcome | null>(null);
  const runExport = async (format: 'json' | 'csv') => {
    setExporting(format);
    setExported(await exportAs(format));
    setExporting(null);
  };

  useEffect(() => {
    if (open && useAudit.getState().status === 'idle') void load();
  }, [open, load]);

  const hasEntries = entries.length > 0;
  const filtering = filter.trim() !== '' || Object.values(extra).some((v) => v !== '');

  return (
    <>
      <PageHeader
        {...pages.audit}
        actions={
          <>
            <Button icon={FileTextIcon} busy={exporting === 'json'} onClick={() => void runExport('json')} data-testid="audit-export-json" disabled={!open || !hasEntries}>
              Export JSON
            </Button>
            <Button icon={TableIcon} busy={exporting === 'csv'} onClick={() => void runExport('csv')} data-testid="audit-export-csv" disabled={!open || !hasEntries}>
              Export CSV
            </Button>
            <Button variant="primary" icon={LinkIcon} busy={verify.status === 'running'} onClick={() => void runVerify()} data-testid="audit-verify" disabled={!open}>
              Verify chain
            </Button>
          </>
        }
      />

      <VerifyResult verify={verify} />

      {exported && (
        <Alert tone="success" title={`Exported ${exported.entries} ${exported.entries === 1 ? 'entry' : 'entries'}${exported.complete ? ' — the whole chain' : ' — filtered'}`} testId="audit-exported">
          <span>
            Saved as <span className="audit-export-note">{exported.path}</span> (sha256 <span className="audit-export-note">{exported.sha256.slice(0, 16)}…</span>). Anyone can check it without Lathe:{' '}
            <code>node verify-audit-export.mjs {exported.path.split(/[\\/]/).pop()}</code> or <code>lathe audit verify-export FILE</code>.
          </span>
        </Alert>
      )}

      {error && (
        <ErrorAlert
          title="Could not read the audit log"
          error={error}
          action={
            <Button size="sm" onClick={() => void load()}>
              Try again
            </Button>
          }
        />
      )}

      {(hasEntries || filtering) && (
        <AuditFilters />
      )}
      {(hasEntries || filtering) && (
        <div className="toolbar">
          <FilterInput />
          <span className="toolbar-meta" data-testid="audit-count">
            {entries.length === total ? `${total} ${total === 1 ? 'entry' : 'entries'}` : `Showing ${entries.length} of ${total}`}
          </span>
        </div>
      )}

      {status === 'loading' && !hasEntries && <TableSkeleton />}

      {status === 'ready' && !hasEntries && !filtering && (
        <EmptyState
          id="audit"
          icon={ShieldCheckIcon}
          title="Nothing recorded yet"
          description="Every import, review, training run, evaluation and export is appended here. Each entry carries a hash of its contents and of the entry before it, so any later edit breaks the chain — and Verify chain finds where."
        />
      )}

      {status === 'ready' && !hasEntries && filtering && (
        <div className="table-empty" data-testid="audit-no-match">No entries match these filters.</div>
      )}

      {hasEntries && (
        <>
          <AuditTable entries={entries} />
          {entries.length < total && (
            <div className="table-more">
              <Button busy={loadingMore} onClick={() => void loadMore()}>
                Load older entries
              </Button>
            </div>
          )}
        </>
      )}
    </>
  );
}

function FilterInput() {
  const filter = useAudit((s) => s.filter);
  const setFilter = useAudit((s) => s.setFilter);
  const [value, setValue] = useState(filter);
  // A family button sets the prefix too: show it here.
  useEffect(() => setValue(filter), [filter]);

  useEffect(() => {
    if (value === filter) return;
    const t = window.setTimeout(() => setFilter(value), 250);
    return () => window.clearTimeout(t);
  }, [value, filter, setFilter]);

  return (
    <label className="search-input">
      <SearchIcon size={14} />
      <input
        type="search"
        value={value}
        placeholder="Filter by action, e.g. dataset."
        aria-label="Filter by action prefix"
        spellCheck={false}
        maxLength={100}
        onChange={(e) => setValue(e.target.value)}
        data-testid="audit-filter"
      />
      {value && (
        <button type="button" className="icon-btn" aria-label="Clear filter" onClick={() => setValue('')}>
          <XIcon size={12} />
        </button>
      )}
    </label>
  );
}

function TableSkeleton() {
  return (
    <div className="skeleton-table" aria-busy="true" aria-label="Loading the audit log">
      {Array.from({ length: 6 }, (_, i) => (
        <div className="skeleton-row" key={i}>
          <span className="skeleton" style={{ width: '6%' }} />
          <span className="skeleton" style={{ width: '18%' }} />
          <span className="skeleton" style={{ width: '10%' }} />
          <span className="skeleton" style={{ width: '20%' }} />
          <span className="skeleton" style={{ width: '22%' }} />
          <span className="skeleton" style={{ width: '12%' }} />
        </div>
      ))}
    </div>
  );
}
