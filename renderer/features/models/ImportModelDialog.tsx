import { useEffect, useState } from 'react';
import type { LatheErrorData, ModelInspection } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { FolderIcon, SearchIcon } from '../../components/icons.js';
import { Modal } from '../../components/Modal.js';
import { formatBytes } from '../../lib/format.js';
import { asErrorData } from '../../stores/errors.js';
import { FolderBrowser } from './FolderBrowser.js';
import { JobProgress } from './JobProgress.js';
import { followJob, formatParams, importModel, inspectModel, KIND_LABEL, newJobId, type JobState } from './models-store.js';

/**
 * Import from the engine's machine: the user picks a folder or .gguf in the engine's folder browser (or types a
 * path; `~` works) — the renderer never reads files. Picking inspects at once (headers only); "Register" hashes
 * with progress and references the files in place unless "copy" is on.
 */
export function ImportModelDialog({ open, onClose, onImported, initialPath = '', subtitle }: { open: boolean; onClose(): void; onImported(id: string): void; initialPath?: string; subtitle?: string }) {
  const [path, setPath] = useState(initialPath);
  const [name, setName] = useState('');
  const [copy, setCopy] = useState(false);
  const [inspection, setInspection] = useState<ModelInspection | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<JobState | null>(null);

  useEffect(() => {
    if (open) {
      if (initialPath) setPath(initialPath);
      return;
    }
    setPath(''); setName(''); setCopy(false); setInspection(null); setError(null); setBusy(false); setJob(null);
  }, [open, initialPath]);

  const inspect = async (target = path) => {
    setBusy(true); setError(null); setInspection(null);
    try {
      const i = await inspectModel(target.trim());
      setInspection(i);
      setName(i.name);
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  };

  const register = async () => {
    const jobId = newJobId('model-import');
    setBusy(true); setError(null);
    setJob({ fraction: 0, message: 'Starting…', state: 'running' });
    const stop = followJob(jobId, setJob);
    try {
      const r = await importModel({ path: path.trim(), copy, jobId, ...(name.trim() ? { name: name.trim() } : {}) });
      onImported(r.model.id);
    } catch (err) {
      setError(asErrorData(err));
      setJob(null);
    } finally {
      stop();
      setBusy(false);
    }
  };

  const footer = (
    <>
      <Button variant="ghost" onClick={onClose}>Cancel</Button>
      {inspection ? (
        <Button variant="primary" busy={busy} onClick={register} data-testid="model-import-register">Register model</Button>
      ) : (
        <Button variant="primary" icon={SearchIcon} busy={busy} disabled={!path.trim()} onClick={() => void inspect()} data-testid="model-import-inspect">Inspect</Button>
      )}
    </>
  );

  return (
    <Modal open={open} title="Import a model" subtitle={subtitle ?? 'A Hugging Face folder (safetensors), a PEFT adapter folder or a .gguf file on the engine’s machine.'} onClose={onClose} footer={footer} testId="model-import-dialog">
      <form className="model-import-form" onSubmit={(e) => { e.preventDefault(); void (inspection ? register() : inspect()); }}>
        <FolderBrowser start={initialPath ? parentOf(initialPath) : undefined} picked={path.trim()} onPick={(p) => { setPath(p); void inspect(p); }} />
        <label className="field">
          <span className="field-label">Path</span>
          <span className="text-input is-mono">
            <FolderIcon size={15} />
            <input data-testid="model-import-path" value={path} placeholder="Picked above, or typed: ~/models/llama-3.1-8b-instruct"
              onChange={(e) => { setPath(e.target.value); setInspection(null); }} spellCheck={false} />
          </span>
          <span className="field-hint">On the machine running the engine. Pickle weights (.bin, .pt, .ckpt) are refused: they can run code when opened. Convert them to safetensors first.</span>
        </label>
        {error && <ErrorAlert title="This cannot be imported" error={error} />}
        {inspection && (
          <div className="model-inspection" data-testid="model-inspection">
            <dl className="fact-grid">
              <div><dt>Kind</dt><dd>{KIND_LABEL[inspection.kind]} · {inspection.format.toUpperCase()}</dd></div>
              <div><dt>Architecture</dt><dd>{inspection.architecture ?? '—'}</dd></div>
              <div><dt>Parameters</dt><dd>{formatParams(inspection.parameters)}</dd></div>
              <div><dt>Context</dt><dd>{inspection.contextLength?.toLocaleString() ?? '—'}</dd></div>
              <div><dt>Size</dt><dd>{formatBytes(inspection.sizeBytes)}</dd></div>
              <div><dt>Quantisation</dt><dd>{inspection.quantization ?? '—'}</dd></div>
              <div><dt>Chat template</dt><dd>{inspection.chatTemplate ? 'yes' : 'none'}</dd></div>
              <div><dt>License</dt><dd>{inspection.license ?? 'not stated'}</dd></div>
            </dl>
            {inspection.warnings.map((w) => <p key={w} className="field-hint">⚠ {w}</p>)}
            <label className="field">
              <span className="field-label">Name in the library</span>
              <span className="text-input"><input value={name} onChange={(e) => setName(e.target.value)} data-testid="model-import-name" /></span>
            </label>
            <label className="checkbox-row">
              <input type="checkbox" checked={copy} onChange={(e) => setCopy(e.target.checked)} data-testid="model-import-copy" />
              <span>Copy the files into Lathe’s data folder (otherwise they are referenced where they are)</span>
            </label>
          </div>
        )}
        {job && <JobProgress job={job} testId="model-import-progress" />}
      </form>
    </Modal>
  );
}

/** The folder to open the browser in for a path given beforehand (a run's unregistered base model). */
function parentOf(p: string): string {
  const trimmed = p.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i > 0 ? trimmed.slice(0, i) : trimmed;
}
