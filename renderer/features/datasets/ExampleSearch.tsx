import { useEffect, type CSSProperties, type RefObject } from 'react';
import { ErrorAlert } from '../../components/Alert.js';
import { SearchIcon, XIcon } from '../../components/icons.js';
import { RowCells } from './ExamplesTable.js';
import { SEARCH_LIMIT, type ExampleSearchState } from './use-example-search.js';

export { useExampleSearch } from './use-example-search.js';

/** The search field over the examples, with how many matched. */
export function ExampleSearchBar({ value, onChange, state, total }: { value: string; onChange(v: string): void; state: ExampleSearchState; total: number }) {
  const searching = value.trim() !== '';
  const pending = searching && state.query !== value.trim();
  const count = state.results?.length ?? 0;
  const status = !searching
    ? `${total.toLocaleString('en')} examples`
    : pending
      ? 'Searching…'
      : state.error
        ? ''
        : `${count === SEARCH_LIMIT ? `First ${SEARCH_LIMIT}` : count.toLocaleString('en')} ${count === 1 ? 'match' : 'matches'}${state.notYetSearchable ? ` · ${state.notYetSearchable.toLocaleString('en')} not indexed yet` : ''}`;
  return (
    <div className="examples-search">
      <span className="text-input is-search">
        <SearchIcon size={14} aria-hidden="true" />
        <input
          type="search"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && value) {
              e.stopPropagation();
              onChange('');
            }
          }}
          placeholder="Search this version — every word must match"
          aria-label="Search the examples of this version"
          data-testid="examples-search"
        />
        {value && (
          <button type="button" className="examples-search-clear" onClick={() => onChange('')} aria-label="Clear the search" data-testid="examples-search-clear">
            <XIcon size={13} />
          </button>
        )}
      </span>
      <span className="examples-search-status" role="status" data-testid="examples-search-status">
        {status}
      </span>
    </div>
  );
}

/** The matches, in the examples table's own row layout; a click opens one beside the list. */
export function ExampleSearchResults({
  state,
  kind,
  selected,
  onOpen,
  viewportRef,
}: {
  state: ExampleSearchState;
  kind: 'task' | 'documents';
  selected: number | null;
  onOpen(position: number): void;
  viewportRef: RefObject<HTMLDivElement | null>;
}) {
  const results = state.results ?? [];
  const cols = kind === 'documents' ? 'is-text' : 'is-chat';
  useEffect(() => {
    if (selected !== null) document.getElementById(`search-row-${selected}`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  return (
    <div className="examples-table">
      {state.error && <ErrorAlert title="The search failed" error={state.error} />}
      <div
        className={`examples-viewport ${cols} is-search-results`}
        ref={viewportRef}
        tabIndex={0}
        role="grid"
        aria-rowcount={results.length}
        aria-label="Matching examples"
        aria-activedescendant={selected !== null ? `search-row-${selected}` : undefined}
        style={{ '--pos-width': '76px' } as CSSProperties}
        data-testid="examples-search-results"
      >
        {state.results && results.length === 0 && (
          <p className="examples-search-empty">No example of this version has every one of these words. Try fewer or other words.</p>
        )}
        {results.map((example) => (
          <div
            key={example.position}
            id={`search-row-${example.position}`}
            role="row"
            aria-selected={example.position === selected}
            className={`ex-row is-static${example.position === selected ? ' is-selected' : ''}`}
            onClick={() => {
              onOpen(example.position);
              viewportRef.current?.focus({ preventScroll: true });
            }}
            data-testid="search-row"
            data-position={example.position + 1}
          >
            <span className="ex-cell ex-pos" role="gridcell">
              {(example.position + 1).toLocaleString('en')}
            </span>
            <RowCells example={example} kind={kind} />
          </div>
        ))}
      </div>
    </div>
  );
}
