import type { LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';

export type VersionDiff = ResultOf<'datasets.diff'>;
export type DiffKind = 'changed' | 'added' | 'removed';
export type DiffPage = ResultOf<'datasets.diffExamples'>;

/** Compare's requests: the counts for two versions, and one page of the examples behind a count. */
export function useVersionDiff(from: string, to: string): { diff: VersionDiff | null; error: LatheErrorData | null } {
  const { value: diff, error } = useRequest(() => getClient().send('datasets.diff', { fromVersionId: from, toVersionId: to }), [from, to]);
  return { diff, error };
}

export function useDiffPage(from: string, to: string, kind: DiffKind, offset: number, limit: number): { page: DiffPage | null; error: LatheErrorData | null } {
  const { value: page, error } = useRequest(
    () => getClient().send('datasets.diffExamples', { fromVersionId: from, toVersionId: to, kind, offset, limit }),
    [from, to, kind, offset, limit],
  );
  return { page, error };
}
