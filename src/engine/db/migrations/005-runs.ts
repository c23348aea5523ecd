import type { Migration } from './types.js';

/** Training runs, their live metrics, checkpoints and the raw trainer events (for the run's log view). */
export const migration005: Migration = {
  version: 5,
  name: 'training runs, metrics and checkpoints',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id                 TEXT PRIMARY KEY,
        name               TEXT NOT NULL,
        status             TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'stopped', 'interrupted')),
        config             TEXT NOT NULL,
        base_model         TEXT NOT NULL,
        dataset_version_id TEXT REFERENCES dataset_versions(id),
        output_dir         TEXT NOT NULL,
        pid                INTEGER,
        error              TEXT,
        stderr_tail        TEXT,
        result             TEXT,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        created_by         TEXT NOT NULL
      ) STRICT;

      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id),
        name   TEXT NOT NULL,
        step   INTEGER NOT NULL,
        value  REAL NOT NULL,
        PRIMARY KEY (run_id, name, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE checkpoints (
        run_id     TEXT NOT NULL REFERENCES runs(id),
        step       INTEGER NOT NULL,
        path       TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, step)
      ) STRICT;
    `);
  },
};
