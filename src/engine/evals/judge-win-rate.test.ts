import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { evalQueries } from '../db/queries/evals.js';
import { judgeQueries } from '../db/queries/judge.js';
import { Engine } from '../engine.js';

/** The local judge's scores as a win rate (real SQLite; the verdicts are written with the queries, no judge model needed). */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

async function setup(aScores: Array<number | null>, bScores: Array<number | null>, rubricB = 'Correct and complete answers score 5.') {
  const dir = tempDir();
  const e = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  engine = e;
  const file = path.join(dir, 'qa.jsonl');
  fs.writeFileSync(file, aScores.map((_, i) => JSON.stringify({ prompt: `q${i}`, completion: `a${i}` })).join('\n') + '\n');
  const { versionId } = await e.call('datasets.import', { path: file, datasetName: 'QA' });
  const eq = evalQueries(e.ctx.db!);
  const jq = judgeQueries(e.ctx.db!);
  const now = new Date().toISOString();
  for (const [id, scores, rubric] of [['a', aScores, 'Correct and complete answers score 5.'], ['b', bScores, rubricB]] as const) {
    eq.insertEval({ id: `eval-${id}`, label: id, model_id: 'm', adapter_ids: '[]', dataset_version_id: versionId, split: 'all', settings: '{}', status: 'done', item_count: scores.length, error: null, created_at: now, finished_at: now, created_by: 't' });
    jq.insertJudging({ id: `judging-${id}`, eval_id: `eval-${id}`, judge_model_id: 'judge', judge_sha256: 'x', adapter_ids: '[]', rubric, created_at: now, created_by: 't' });
    scores.forEach((score, position) => jq.insert({ judging_id: `judging-${id}`, position, prompt: 'p', raw: score === null ? 'unreadable' : `{"score": ${score}}`, score, reason: null, created_at: now }));
  }
  return e;
}

describe('judge win rate', () => {
  it('counts wins, losses and ties item by item, leaves out unreadable verdicts, and gives a Wilson interval', async () => {
    const e = await setup([3, 3, 4, 2, null, 5, 1, 1, 2, 3], [4, 5, 4, 1, 5, 5, 3, 2, 4, 4]);
    const r = await e.call('evals.judgeWinRate', { aJudgingId: 'judging-a', bJudgingId: 'judging-b' });
    expect(r).toMatchObject({ n: 9, bWins: 6, aWins: 1, ties: 2, unscored: 1 });
    expect(r.winRateB).toBeCloseTo(7 / 9, 10);
    expect(r.low!).toBeGreaterThan(0.4);
    expect(r.low!).toBeLessThan(r.winRateB!);
    expect(r.high!).toBeGreaterThan(r.winRateB!);
    expect(r.high!).toBeLessThanOrEqual(1);
  });

  it('refuses judgings made under different rubrics', async () => {
    const e = await setup([3, 4], [4, 5], 'Short answers score 5.');
    await expect(e.call('evals.judgeWinRate', { aJudgingId: 'judging-a', bJudgingId: 'judging-b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/different judges or rubrics/) });
    await expect(e.call('evals.judgeWinRate', { aJudgingId: 'judging-a', bJudgingId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
