import { Alert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { AlertCircleIcon, InfoIcon } from '../../components/icons.js';
import { formatBytes } from '../../lib/format.js';
import { useDatasetImport } from './dataset-import-store.js';

const kindLabels = { folder: 'Folder of documents', file: 'Document', archive: 'Zip of documents' } as const;

/** "c-report.pdf:p.1-3:chars 0-247" → the file, the pages and the character range, for the preview's margin. */
function splitLocator(locator: string): { file: string; where: string } {
  const m = /^(.*?):((?:p\.\d+(?:-\d+)?:)?chars \d+-\d+)$/.exec(locator);
  if (!m) return { file: locator, where: '' };
  return { file: m[1]!, where: m[2]!.replace(/^p\.(\d+)-(\d+):/, 'pages $1–$2 · ').replace(/^p\.(\d+):/, 'page $1 · ') };
}

/**
 * Documents for continued pre-training: what was found (files, types, size), how they will be cut (the base
 * model's tokenizer, or words), and the first chunks with their file, page and character offsets. The engine
 * reads the files; this panel only shows what it answered.
 */
export function DocumentPreviewPanel() {
  const doc = useDatasetImport((s) => s.documents);
  const chunk = useDatasetImport((s) => s.chunk);
  const setChunk = useDatasetImport((s) => s.setChunk);
  const detect = useDatasetImport((s) => s.detect);
  const busy = useDatasetImport((s) => s.detectStatus === 'running');
  if (!doc) return null;
  const types = [...new Set(doc.files.map((f) => f.type.toUpperCase()))].join(', ');
  // The preview was cut with other settings than the ones now typed: the button says so by turning primary.
  const stale = doc.chunking.size !== chunk.chunkSize || doc.chunking.overlap !== chunk.overlap || (doc.chunking.tokenizer === null) !== (chunk.tokenizerPath.trim() === '');
  const unit = chunk.tokenizerPath.trim() ? 'tokens' : 'words';

  return (
    <>
      <section className={`detect-card${busy ? ' is-busy' : ''}`} aria-busy={busy} data-testid="documents-summary">
        <dl className="detect-facts">
          <div>
            <dt>Detected</dt>
            <dd data-testid="documents-kind">{kindLabels[doc.kind]}</dd>
          </div>
          <div>
            <dt>Files</dt>
            <dd data-testid="documents-files">
              {doc.fileCount.toLocaleString('en')} · {types}
            </dd>
          </div>
          <div>
            <dt>Size</dt>
            <dd>{formatBytes(doc.totalBytes)}</dd>
          </div>
        </dl>

        <div className="detect-mapping doc-chunking">
          <label className="mini-field is-wide">
            <span className="mini-field-label">
              Tokenizer <span className="mini-field-optional">base model folder or tokenizer.json — optional</span>
            </span>
            <span className="text-input is-mono">
              <input
                type="text"
                value={chunk.tokenizerPath}
                placeholder="/models/llama-3.2-1b"
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => setChunk({ tokenizerPath: e.target.value })}
                data-testid="import-tokenizer"
              />
            </span>
          </label>
          <label className="mini-field">
            <span className="mini-field-label">Chunk ({unit})</span>
            <span className="text-input">
              <input
                type="number"
                min={16}
                max={100000}
                value={chunk.chunkSize}
                onChange={(e) => setChunk({ chunkSize: Number(e.target.value) || 0 })}
                data-testid="import-chunk-size"
              />
            </span>
          </label>
          <label className="mini-field">
            <span className="mini-field-label">Overlap ({unit})</span>
            <span className="text-input">
              <input
                type="number"
                min={0}
                max={10000}
                value={chunk.overlap}
                onChange={(e) => setChunk({ overlap: Number(e.target.value) || 0 })}
                data-testid="import-overlap"
              />
            </span>
          </label>
          <Button variant={stale ? 'primary' : 'secondary'} busy={busy} onClick={() => void detect()} data-testid="import-rechunk">
            Preview chunks
          </Button>
          <p className="detect-note" data-testid="documents-chunking">
            {doc.chunking.unit === 'tokens' ? (
              <>
                Chunks of {doc.chunking.size} tokens with {doc.chunking.overlap} overlap, counted with{' '}
                <code>{doc.chunking.tokenizer}</code>.
              </>
            ) : (
              <>
                <InfoIcon size={12} /> {doc.chunking.note} Choose the base model’s folder to cut by its tokens.
              </>
            )}
          </p>
        </div>
      </section>

      {doc.problems.length > 0 && (
        <Alert tone="warning" title={`${doc.problems.length} ${doc.problems.length === 1 ? 'file cannot' : 'files cannot'} be read`}>
          <ul className="doc-problems" data-testid="documents-problems">
            {doc.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Alert>
      )}

      <section className="preview" aria-label="Preview">
        <div className="section-head">
          <h3 className="section-title">Preview</h3>
          <span className="section-meta">First {doc.chunks.length} {doc.chunks.length === 1 ? 'chunk' : 'chunks'}</span>
          {busy && <span className="spinner section-spinner" aria-label="Chunking again" />}
        </div>
        <ol className="preview-list" data-testid="documents-preview">
          {doc.chunks.map((c) => {
            const { file, where } = splitLocator(c.locator);
            return (
              <li key={c.locator} className="preview-row is-chunk" data-testid="chunk-row">
                <span className="preview-locator" title={c.locator}>
                  <span className="chunk-file">{file}</span>
                  <span className="chunk-where" data-testid="chunk-where">
                    {where}
                  </span>
                </span>
                <p className="chunk-text">{c.text.length > 600 ? `${c.text.slice(0, 600)}…` : c.text}</p>
              </li>
            );
          })}
          {doc.chunks.length === 0 && (
            <li className="preview-row has-problem">
              <span className="preview-locator">—</span>
              <p className="preview-problem">
                <AlertCircleIcon size={14} />
                <span>No readable text in the first files.</span>
              </p>
            </li>
          )}
        </ol>
      </section>
    </>
  );
}
