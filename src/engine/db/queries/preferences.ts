import type Database from 'better-sqlite3';

export interface PreferenceSessionRow {
  id: string; label: string; a_eval_id: string; b_eval_id: string; seed: number; pairs: string; revealed_at: string | null; created_at: string; created_by: string;
}
export interface PreferenceRow { id: number; session_id: string; position: number; choice: 'left' | 'right' | 'tie'; winner: 'a' | 'b' | 'tie'; note: string | null; judge: string; created_at: string }

/** All SQL on blind A/B sessions and judgements. */
export function preferenceQueries(db: Database.Database) {
  const insertSession = db.prepare<[PreferenceSessionRow]>(
    'INSERT INTO preference_sessions VALUES (@id, @label, @a_eval_id, @b_eval_id, @seed, @pairs, @revealed_at, @created_at, @created_by)',
  );
  const get = db.prepare<[string], PreferenceSessionRow>('SELECT * FROM preference_sessions WHERE id = ?');
  const list = db.prepare<[], PreferenceSessionRow>('SELECT * FROM preference_sessions ORDER BY created_at DESC, rowid DESC');
  const reveal = db.prepare<[string, string]>('UPDATE preference_sessions SET revealed_at = ? WHERE id = ? AND revealed_at IS NULL');
  const insert = db.prepare<[Omit<PreferenceRow, 'id'>]>(
    'INSERT INTO preferences (session_id, position, choice, winner, note, judge, created_at) VALUES (@session_id, @position, @choice, @winner, @note, @judge, @created_at)',
  );
  // The newest judgement per judge and item: later rows supersede earlier ones.
  const current = db.prepare<[string], PreferenceRow>(
    `SELECT p.* FROM preferences p JOIN (SELECT max(id) AS id FROM preferences WHERE session_id = ? GROUP BY judge, position) m ON m.id = p.id ORDER BY p.id`,
  );
  return {
    insertSession: (row: PreferenceSessionRow) => void insertSession.run(row),
    get: (id: string) => get.get(id),
    list: () => list.all(),
    reveal: (id: string, at: string) => reveal.run(at, id).changes > 0,
    insert: (row: Omit<PreferenceRow, 'id'>) => void insert.run(row),
    current: (sessionId: string) => current.all(sessionId),
  };
}
