import type { EvalComparison, EvalMetric, Judging } from '../../../src/shared/contract/features/evals.js';
import type { PreferenceResults, PreferenceSession } from '../../../src/shared/contract/features/preferences.js';
import type { ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
/* Baseline (A) against candidate (B): the paired comparison, the LLM judge and its win rate, and blind A/B. */

export type JudgeWinRate = ResultOf<'evals.judgeWinRate'>;
/** A blind A/B session and the pair to judge next (null when every pair is judged). */
export type BlindStep = ResultOf<'prefs.next'>;
export type BlindChoice = 'left' | 'right' | 'tie';

/** Deltas with paired bootstrap intervals, and the items that got worse on `metric`. */
export async function compareEvals(aEvalId: string, bEvalId: string, metric: EvalMetric): Promise<EvalComparison> {
  return getClient().send('evals.compare', { aEvalId, bEvalId, metric });
}

/** An eval's judgings, newest first. */
export async function listJudgings(evalId: string): Promise<Judging[]> {
  const { judgings } = await getClient().send('evals.judgings', { evalId });
  return judgings;
}

/** Scores an eval's answers with a local judge model under a written rubric. */
export async function judgeEval(evalId: string, judgeModelId: string, rubric: string): Promise<Judging> {
  return getClient().send('evals.judge', { evalId, judgeModelId, rubric });
}

/** The local judge's win rate of B over A when both evals' newest judgings share judge and rubric; null otherwise. */
export async function judgeWinRate(aEvalId: string, bEvalId: string): Promise<JudgeWinRate | null> {
  const [a, b] = await Promise.all([aEvalId, bEvalId].map((evalId) => listJudgings(evalId)));
  const ja = a![0];
  const jb = b!.find((j) => ja && j.judgeModelId === ja.judgeModelId && j.rubric === ja.rubric && JSON.stringify(j.adapterIds) === JSON.stringify(ja.adapterIds));
  if (!ja || !jb) return null;
  return getClient().send('evals.judgeWinRate', { aJudgingId: ja.id, bJudgingId: jb.id });
}

/** Opens a blind A/B session on the two evals and deals its first pair. */
export async function startBlindSession(aEvalId: string, bEvalId: string): Promise<BlindStep> {
  const client = getClient();
  const s = await client.send('prefs.create', { aEvalId, bEvalId });
  return client.send('prefs.next', { sessionId: s.id });
}

/** Blind A/B sessions, newest first, with this judge's progress in each. */
export async function listBlindSessions(): Promise<PreferenceSession[]> {
  return (await getClient().send('prefs.list', {})).sessions;
}

/** The next pair of an open session this judge has not decided yet. */
export async function continueBlindSession(sessionId: string): Promise<BlindStep> {
  return getClient().send('prefs.next', { sessionId });
}

/** Records the judge's choice on the pair at `position` and deals the next. */
export async function judgeBlindPair(sessionId: string, position: number, choice: BlindChoice): Promise<BlindStep> {
  return getClient().send('prefs.judge', { sessionId, position, choice });
}

/** Which model was which, and B's win rate with its interval. */
export async function revealBlindResults(sessionId: string): Promise<PreferenceResults> {
  return getClient().send('prefs.results', { sessionId });
}
