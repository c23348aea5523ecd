import type { LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';
export type FeedbackCounts = ResultOf<'prefs.feedback'>;

/** The preference pairs each kind of feedback would give now (prefs.feedback), read once when the dialog opens. */
export function useFeedbackCounts(): { counts: FeedbackCounts | null; error: LatheErrorData | null } {
  const { value: counts, error } = useRequest(() => getClient().send('prefs.feedback', {}), []);
  return { counts, error };
}
