import { useCallback, useState } from 'react';
import type { ArgsOf, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';

/** A version's split among labellers and their progress (reviews.assignments), and a new split (reviews.assign). */
export function useReviewAssignments(versionId: string, refresh: unknown) {
  const [bump, setBump] = useState(0);
  const { value } = useRequest(() => getClient().send('reviews.assignments', { versionId }), [versionId, refresh, bump]);
  const assign = useCallback(
    async (args: Omit<ArgsOf<'reviews.assign'>, 'versionId'>): Promise<ResultOf<'reviews.assign'>> => {
      const result = await getClient().send('reviews.assign', { versionId, ...args });
      setBump((b) => b + 1);
      return result;
    },
    [versionId],
  );
  return { assignments: value, assign };
}
