import { useEffect, useState } from 'react';
import type { DatasetVersion, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';

type Diff = ResultOf<'datasets.diff'>;
const parts = ['added', 'removed', 'changed', 'unchanged'] as const;

/** Two versions side by side: how many examples were added, removed, changed or kept, as tiles and one stacked bar. */
export function ComparePanel({ versions, initialTo }: { versions: DatasetVersion[]; initialTo: string }) {
  const oldest = versions[versions.length - 1]?.id ?? '';
  const [from, setFrom] = useState(oldest === initialTo ? (versions[1]?.id ?? oldest) : oldest);
  const [to, setTo] = useState(initialTo);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    getClient()
      .send('datasets.diff', { fromVersionId: from, toVersionId: to })
      .then((d) => live && setDiff(d))
      .catch((err: unknown) => live && setError(asErrorData(err)));
    return () => {
      live = false;
    };
  }, [from, to]);

  const total = diff ? parts.reduce((n, k) => n + diff[k], 0) : 0;
  const pick = (value: string, onChange: (id: string) => void, testId: string, label: string) => (
    <label className="compare-pick">
      <span className="field-label">{label}</span>
      <span className="select-input">
        <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          {versions.map((v) => (
            <option key={v.id} value={v.id}>
              v{v.number} · {operationLabel(v.operation)}
            </option>
          ))}
        </select>
      </span>
    </label>
  );

  return (
    <div className="compare-panel" data-testid="compare-panel">
      <div className="compare-picks">
        {pick(from, setFrom, 'compare-from', 'From')}
        <span className="compare-arrow" aria-hidden="true">→</span>
        {pick(to, setTo, 'compare-to', 'To')}
      </div>
      {error && <ErrorAlert title="Could not compare" error={error} />}
      {diff && (
        <>
          <div className="diff-tiles" aria-busy={false}>
            {parts.map((k) => (
              <div key={k} className={`diff-tile is-${k}`} data-testid={`diff-${k}`}>
                <span className="diff-value">{diff[k].toLocaleString('en')}</span>
                <span className="diff-label">{k}</span>
              </div>
            ))}
          </div>
          <div className="diff-bar" role="img" aria-label={parts.map((k) => `${diff[k]} ${k}`).join(', ')}>
            {total > 0 && parts.map((k) => (diff[k] > 0 ? <span key={k} className={`is-${k}`} style={{ flexGrow: diff[k] }} /> : null))}
          </div>
        </>
      )}
    </div>
  );
}

const labels: Record<string, string> = {
  import: 'Imported',
  imported: 'Imported',
  'dedup-exact': 'Deduplicated',
  'dedup-near': 'Near-deduplicated',
  'pii-redact': 'PII redacted',
  'pii-drop': 'PII dropped',
  split: 'Split',
  review: 'Reviewed',
  filter: 'Filtered',
};

export function operationLabel(operation: string): string {
  return labels[operation] ?? operation;
}
