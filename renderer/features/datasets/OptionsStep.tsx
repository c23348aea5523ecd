import { Alert } from '../../components/Alert.js';
import { formatBytes } from '../../lib/format.js';
import { targetName, useDatasetImport, type OnError } from './dataset-import-store.js';
import { useDatasets } from './datasets-store.js';
import { fileTypeLabels, formatLabels } from './import-format.js';

const choices: Array<{ id: OnError; title: string; text: string }> = [
  {
    id: 'abort',
    title: 'Stop at the first bad row',
    text: 'Nothing is imported if any row cannot be read; the error names the line to fix. Best for files that should be clean.',
  },
  {
    id: 'skip',
    title: 'Skip bad rows',
    text: 'Every good row is imported. Bad rows are kept in a rejects file with the reason, so nothing disappears silently.',
  },
];

const documentChoices: Array<{ id: OnError; title: string; text: string }> = [
  {
    id: 'abort',
    title: 'Stop at the first unreadable file',
    text: 'Nothing is imported if any document cannot be read (an encrypted or damaged PDF, a broken DOCX); the error names the file.',
  },
  {
    id: 'skip',
    title: 'Skip bad files',
    text: 'Every readable document is imported. Skipped files are listed with the reason in a rejects file and counted in the result.',
  },
];

/** Step 2: a last look at what goes where, and what to do with rows that cannot be read. */
export function OptionsStep() {
  const s = useDatasetImport();
  const datasets = useDatasets((d) => d.datasets);
  if (s.documents) return <DocumentOptions />;
  const d = s.detection;
  if (!d) return null;
  const name = targetName(s) ?? '—';
  const existing = datasets.find((x) => x.name === name);
  const nextVersion = (existing?.latestVersion?.number ?? 0) + 1;
  const problems = d.preview.filter((r) => r.problem !== null).length;

  return (
    <div className="wizard-step">
      <dl className="summary-list" data-testid="import-summary">
        <div>
          <dt>From</dt>
          <dd>
            <code className="summary-path">{d.path}</code>
            <span className="summary-meta">
              {fileTypeLabels[d.fileType]} · {formatLabels[d.format]} · {formatBytes(d.bytes)}
            </span>
          </dd>
        </div>
        <div>
          <dt>Into</dt>
          <dd>
            <strong>{name}</strong>
            <span className="summary-meta">
              {existing ? `new version ${nextVersion} of an existing dataset` : 'new dataset, version 1'}
            </span>
          </dd>
        </div>
      </dl>

      <fieldset className="choice-group">
        <legend className="field-label">When a row cannot be read</legend>
        {choices.map((c) => (
          <label key={c.id} className={`choice${s.onError === c.id ? ' is-selected' : ''}`} data-testid={`import-onerror-${c.id}`}>
            <input
              type="radio"
              name="on-error"
              value={c.id}
              checked={s.onError === c.id}
              onChange={() => s.setOnError(c.id)}
              data-autofocus={s.onError === c.id ? true : undefined}
            />
            <span className="choice-body">
              <span className="choice-title">{c.title}</span>
              <span className="choice-text">{c.text}</span>
            </span>
          </label>
        ))}
      </fieldset>

      {problems > 0 && (
        <Alert tone="warning" title={`The preview already shows ${problems} bad ${problems === 1 ? 'row' : 'rows'}`}>
          {s.onError === 'abort'
            ? 'With “Stop at the first bad row” this import will stop there and write nothing.'
            : 'They will go to the rejects file; the count is in the result.'}
        </Alert>
      )}
    </div>
  );
}

function DocumentOptions() {
  const s = useDatasetImport();
  const datasets = useDatasets((d) => d.datasets);
  const doc = s.documents!;
  const name = targetName(s) ?? '—';
  const existing = datasets.find((x) => x.name === name);
  const unit = s.chunk.tokenizerPath.trim() ? 'tokens' : 'words';
  return (
    <div className="wizard-step">
      <dl className="summary-list" data-testid="import-summary">
        <div>
          <dt>From</dt>
          <dd>
            <code className="summary-path">{doc.path}</code>
            <span className="summary-meta">
              {doc.fileCount.toLocaleString('en')} {doc.fileCount === 1 ? 'document' : 'documents'} · {formatBytes(doc.totalBytes)} · chunks of {s.chunk.chunkSize} {unit}, {s.chunk.overlap} overlap
            </span>
          </dd>
        </div>
        <div>
          <dt>Into</dt>
          <dd>
            <strong>{name}</strong>
            <span className="summary-meta">{existing ? `new version ${(existing.latestVersion?.number ?? 0) + 1} of an existing dataset` : 'new dataset of text chunks, version 1'}</span>
          </dd>
        </div>
      </dl>
      <fieldset className="choice-group">
        <legend className="field-label">When a document cannot be read</legend>
        {documentChoices.map((c) => (
          <label key={c.id} className={`choice${s.onError === c.id ? ' is-selected' : ''}`} data-testid={`import-onerror-${c.id}`}>
            <input type="radio" name="on-error" value={c.id} checked={s.onError === c.id} onChange={() => s.setOnError(c.id)} data-autofocus={s.onError === c.id ? true : undefined} />
            <span className="choice-body">
              <span className="choice-title">{c.title}</span>
              <span className="choice-text">{c.text}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {doc.problems.length > 0 && (
        <Alert tone="warning" title={`The preview already found ${doc.problems.length} unreadable ${doc.problems.length === 1 ? 'file' : 'files'}`}>
          {s.onError === 'abort' ? 'With “Stop at the first unreadable file” this import will stop there and write nothing.' : 'They will be listed in the rejects file; the count is in the result.'}
        </Alert>
      )}
    </div>
  );
}
