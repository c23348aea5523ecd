import { useEffect, useState } from 'react';
import type { LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';

/** The most matches one search lists (the engine's limit is 1000; a person refines before reading more). */
export const SEARCH_LIMIT = 200;
const DEBOUNCE_MS = 250;

type Found = ResultOf<'datasets.search'>;
export type FoundExample = Found['examples'][number];

export interface ExampleSearchState {
  /** The query the results answer (trimmed); '' when not searching. */
  query: string;
  results: FoundExample[] | null;
  notYetSearchable: number;
  error: LatheErrorData | null;
}

/** Full-text search of one version (datasets.search, FTS5: every word must match), a moment after typing stops. */
export function useExampleSearch(versionId: string, typed: string): ExampleSearchState {
  const query = typed.trim();
  const [state, setState] = useState<ExampleSearchState>({ query: '', results: null, notYetSearchable: 0, error: null });
  useEffect(() => {
    if (!query) return setState({ query: '', results: null, notYetSearchable: 0, error: null });
    let live = true;
    const timer = window.setTimeout(() => {
      getClient()
        .send('datasets.search', { versionId, query, limit: SEARCH_LIMIT })
        .then((r) => live && setState({ query, results: r.examples, notYetSearchable: r.notYetSearchable, error: null }))
        .catch((err: unknown) => live && setState({ query, results: null, notYetSearchable: 0, error: asErrorData(err) }));
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [versionId, query]);
  return state;
}

