import type Database from 'better-sqlite3';

export function metaQueries(db: Database.Database) {
  const get = db.prepare<[string], { value: string }>('SELECT value FROM app_meta WHERE key = ?');
  const set = db.prepare<[string, string]>(
    'INSERT INTO app_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  return {
    get: (key: string) => get.get(key)?.value ?? null,
    set: (key: string, value: string) => void set.run(key, value),
  };
}
