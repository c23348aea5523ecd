import { useEffect, useState } from 'react';
import type { AuditFamily } from '../../../src/shared/contract/features/audit.js';
import { Button } from '../../components/Button.js';
import { SearchIcon, XIcon } from '../../components/icons.js';
import { useAudit, type AuditExtraFilter } from './audit-store.js';
import { useAuditFacets } from './audit-store.js';

/** Kinds of activity a reviewer asks about; the engine maps each to its action names (AUDIT_FAMILIES). */
const FAMILIES: Array<{ label: string; family: AuditFamily | '' }> = [
  { label: 'All', family: '' },
  { label: 'Imports', family: 'import' },
  { label: 'Edits', family: 'edit' },
  { label: 'Reviews', family: 'review' },
  { label: 'Runs', family: 'run' },
  { label: 'Evals', family: 'eval' },
  { label: 'Releases', family: 'release' },
  { label: 'Overrides', family: 'override' },
  { label: 'Exports', family: 'export' },
  { label: 'Models', family: 'model' },
];

/**
 * The Audit page's filters: action family, actor, object type, a date range and text inside the details. Each
 * change reloads from the engine (the log may hold millions of entries; nothing is filtered in the page).
 */
export function AuditFilters() {
  const extra = useAudit((s) => s.extra);
  const filter = useAudit((s) => s.filter);
  const setExtra = useAudit((s) => s.setExtra);
  const clearFilters = useAudit((s) => s.clearFilters);
  const setFamily = useAudit((s) => s.setFamily);
  const filtering = filter.trim() !== '' || Object.values(extra).some((v) => v !== '');
  const facets = useAuditFacets();
  const [text, setText] = useState(extra.text);
  // "Clear filters" empties the store; the search box follows (only then, so no keystroke is ever overwritten).
  useEffect(() => {
    if (extra.text === '') setText('');
  }, [extra.text]);

  useEffect(() => {
    if (text === extra.text) return;
    const t = window.setTimeout(() => setExtra({ text }), 250);
    return () => window.clearTimeout(t);
  }, [text, extra.text, setExtra]);

  const pick = (key: keyof AuditExtraFilter) => (e: { target: { value: string } }) => setExtra({ [key]: e.target.value });

  return (
    <div className="audit-filters" data-testid="audit-filters">
      <div className="segmented audit-families" role="group" aria-label="Action family">
        {FAMILIES.map((f) => (
          <button key={f.label} type="button" className={extra.family === f.family ? 'is-selected' : ''} aria-pressed={extra.family === f.family} onClick={() => setFamily(f.family)} data-testid={`audit-family-${f.label.toLowerCase().replace(/\s+/g, '-')}`}>
            {f.label}
          </button>
        ))}
      </div>
      <div className="audit-filter-row">
        <label className="search-input audit-text">
          <SearchIcon size={14} />
          <input type="search" value={text} placeholder="Search details, e.g. a hash or file name" aria-label="Search the details" spellCheck={false} maxLength={200} onChange={(e) => setText(e.target.value)} data-testid="audit-text" />
        </label>
        <label className="select-input is-sm">
          <select aria-label="Actor" value={extra.actor} onChange={pick('actor')} data-testid="audit-actor">
            <option value="">Anyone</option>
            {facets.actors.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="select-input is-sm">
          <select aria-label="Object type" value={extra.objectType} onChange={pick('objectType')} data-testid="audit-object-type">
            <option value="">Any object</option>
            {facets.objectTypes.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label className="audit-date">
          <span>From</span>
          <input type="date" value={extra.from} onChange={pick('from')} aria-label="From date" data-testid="audit-from" />
        </label>
        <label className="audit-date">
          <span>To</span>
          <input type="date" value={extra.to} onChange={pick('to')} aria-label="To date" data-testid="audit-to" />
        </label>
        {extra.objectId && (
          <span className="audit-object-chip" data-testid="audit-object-chip">
            Object <code>{extra.objectId}</code>
            <button type="button" className="icon-btn" aria-label="Show every object" onClick={() => setExtra({ objectId: '' })}>
              <XIcon size={12} />
            </button>
          </span>
        )}
        {filtering && (
          <Button size="sm" variant="ghost" onClick={clearFilters} data-testid="audit-clear">
            Clear filters
          </Button>
        )}
      </div>
    </div>
  );
}
