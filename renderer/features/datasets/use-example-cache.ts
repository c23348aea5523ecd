import { useEffect, useState, useSyncExternalStore } from 'react';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { ExampleCache } from './example-cache.js';

export const EXAMPLE_BLOCK = 500;

const noSubscribe = () => () => undefined;
const zero = () => 0;

/**
 * One block cache per dataset version, for as long as the version is on screen. Made in an effect (not a memo)
 * so StrictMode's mount–unmount–mount gets a live cache, and a version switch drops the old one's blocks.
 */
export function useExampleCache(versionId: string, total: number): ExampleCache | null {
  const [cache, setCache] = useState<ExampleCache | null>(null);
  useEffect(() => {
    const c = new ExampleCache((offset, limit) => getClient().send('datasets.examples', { versionId, offset, limit }), {
      total,
      blockSize: EXAMPLE_BLOCK,
      onError: asErrorData,
    });
    setCache(c);
    return () => {
      c.dispose();
      setCache((cur) => (cur === c ? null : cur));
    };
  }, [versionId, total]);
  // Re-render whenever a block lands.
  useSyncExternalStore(cache?.subscribe ?? noSubscribe, cache?.getRevision ?? zero);
  return cache;
}
