import type Database from 'better-sqlite3';

export interface TargetRow {
  name: string;
  kind: 'ssh' | 'slurm';
  config: string;
  created_at: string;
  created_by: string;
  last_test: string | null;
}

/** Saved compute targets (migration 030). */
export function targetQueries(db: Database.Database) {
  const insert = db.prepare<[TargetRow]>('INSERT INTO compute_targets (name, kind, config, created_at, created_by, last_test) VALUES (@name, @kind, @config, @created_at, @created_by, @last_test)');
  const get = db.prepare<[string], TargetRow>('SELECT * FROM compute_targets WHERE name = ?');
  const list = db.prepare<[], TargetRow>('SELECT * FROM compute_targets ORDER BY name');
  const remove = db.prepare<[string]>('DELETE FROM compute_targets WHERE name = ?');
  const setTest = db.prepare<[string, string]>('UPDATE compute_targets SET last_test = ? WHERE name = ?');
  return {
    insert: (row: TargetRow) => insert.run(row),
    get: (name: string) => get.get(name),
    list: () => list.all(),
    remove: (name: string) => remove.run(name).changes > 0,
    setTest: (name: string, test: string) => setTest.run(test, name),
  };
}
