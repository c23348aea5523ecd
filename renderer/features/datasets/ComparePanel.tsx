import { useState } from 'react';
import type { DatasetVersion } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { VersionDiffList } from './VersionDiffList.js';
import { useVersionDiff, type DiffKind } from './use-version-diff.js';

const parts = ['added', 'removed', 'changed', 'unchanged'] as const;
const listable = (k: (typeof parts)[number]): k is DiffKind => k !== 'unchanged';

/**
 * Two versions side by side: how many examples were added, removed, changed or kept, as tiles and one stacked bar;
 * a tile opens the examples behind its count (changed ones as a before/after word diff).
 */
export function ComparePanel({ versions, initialTo }: { versions: DatasetVersion[]; initialTo: string }) {
  const oldest = versions[versions.length - 1]?.id ?? '';
  const [from, setFrom] = useState(oldest === initialTo ? (versions[1]?.id ?? oldest) : oldest);
  const [to, setTo] = useState(initialTo);
  const [kind, setKind] = useState<DiffKind>('changed');
  const { diff, error } = useVersionDiff(from, to);

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
            {parts.map((k) =>
              listable(k) ? (
                <button
                  key={k}
                  type="button"
                  className={`diff-tile is-${k} is-button`}
                  data-testid={`diff-${k}`}
                  aria-pressed={kind === k}
                  onClick={() => setKind(k)}
                  title={`Show the ${k} examples`}
                >
                  <span className="diff-value">{diff[k].toLocaleString('en')}</span>
                  <span className="diff-label">{k}</span>
                </button>
              ) : (
                <div key={k} className={`diff-tile is-${k}`} data-testid={`diff-${k}`}>
                  <span className="diff-value">{diff[k].toLocaleString('en')}</span>
                  <span className="diff-label">{k}</span>
                </div>
              ),
            )}
          </div>
          <div className="diff-bar" role="img" aria-label={parts.map((k) => `${diff[k]} ${k}`).join(', ')}>
            {total > 0 && parts.map((k) => (diff[k] > 0 ? <span key={k} className={`is-${k}`} style={{ flexGrow: diff[k] }} /> : null))}
          </div>
          {from === to ? (
            <p className="diff-list-empty">Pick two different versions to see what changed.</p>
          ) : (
            <VersionDiffList from={from} to={to} kind={kind} total={diff[kind]} />
          )}
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
