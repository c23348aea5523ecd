import { splitCounts } from '../../../src/shared/datasets/split-counts.js';
import { useState } from 'react';
import type { CurateOperation } from '../../../src/shared/contract/features/datasets.js';
import type { DatasetVersion, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { Modal } from '../../components/Modal.js';
import { curateVersion, scanPii } from './datasets-store.js';
import { asErrorData } from '../../stores/errors.js';
import { useToasts } from '../../stores/toasts.js';

export type CurateMode = 'dedup' | 'pii' | 'split';
type Scan = ResultOf<'datasets.piiScan'>;

const kindLabels: Record<string, string> = {
  email: 'Email',
  phone: 'Phone',
  iban: 'IBAN',
  credit_card: 'Card',
  us_ssn: 'US SSN',
  ip_address: 'IP address',
  custom: 'Custom',
};

interface CurateDialogProps {
  mode: CurateMode;
  version: DatasetVersion;
  onClose(): void;
  /** Called with the new version once the engine has recorded it. */
  onDone(version: DatasetVersion): void;
}

/** One curation step on the chosen version: a summary to confirm, then a new immutable version. */
export function CurateDialog({ mode, version, onClose, onDone }: CurateDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [patterns, setPatterns] = useState('');
  const [scan, setScan] = useState<Scan | null>(null);
  const [validation, setValidation] = useState(10);
  const [test, setTest] = useState(10);
  const [seed, setSeed] = useState(0);
  const [stratify, setStratify] = useState(false);
  const counts = splitCounts(version.exampleCount, validation / 100, test / 100);
  const customPatterns = patterns
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);

  async function runScan() {
    setBusy(true);
    setError(null);
    try {
      setScan(await scanPii(version.id, customPatterns));
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  }

  async function apply(operation: CurateOperation) {
    setBusy(true);
    setError(null);
    try {
      const result = await curateVersion(version.id, operation);
      useToasts.getState().push({
        tone: 'success',
        title: `Version ${result.version.number}: removed ${result.removed}, changed ${result.changed}${result.resplit ? `, ${result.resplit} given a new split` : ''}`,
        message: `Made from v${version.number}; v${version.number} is kept as it was.`,
        hint: null,
      });
      onDone(result.version);
    } catch (err) {
      const e = asErrorData(err);
      if (e.code === 'NO_CHANGE') {
        // Not a failure: the step had nothing to do, and no version was made.
        useToasts.getState().push({ tone: 'info', title: e.message, message: e.hint, hint: null });
        onClose();
        return;
      }
      setError(e);
      setBusy(false);
    }
  }

  const title = mode === 'dedup' ? 'Remove exact duplicates' : mode === 'pii' ? 'Scan for personal data' : 'Split for training';
  const subtitle = `From v${version.number} · ${version.exampleCount.toLocaleString('en')} examples — makes a new version, v${version.number} stays`;

  let footer;
  if (mode === 'dedup') {
    footer = (
      <Button variant="primary" busy={busy} onClick={() => void apply({ op: 'dedup-exact' })} data-testid="curate-confirm" data-autofocus>
        Remove duplicates
      </Button>
    );
  } else if (mode === 'split') {
    footer = (
      <Button
        variant="primary"
        busy={busy}
        onClick={() => void apply({ op: 'split', seed, validation: validation / 100, test: test / 100, stratifyBy: stratify ? 'source' : 'none' })}
        data-testid="curate-confirm"
      >
        Split
      </Button>
    );
  } else {
    footer = (
      <>
        <Button onClick={() => void runScan()} busy={busy && !scan} data-testid="pii-rescan">
          {scan ? 'Scan again' : 'Scan'}
        </Button>
        <Button
          variant="danger"
          disabled={!scan || scan.examplesWithPii === 0 || busy}
          onClick={() => void apply({ op: 'pii-drop', customPatterns })}
          data-testid="pii-drop"
        >
          Drop {scan ? scan.examplesWithPii : ''} examples
        </Button>
        <Button
          variant="primary"
          disabled={!scan || scan.examplesWithPii === 0 || busy}
          onClick={() => void apply({ op: 'pii-redact', customPatterns })}
          data-testid="pii-redact"
        >
          Redact all
        </Button>
      </>
    );
  }

  return (
    <Modal
      open
      title={title}
      subtitle={subtitle}
      onClose={onClose}
      testId="curate-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <span className="curate-footer-gap" />
          {footer}
        </>
      }
    >
      <div className="curate-body">
        {error && <ErrorAlert title="The engine said no" error={error} />}
        {mode === 'dedup' && (
          <p className="curate-summary" data-testid="curate-summary">
            Keeps the first copy of every example whose content is byte-for-byte identical to an earlier one, and removes the
            rest. Order is kept.
          </p>
        )}
        {mode === 'split' && (
          <div className="curate-form" data-testid="curate-summary">
            <label className="field">
              <span className="field-label">Validation %</span>
              <input className="text-input" type="number" min={0} max={50} value={validation} onChange={(e) => setValidation(clamp(e.target.valueAsNumber))} data-testid="split-validation" data-autofocus />
            </label>
            <label className="field">
              <span className="field-label">Test %</span>
              <input className="text-input" type="number" min={0} max={50} value={test} onChange={(e) => setTest(clamp(e.target.valueAsNumber))} data-testid="split-test" />
            </label>
            <label className="field">
              <span className="field-label">Seed</span>
              <input className="text-input" type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Math.floor(e.target.valueAsNumber || 0)))} data-testid="split-seed" />
            </label>
            <label className="curate-check">
              <input type="checkbox" checked={stratify} onChange={(e) => setStratify(e.target.checked)} data-testid="split-stratify" />
              <span>Stratify by source file</span>
            </label>
            <p className="curate-summary" data-testid="split-preview">
              {stratify ? 'About ' : ''}
              {counts.train.toLocaleString('en')} train, {counts.validation.toLocaleString('en')} validation and {counts.test.toLocaleString('en')} test
              examples{stratify ? ' (rounded within each source file)' : ''}: each share rounded to whole examples, train the rest. The same seed gives
              the same split.
            </p>
          </div>
        )}
        {mode === 'pii' && (
          <>
            <label className="field">
              <span className="field-label">Custom patterns (optional, one regular expression a line)</span>
              <textarea
                className="text-input curate-patterns"
                rows={2}
                value={patterns}
                spellCheck={false}
                placeholder={'EMP-\\d{6}'}
                onChange={(e) => setPatterns(e.target.value)}
                data-testid="pii-patterns"
                data-autofocus
              />
            </label>
            {scan && <ScanResult scan={scan} />}
          </>
        )}
      </div>
    </Modal>
  );
}

function ScanResult({ scan }: { scan: Scan }) {
  const kinds = Object.entries(scan.byKind).filter(([, n]) => n > 0);
  return (
    <div className="pii-result" data-testid="pii-result">
      <p className="curate-summary" data-testid="pii-summary">
        {scan.examplesWithPii.toLocaleString('en')} of {scan.examplesScanned.toLocaleString('en')} examples hold personal data.
      </p>
      {kinds.length > 0 && (
        <div className="pii-kinds">
          {kinds.map(([kind, n]) => (
            <span key={kind} className="pii-kind" data-testid="pii-kind" data-kind={kind}>
              {kindLabels[kind] ?? kind} <strong>{n}</strong>
            </span>
          ))}
        </div>
      )}
      {scan.hits.length > 0 && (
        <ol className="pii-hits">
          {scan.hits.map((h, i) => (
            <li key={i} className="pii-hit" data-testid="pii-hit">
              <span className="pii-hit-where">
                row {(h.position + 1).toLocaleString('en')} · {kindLabels[h.kind] ?? h.kind}
              </span>
              <span className="pii-hit-context">{highlight(h.context)}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The engine marks the match as ⟦…⟧; show it as a highlight, as text (never as HTML). */
function highlight(context: string) {
  const parts = context.split(/⟦|⟧/);
  return parts.map((p, i) => (i % 2 === 1 ? <mark key={i} data-testid="pii-match">{p}</mark> : <span key={i}>{p}</span>));
}

function clamp(n: number): number {
  return Number.isFinite(n) ? Math.min(50, Math.max(0, Math.round(n))) : 0;
}
