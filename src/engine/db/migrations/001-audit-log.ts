import type { Migration } from './types.js';

/**
 * The append-only, hash-chained audit log. Triggers refuse UPDATE and DELETE so that even a bug in Lathe
 * cannot rewrite history; a person who drops the triggers and edits a row is caught by `lathe audit verify`.
 */
export const migration001: Migration = {
  version: 1,
  name: 'audit log and app metadata',
  up(db) {
    db.exec(`
      CREATE TABLE app_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_log (
        seq         INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        object_type TEXT NOT NULL,
        object_id   TEXT,
        details     TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL UNIQUE
      ) STRICT;
      CREATE INDEX audit_log_action ON audit_log(action);

      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END;
    `);
  },
};
