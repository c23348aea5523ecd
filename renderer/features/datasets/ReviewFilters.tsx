import { useEffect, useState } from 'react';
import type { ExampleFilter } from '../../../src/shared/contract/features/review.js';
import { SearchIcon } from '../../components/icons.js';

const STATUS_LABELS: Record<string, string> = {
  unreviewed: 'Unreviewed',
  accepted: 'Accepted',
  rejected: 'Rejected',
  edited: 'Edited',
  skipped: 'Skipped',
  disagreement: 'Disagreement',
};

interface Props {
  filter: ExampleFilter;
  onChange(filter: ExampleFilter): void;
  sources: string[];
  tags: string[];
}

/** The filters bar over the review queue and the examples: each control narrows the list the engine returns. */
export function ReviewFilters({ filter, onChange, sources, tags }: Props) {
  const [search, setSearch] = useState(filter.search ?? '');
  // Search waits for a pause in typing, so each key press doesn't become a query.
  useEffect(() => {
    const t = window.setTimeout(() => {
      const next = search.trim() || undefined;
      if (next !== filter.search) onChange({ ...filter, search: next });
    }, 250);
    return () => window.clearTimeout(t);
  }, [search]); // eslint-disable-line react-hooks/exhaustive-deps

  const set = <K extends keyof ExampleFilter>(key: K, value: ExampleFilter[K] | undefined) => {
    const next = { ...filter };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onChange(next);
  };
  const bool = (v: string) => (v === '' ? undefined : v === 'yes');
  const active = Object.keys(filter).length;

  return (
    <div className="review-filters" role="group" aria-label="Filters" data-testid="review-filters">
      <label className="text-input review-search">
        <SearchIcon size={14} />
        <input
          type="search"
          placeholder="Search text"
          aria-label="Full-text search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="filter-search"
        />
      </label>
      <Select label="Status" value={filter.status ?? ''} onChange={(v) => set('status', (v || undefined) as ExampleFilter['status'])} testId="filter-status">
        <option value="">Any status</option>
        {Object.entries(STATUS_LABELS).map(([k, l]) => (
          <option key={k} value={k}>
            {l}
          </option>
        ))}
      </Select>
      <Select label="Tag" value={filter.tag ?? ''} onChange={(v) => set('tag', v || undefined)} testId="filter-tag">
        <option value="">Any tag</option>
        {tags.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </Select>
      <Select label="Source" value={filter.source ?? ''} onChange={(v) => set('source', v || undefined)} testId="filter-source">
        <option value="">Any source</option>
        {sources.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </Select>
      <Select label="Split" value={filter.split ?? ''} onChange={(v) => set('split', (v || undefined) as ExampleFilter['split'])} testId="filter-split">
        <option value="">Any split</option>
        <option value="train">Train</option>
        <option value="validation">Validation</option>
        <option value="test">Test</option>
        <option value="none">Not split</option>
      </Select>
      <Select label="Personal data" value={filter.pii === undefined ? '' : filter.pii ? 'yes' : 'no'} onChange={(v) => set('pii', bool(v))} testId="filter-pii">
        <option value="">PII: any</option>
        <option value="yes">Has PII</option>
        <option value="no">No PII</option>
      </Select>
      <Select label="Near duplicates" value={filter.duplicates === undefined ? '' : filter.duplicates ? 'yes' : 'no'} onChange={(v) => set('duplicates', bool(v))} testId="filter-duplicates">
        <option value="">Duplicates: any</option>
        <option value="yes">In a duplicate cluster</option>
        <option value="no">Unique</option>
      </Select>
      {active > 0 && (
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={() => {
            setSearch('');
            onChange({});
          }}
          data-testid="filter-clear"
        >
          Clear {active}
        </button>
      )}
    </div>
  );
}

function Select({ label, value, onChange, testId, children }: { label: string; value: string; onChange(v: string): void; testId: string; children: React.ReactNode }) {
  return (
    <label className="select-input is-sm">
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {children}
      </select>
    </label>
  );
}

export { STATUS_LABELS };
