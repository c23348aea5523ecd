import type { ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';

/** Agreement among a version's labellers (reviews.agreement), asked again whenever `refresh` changes (new verdicts). */
export function useReviewAgreement(versionId: string, refresh: unknown): ResultOf<'reviews.agreement'> | null {
  return useRequest(() => getClient().send('reviews.agreement', { versionId }), [versionId, refresh]).value;
}
