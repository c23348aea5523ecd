import { useEffect, useState } from 'react';
import { SearchIcon } from '../../components/icons.js';
import { getClient, useConnection } from '../../stores/connection.js';
import { useAudit, type AuditExtraFilter } from '../../stores/audit.js';

/** Action families a reviewer asks about; each is an action prefix. */
const FAMILIES: Array<{ label: string; prefix: string }> = [
  { label: 'All', prefix: '' },
  { label: 'Imports', prefix: 'dataset.import' },
  { label: 'Data edits', prefix: 'dataset.' },
  { label: 'Reviews', prefix: 'review.' },
  { label: 'Runs', prefix: 'run.' },
  { label: 'Models', prefix: 'model.' },
  { label: 'Evals', prefix: 'eval.' },
  { label: 'Releases', prefix: 'gate.' },
  { label: 'Exports', prefix: 'export.' },
];

/**
 * The Audit page's filters: action family, actor, object type, a date range and text inside the details. Each
 * change reloads from the engine (the log may hold millions of entries; nothing is filtered in the page).
 */
export function AuditFilters() {
  const extra = useAudit((s) => s.extra);
  const filter = useAudit((s) => s.filter);
  const setFilter = useAudit((s) => s.setFilter);
  const setExtra = useAudit((s) => s.setExtra);
  const open = useConnection((s) => s.status === 'open');
  // New entries may bring a new actor or object type: refresh the pickers when the newest entry changes.
  const newest = useAudit((s) => s.entries[0]?.seq ?? 0);
  const [facets, setFacets] = useState<{ actors: string[]; objectTypes: string[] }>({ actors: [], objectTypes: [] });
  const [text, setText] = useState(extra.text);

  useEffect(() => {
    if (!open) return;
    getClient().send('audit.facets', {}).then(setFacets, () => undefined);
  }, [open, newest]);

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
          <button key={f.label} type="button" className={filter === f.prefix ? 'is-selected' : ''} aria-pressed={filter === f.prefix} onClick={() => setFilter(f.prefix)} data-testid={`audit-family-${f.label.toLowerCase().replace(/\s+/g, '-')}`}>
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
      </div>
    </div>
  );
}
