import type { Migration } from './types.js';

/**
 * The training job queue, run events and retries.
 *
 * Why a side table rather than a wider CHECK on runs.status: SQLite cannot change a CHECK in place, and the
 * 12-step rebuild (new table, copy, drop, rename) needs `PRAGMA foreign_keys = OFF`, which is a no-op inside
 * the migration's transaction; with foreign keys on, dropping `runs` (referenced by metrics, checkpoints and
 * models) fails the commit even with deferred checks. So a queued run is a `runs` row stored as 'stopped'
 * plus a `run_queue` row; the queries report it as 'queued' while the queue row exists. If the queue row is
 * ever lost the run degrades to an honest "stopped, never started" rather than a broken table.
 */
export const migration011: Migration = {
  version: 11,
  name: 'training job queue, run events and retries',
  up(db) {
    db.exec(`
      CREATE TABLE run_queue (
        run_id      TEXT PRIMARY KEY REFERENCES runs(id),
        slot        TEXT NOT NULL,
        trainer_args TEXT NOT NULL,
        enqueued_at TEXT NOT NULL,
        seq         INTEGER NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE run_events (
        run_id  TEXT NOT NULL REFERENCES runs(id),
        seq     INTEGER NOT NULL,
        at      TEXT NOT NULL,
        kind    TEXT NOT NULL,
        message TEXT NOT NULL,
        data    TEXT,
        PRIMARY KEY (run_id, seq)
      ) STRICT;

      ALTER TABLE runs ADD COLUMN retry_of TEXT REFERENCES runs(id);
      ALTER TABLE runs ADD COLUMN start_args TEXT;
      ALTER TABLE runs ADD COLUMN slot TEXT;
    `);
  },
};
