import type Database from 'better-sqlite3';

export interface JudgingRow { id: string; eval_id: string; judge_model_id: string; judge_sha256: string; adapter_ids: string; rubric: string; created_at: string; created_by: string }
export interface JudgementRow { judging_id: string; position: number; prompt: string; raw: string; score: number | null; reason: string | null; created_at: string }

/** All SQL on LLM-as-judge judgings and their per-item verdicts. */
export function judgeQueries(db: Database.Database) {
  const insertJudging = db.prepare<[JudgingRow]>('INSERT INTO eval_judgings VALUES (@id, @eval_id, @judge_model_id, @judge_sha256, @adapter_ids, @rubric, @created_at, @created_by)');
  const find = db.prepare<[string, string, string, string], JudgingRow>('SELECT * FROM eval_judgings WHERE eval_id = ? AND judge_model_id = ? AND adapter_ids = ? AND rubric = ?');
  const get = db.prepare<[string], JudgingRow>('SELECT * FROM eval_judgings WHERE id = ?');
  const ofEval = db.prepare<[string], JudgingRow>('SELECT * FROM eval_judgings WHERE eval_id = ? ORDER BY created_at DESC, rowid DESC');
  const insert = db.prepare<[JudgementRow]>('INSERT INTO eval_judgements VALUES (@judging_id, @position, @prompt, @raw, @score, @reason, @created_at)');
  const items = db.prepare<[string], JudgementRow>('SELECT * FROM eval_judgements WHERE judging_id = ? ORDER BY position');
  return {
    insertJudging: (row: JudgingRow) => void insertJudging.run(row),
    find: (evalId: string, modelId: string, adapterIds: string, rubric: string) => find.get(evalId, modelId, adapterIds, rubric),
    get: (id: string) => get.get(id),
    ofEval: (evalId: string) => ofEval.all(evalId),
    insert: (row: JudgementRow) => void insert.run(row),
    items: (judgingId: string) => items.all(judgingId),
  };
}
