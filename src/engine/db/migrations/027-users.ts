import type { Migration } from './types.js';

/**
 * Team mode (issue 15): local accounts and browser sessions. A user's id comes from AUTOINCREMENT, so an id is never
 * handed out twice, and a user is disabled, never deleted (the audit log names them for good); names are unique
 * regardless of case, disabled users included, so a name always means one person. `password_hash` is scrypt with
 * its parameters and salt (auth/passwords.ts). A session stores only the sha256 of its cookie's random token.
 */
export const migration027: Migration = {
  version: 27,
  name: 'users and sessions',
  up(db) {
    db.exec(`
      CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'labeller', 'curator', 'trainer', 'approver', 'admin')),
        password_hash TEXT NOT NULL,
        must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        disabled_at TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        password_changed_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_sha256 TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        ended_at TEXT
      ) STRICT;
      CREATE INDEX sessions_user ON sessions(user_id);
    `);
  },
};
