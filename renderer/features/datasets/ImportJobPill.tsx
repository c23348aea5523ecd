import { useDatasetImport } from '../../stores/dataset-import.js';

/** While an import runs behind a closed wizard: how far it is, and a way back to it. */
export function ImportJobPill() {
  const job = useDatasetImport((s) => s.job);
  const wizardOpen = useDatasetImport((s) => s.open);
  const openWizard = useDatasetImport((s) => s.openWizard);
  if (wizardOpen || !job || (job.status !== 'running' && job.status !== 'cancelling')) return null;
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
