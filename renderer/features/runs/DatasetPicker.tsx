import { useEffect, useState } from 'react';
import { useDatasets } from '../datasets/datasets-store.js';

/** A dataset, then one of its versions (the latest by default); reports the chosen version id. */
export function DatasetPicker({ versionId, onChange }: { versionId: string; onChange(versionId: string): void }) {
  const { datasets, versions, loadVersions } = useDatasets();
  const [datasetId, setDatasetId] = useState('');
  const current = datasets.find((d) => d.id === datasetId);
  const list = datasetId ? versions[datasetId] : undefined;

  // Start on the dataset holding the chosen version (a retried run's; its version lists are loaded to find it),
  // else on the newest dataset with a version.
  useEffect(() => {
    if (datasets.length === 0) return;
    if (versionId) {
      const owner = datasets.find((d) => d.latestVersion?.id === versionId)?.id ?? Object.entries(versions).find(([, v]) => v.versions.some((x) => x.id === versionId))?.[0];
      if (owner) {
        if (owner !== datasetId) setDatasetId(owner);
        return;
      }
      const unloaded = datasets.filter((d) => !versions[d.id]);
      if (unloaded.length) {
        for (const d of unloaded) void loadVersions(d.id);
        return;
      }
      if (datasets.some((d) => versions[d.id]?.status === 'loading')) return;
    }
    if (datasetId) return;
    const first = datasets.find((d) => d.latestVersion) ?? datasets[0]!;
    setDatasetId(first.id);
    onChange(first.latestVersion?.id ?? '');
  }, [datasets, datasetId, onChange, versionId, versions, loadVersions]);

  useEffect(() => {
    if (datasetId && !versions[datasetId]) void loadVersions(datasetId);
  }, [datasetId, versions, loadVersions]);

  const versionOptions = list?.versions.length ? list.versions : current?.latestVersion ? [current.latestVersion] : [];

  return (
    <div className="train-field-pair">
      <label className="field">
        <span className="field-label">Dataset</span>
        <span className="select-input">
          <select
            data-testid="train-dataset"
            value={datasetId}
            onChange={(e) => {
              const next = datasets.find((d) => d.id === e.target.value);
              setDatasetId(e.target.value);
              onChange(next?.latestVersion?.id ?? '');
            }}
          >
            {datasets.length === 0 && <option value="">Loading…</option>}
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.kind === 'documents' ? 'documents' : 'task'})
              </option>
            ))}
          </select>
        </span>
        <span className="field-hint">{current?.kind === 'documents' ? 'Documents: use the CPT objective.' : 'Conversations: SFT · preference pairs: DPO, ORPO or SimPO · labelled answers: KTO.'}</span>
      </label>
      <label className="field">
        <span className="field-label">Version</span>
        <span className="select-input">
          <select data-testid="train-version" value={versionId} onChange={(e) => onChange(e.target.value)} disabled={versionOptions.length === 0}>
            {versionOptions.length === 0 && <option value="">No versions</option>}
            {versionOptions.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.number} · {v.exampleCount.toLocaleString()} examples{v.id === current?.latestVersion?.id ? ' · latest' : ''}
              </option>
            ))}
          </select>
        </span>
        <span className="field-hint">Versions are immutable: the run records exactly this one.</span>
      </label>
    </div>
  );
}
