import { useState } from 'react';
import type { ExportFormat } from '../../../src/shared/contract/features/dataset-export.js';
import type { DatasetVersion, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { Modal } from '../../components/Modal.js';
import { shortHash } from '../../lib/format.js';
import { exportVersion } from './datasets-store.js';
import { asErrorData } from '../../stores/errors.js';
import { useToasts } from '../../stores/toasts.js';

type Result = ResultOf<'datasets.export'>;
const FORMATS: Array<{ id: ExportFormat; label: string; hint: string }> = [
  { id: 'openai-chat', label: 'OpenAI chat', hint: '{"messages": […], "tools"} — every turn, tool call and weight; pairs as {prompt, chosen, rejected}, KTO with its label; unused source fields written back' },
  { id: 'alpaca', label: 'Alpaca', hint: '{"instruction", "input", "output"} — one question and one answer per example' },
  { id: 'text', label: 'Plain text', hint: '{"text"} — for continued pre-training; chat turns are joined' },
];

/** Writes the version as JSONL with a manifest (version hash, counts, sources and their hashes, operations). */
export function ExportDialog({ version, onClose }: { version: DatasetVersion; onClose(): void }) {
  const [format, setFormat] = useState<ExportFormat>('openai-chat');
  const [split, setSplit] = useState('');
  const [path, setPath] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [result, setResult] = useState<Result | null>(null);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const r = await exportVersion({
        versionId: version.id,
        format,
        overwrite,
        ...(split ? { split: split as 'train' } : {}),
        ...(path.trim() ? { path: path.trim() } : {}),
      });
      setResult(r);
      useToasts.getState().push({ tone: 'success', title: `Exported ${r.manifest.file.lines} examples`, message: r.path, hint: null });
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      open
      title={`Export v${version.number}`}
      subtitle={`${version.exampleCount.toLocaleString('en')} examples · ${shortHash(version.contentHash, 12)}`}
      onClose={onClose}
      testId="export-dialog"
      footer={
        <>
          <Button onClick={onClose}>{result ? 'Close' : 'Cancel'}</Button>
          <span className="curate-footer-gap" />
          <Button variant="primary" busy={busy} onClick={() => void run()} data-testid="export-confirm">
            {result ? 'Export again' : 'Export'}
          </Button>
        </>
      }
    >
      <div className="curate-body">
        {error && <ErrorAlert title="Nothing was written" error={error} />}
        <fieldset className="export-formats" data-testid="export-formats">
          <legend className="field-label">Format</legend>
          {FORMATS.map((f, i) => (
            <label key={f.id} className={`export-format${format === f.id ? ' is-selected' : ''}`}>
              <input type="radio" name="export-format" value={f.id} checked={format === f.id} onChange={() => setFormat(f.id)} data-testid={`export-format-${f.id}`} {...(i === 0 ? { 'data-autofocus': true } : {})} />
              <span className="export-format-label">{f.label}</span>
              <span className="export-format-hint">{f.hint}</span>
            </label>
          ))}
        </fieldset>
        <div className="curate-form">
          <label className="field">
            <span className="field-label">Split</span>
            <span className="select-input">
              <select value={split} onChange={(e) => setSplit(e.target.value)} data-testid="export-split">
                <option value="">All examples</option>
                <option value="train">Train only</option>
                <option value="validation">Validation only</option>
                <option value="test">Test only</option>
              </select>
            </span>
          </label>
          <label className="field export-path">
            <span className="field-label">File (optional)</span>
            <span className="text-input is-mono">
              <input value={path} placeholder="default: <data>/exports/datasets/…jsonl" onChange={(e) => setPath(e.target.value)} data-testid="export-path" />
            </span>
          </label>
        </div>
        <label className="curate-check">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="export-overwrite" />
          <span>Replace the file if it exists</span>
        </label>
        {result && (
          <dl className="export-result" data-testid="export-result">
            <dt>File</dt>
            <dd>
              <code data-testid="export-result-path">{result.path}</code>
            </dd>
            <dt>Manifest</dt>
            <dd>
              <code>{result.manifestPath}</code>
            </dd>
            <dt>sha256</dt>
            <dd>
              <code title={result.manifest.file.sha256}>{shortHash(result.manifest.file.sha256, 16)}</code>
            </dd>
            <dt>Examples</dt>
            <dd data-testid="export-result-lines">{result.manifest.file.lines.toLocaleString('en')}</dd>
            <dt>Sources</dt>
            <dd>{result.manifest.sources.map((s) => `${s.path.split('/').pop()} (${shortHash(s.sha256, 8)})`).join(', ') || '—'}</dd>
            <dt>Steps</dt>
            <dd>{result.manifest.operations.map((o) => `v${o.number} ${o.operation}`).join(' → ')}</dd>
          </dl>
        )}
      </div>
    </Modal>
  );
}
