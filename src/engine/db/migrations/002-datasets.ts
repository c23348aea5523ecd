import type { Migration } from './types.js';

/**
 * Datasets and immutable versions. Examples are content-addressed (one row per distinct content, shared by
 * every version that holds it); a version is an ordered list of example references with its own hash.
 */
export const migration002: Migration = {
  version: 2,
  name: 'datasets, versions and content-addressed examples',
  up(db) {
    db.exec(`
      CREATE TABLE datasets (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL CHECK (kind IN ('task', 'documents')),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE examples (
        id           INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        content      TEXT NOT NULL
      ) STRICT;

      CREATE TABLE dataset_versions (
        id            TEXT PRIMARY KEY,
        dataset_id    TEXT NOT NULL REFERENCES datasets(id),
        number        INTEGER NOT NULL,
        parent_id     TEXT REFERENCES dataset_versions(id),
        content_hash  TEXT NOT NULL,
        example_count INTEGER NOT NULL,
        operation     TEXT NOT NULL,
        params        TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        UNIQUE (dataset_id, number)
      ) STRICT;

      CREATE TABLE version_examples (
        version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        position   INTEGER NOT NULL,
        example_id INTEGER NOT NULL REFERENCES examples(id),
        source     TEXT NOT NULL,
        PRIMARY KEY (version_id, position)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX version_examples_example ON version_examples(example_id);

      CREATE TABLE imports (
        id            TEXT PRIMARY KEY,
        dataset_id    TEXT NOT NULL REFERENCES datasets(id),
        version_id    TEXT NOT NULL REFERENCES dataset_versions(id),
        source_path   TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        source_bytes  INTEGER NOT NULL,
        format        TEXT NOT NULL,
        rows_imported INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        rejects_path  TEXT,
        duration_ms   INTEGER NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;
    `);
  },
};
