import type Database from 'better-sqlite3';

export interface UserRow {
  id: number;
  name: string;
  role: string;
  password_hash: string;
  must_change_password: number;
  failed_attempts: number;
  locked_until: string | null;
  disabled_at: string | null;
  created_at: string;
  created_by: string;
  password_changed_at: string;
}

export interface SessionRow {
  id: number;
  token_sha256: string;
  user_id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ended_at: string | null;
}

/** Team mode's accounts and sessions (migration 027). Users are never deleted; sessions end, they are not removed. */
export function userQueries(db: Database.Database) {
  const insert = db.prepare<[Omit<UserRow, 'id' | 'failed_attempts' | 'locked_until' | 'disabled_at'>]>(
    `INSERT INTO users (name, role, password_hash, must_change_password, created_at, created_by, password_changed_at)
     VALUES (@name, @role, @password_hash, @must_change_password, @created_at, @created_by, @password_changed_at)`,
  );
  const byName = db.prepare<[string], UserRow>('SELECT * FROM users WHERE name = ?');
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
  const list = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY id');
  const count = db.prepare<[], number>('SELECT count(*) FROM users WHERE disabled_at IS NULL').pluck();
  const setRole = db.prepare<[string, number]>('UPDATE users SET role = ? WHERE id = ?');
  const disable = db.prepare<[string, number]>('UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL');
  const setPassword = db.prepare<[string, number, string, number]>(
    'UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, failed_attempts = 0, locked_until = NULL WHERE id = ?',
  );
  const addFailure = db.prepare<[number], number>('UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts').pluck();
  const lock = db.prepare<[string, number]>('UPDATE users SET locked_until = ? WHERE id = ?');
  const clearFailures = db.prepare<[number]>('UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?');

  const insertSession = db.prepare<[Omit<SessionRow, 'id' | 'ended_at'>]>(
    'INSERT INTO sessions (token_sha256, user_id, created_at, last_seen_at, expires_at) VALUES (@token_sha256, @user_id, @created_at, @last_seen_at, @expires_at)',
  );
  const sessionByToken = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE token_sha256 = ?');
  const touchSession = db.prepare<[string, number]>('UPDATE sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL');
  const endSession = db.prepare<[string, number]>('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL');
  const endUserSessions = db.prepare<[string, number]>('UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL');

  return {
    insert: (row: Omit<UserRow, 'id' | 'failed_attempts' | 'locked_until' | 'disabled_at'>) => Number(insert.run(row).lastInsertRowid),
    byName: (name: string) => byName.get(name),
    byId: (id: number) => byId.get(id),
    list: () => list.all(),
    activeCount: () => count.get() ?? 0,
    setRole: (id: number, role: string) => setRole.run(role, id).changes,
    disable: (id: number, at: string) => disable.run(at, id).changes,
    setPassword: (id: number, hash: string, mustChange: boolean, at: string) => setPassword.run(hash, mustChange ? 1 : 0, at, id).changes,
    /** One more failed sign-in; returns the count now stored (one statement, so two racing failures count twice). */
    addFailure: (id: number) => addFailure.get(id) ?? 0,
    lock: (id: number, until: string) => void lock.run(until, id),
    clearFailures: (id: number) => void clearFailures.run(id),
    insertSession: (row: Omit<SessionRow, 'id' | 'ended_at'>) => Number(insertSession.run(row).lastInsertRowid),
    sessionByToken: (sha: string) => sessionByToken.get(sha),
    touchSession: (id: number, at: string) => void touchSession.run(at, id),
    endSession: (id: number, at: string) => endSession.run(at, id).changes,
    endUserSessions: (userId: number, at: string) => endUserSessions.run(at, userId).changes,
  };
}
