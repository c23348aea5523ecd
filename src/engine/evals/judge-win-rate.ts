import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { ResultOf } from '../../shared/contract/index.js';
import { judgeQueries } from '../db/queries/judge.js';
import { wilsonInterval } from './preferences/win-rate.js';

/**
 * The local judge as a pairwise preference: two judgings of evals over the same items, under one judge and rubric,
 * compared item by item (higher score wins, equal scores tie). The same convention and interval as blind A/B, so
 * the two win rates can be read side by side.
 */
export function judgeWinRate(db: Database.Database, aJudgingId: string, bJudgingId: string): ResultOf<'evals.judgeWinRate'> {
  const q = judgeQueries(db);
  const [a, b] = [aJudgingId, bJudgingId].map((id) => q.get(id) ?? notFound(id));
  if (a!.judge_model_id !== b!.judge_model_id || a!.adapter_ids !== b!.adapter_ids || a!.rubric !== b!.rubric) {
    throw new LatheError('INVALID_ARGUMENTS', 'The two judgings used different judges or rubrics, so their scores are not comparable.', 'Judge both evals with the same judge model, adapters and rubric.');
  }
  const bScores = new Map(q.items(b!.id).map((i) => [i.position, i.score]));
  let aWins = 0, bWins = 0, ties = 0, unscored = 0;
  for (const item of q.items(a!.id)) {
    if (!bScores.has(item.position)) continue; // not an item both evals answered
    const sb = bScores.get(item.position);
    if (item.score === null || sb === null || sb === undefined) { unscored += 1; continue; }
    if (sb > item.score) bWins += 1;
    else if (sb < item.score) aWins += 1;
    else ties += 1;
  }
  const n = aWins + bWins + ties;
  const w = wilsonInterval(bWins + ties / 2, n);
  return { n, aWins, bWins, ties, unscored, winRateB: w?.rate ?? null, low: w?.low ?? null, high: w?.high ?? null };
}

function notFound(id: string): never {
  throw new LatheError('NOT_FOUND', `There is no judging ${id}.`, 'Judge the eval first (Evaluate → Judge), then compare.');
}
