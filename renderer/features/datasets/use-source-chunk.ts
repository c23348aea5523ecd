import type { ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';
export type SyntheticItem = NonNullable<ResultOf<'synthetic.item'>['item']>;
export type SourceChunk = { item: SyntheticItem; chunk: string | null };

/**
 * The synthetic item behind an example of a version, with the chunk it was generated from; null while it loads, for
 * an example that was not generated, and when it cannot be read (provenance is an aid: the card works without it).
 */
export function useSourceChunk(versionId: string, position: number, contentHash: string): SourceChunk | null {
  const { value, error, loading } = useRequest(() => getClient().send('synthetic.item', { versionId, position, contentHash }), [versionId, position, contentHash]);
  if (loading || error || !value?.item) return null;
  return { item: value.item, chunk: value.chunk };
}
