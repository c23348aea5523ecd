import { useDatasetImport } from './dataset-import-store.js';
import { useSearchIndex } from './search-index-store.js';

/** While an import runs behind a closed wizard: how far it is, and a way back to it. */
export function ImportJobPill() {
  const job = useDatasetImport((s) => s.job);
  const wizardOpen = useDatasetImport((s) => s.open);
  const openWizard = useDatasetImport((s) => s.openWizard);
  const indexing = useSearchIndex((s) => s.indexing);
  if (wizardOpen || !job || (job.status !== 'running' && job.status !== 'cancelling')) return indexing ? <SearchIndexPill {...indexing} /> : null;
  const pct = job.fraction === null ? null : Math.round(job.fraction * 100);
  return (
    <button type="button" className="job-pill" onClick={() => openWizard()} data-testid="import-job-pill">
      <span className="spinner" aria-hidden="true" />
      <span>
        Importing {job.fileName}
        {pct !== null ? ` · ${pct}%` : ''}
      </span>
    </button>
  );
}

/** After a big import the rows are there at once; search catches up for a few seconds and says so. */
function SearchIndexPill({ fraction, message }: { fraction: number | null; message: string }) {
  const pct = fraction === null ? null : Math.round(fraction * 100);
  return (
    <span className="job-pill" role="status" title={message} data-testid="search-index-pill">
      <span className="spinner" aria-hidden="true" />
      <span>
        Indexing for search{pct !== null ? ` · ${pct}%` : ''}
      </span>
    </span>
  );
}
