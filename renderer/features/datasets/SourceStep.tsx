import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { FileTextIcon, InfoIcon } from '../../components/icons.js';
import { RichText } from '../../components/RichText.js';
import { useState } from 'react';
import { pathFromDrop, useDatasetImport } from './dataset-import-store.js';
import { useDatasets } from './datasets-store.js';
import { DetectionPanel } from './DetectionPanel.js';
import { DocumentPreviewPanel } from './DocumentPreviewPanel.js';
import { linkedByPort } from '../../api/bridge.js';

const inElectron = linkedByPort();

/** Step 1: which file, into which dataset, and what Lathe makes of it. */
export function SourceStep() {
  const s = useDatasetImport();
  const datasets = useDatasets((d) => d.datasets);
  const clash = s.target === 'new' ? datasets.find((d) => d.name === s.newName.trim()) : undefined;
  const existing = datasets.find((d) => d.id === s.existingId);
  const [dragOver, setDragOver] = useState(false);
  const [dropNote, setDropNote] = useState<string | null>(null);

  // A drop gives the path (file-manager items carry a file:// URI); the renderer never reads the file itself.
  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    setDragOver(false);
    const path = pathFromDrop(e.dataTransfer.getData('text/uri-list'), e.dataTransfer.getData('text/plain'));
    if (path) {
      setDropNote(null);
      s.setPath(path);
      void useDatasetImport.getState().detect();
    } else {
      setDropNote(
        inElectron
          ? 'That drop carried no file path. Type or paste the path instead.'
          : 'Browsers do not reveal where a dropped file lives, and Lathe never uploads it: type or paste its path on the engine’s machine.',
      );
    }
  };

  return (
    <div className="wizard-step">
      <div
        className={`field import-drop${dragOver ? ' is-over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragOver(true);
        }}
        onDragLeave={() => setDragOver(false)}
        onDrop={onDrop}
        data-testid="import-drop"
      >
        <label className="field-label" htmlFor="import-path">
          File, folder or archive
        </label>
        <div className="field-row">
          <label className="text-input has-icon is-mono">
            <FileTextIcon size={14} />
            <input
              id="import-path"
              type="text"
              value={s.path}
              placeholder={inElectron ? '/Users/you/data/examples.jsonl or a folder of PDFs' : '/srv/data/examples.jsonl or a folder of PDFs'}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => s.setPath(e.target.value)}
              data-autofocus
              data-testid="import-path"
            />
          </label>
          <Button busy={s.detectStatus === 'running'} disabled={!s.path.trim()} onClick={() => void s.detect()} data-testid="import-detect">
            Detect
          </Button>
        </div>
        <p className="field-hint">
          <InfoIcon size={12} />
          <span>
            <RichText
              text={
                inElectron
                  ? 'Task data (JSONL, JSON, CSV, TSV, Parquet) or documents (PDF, DOCX, HTML, Markdown, text; a folder of them; or a .zip). Type, paste or drop a path; the file is read where it is, nothing is copied.'
                  : 'Task data (JSONL, JSON, CSV, TSV, Parquet) or documents (PDF, DOCX, HTML, Markdown, text; a folder of them; or a .zip), as a path on the machine running the engine. The engine reads it where it is; nothing is uploaded.'
              }
            />
          </span>
        </p>
      </div>

      <div className="field">
        <span className="field-label" id="import-target-label">
          Dataset
        </span>
        <div className="field-row">
          <div className="segmented" role="radiogroup" aria-labelledby="import-target-label">
            <button
              type="button"
              role="radio"
              aria-checked={s.target === 'new'}
              className={s.target === 'new' ? 'is-selected' : ''}
              onClick={() => s.setTarget('new')}
              data-testid="import-target-new"
            >
              New dataset
            </button>
            <button
              type="button"
              role="radio"
              aria-checked={s.target === 'existing'}
              className={s.target === 'existing' ? 'is-selected' : ''}
              onClick={() => s.setTarget('existing')}
              disabled={datasets.length === 0}
              title={datasets.length === 0 ? 'There are no datasets yet' : undefined}
              data-testid="import-target-existing"
            >
              Add to existing
            </button>
          </div>
          {s.target === 'new' ? (
            <label className="text-input">
              <input
                type="text"
                value={s.newName}
                placeholder="e.g. grid-maintenance-qa"
                maxLength={200}
                spellCheck={false}
                autoComplete="off"
                aria-label="Dataset name"
                onChange={(e) => s.setNewName(e.target.value)}
                data-testid="import-name"
              />
            </label>
          ) : (
            <label className="select-input is-grow">
              <select
                value={s.existingId ?? ''}
                onChange={(e) => s.setExisting(e.target.value)}
                aria-label="Existing dataset"
                data-testid="import-existing"
              >
                {datasets.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                    {d.latestVersion ? ` · v${d.latestVersion.number} · ${d.latestVersion.exampleCount.toLocaleString('en')} examples` : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        {s.target === 'new' ? (
          <p className="field-hint">
            {clash
              ? `“${clash.name}” already exists: this import becomes its version ${(clash.latestVersion?.number ?? 0) + 1}, holding its current examples plus these.`
              : 'A new dataset; this import becomes its version 1.'}
          </p>
        ) : (
          <p className="field-hint">
            {existing
              ? `Becomes version ${(existing.latestVersion?.number ?? 0) + 1}: the ${(existing.latestVersion?.exampleCount ?? 0).toLocaleString('en')} examples of v${existing.latestVersion?.number ?? 0} plus the new ones. Earlier versions stay as they are.`
              : 'Choose the dataset to add to.'}
          </p>
        )}
      </div>

      {s.detectError && (
        <div data-testid="detect-error">
          <ErrorAlert title="Lathe could not read this file" error={s.detectError} />
        </div>
      )}
      {dropNote && (
        <p className="field-hint text-warning" data-testid="import-drop-note">
          {dropNote}
        </p>
      )}
      {s.detection && <DetectionPanel />}
      {s.documents && <DocumentPreviewPanel />}
    </div>
  );
}
