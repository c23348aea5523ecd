import type { Migration } from './types.js';

/**
 * Synthetic data generation. A job is one request (source version, teacher, template, sampling, seed); each chunk
 * it has finished is a row in `synthetic_chunks`, committed in the same transaction as the items it produced, so a
 * resumed job skips exactly the chunks that are done and never writes an item twice. Items keep their full
 * provenance; `version_position` is set when the job's results become a dataset version.
 */
export const migration013: Migration = {
  version: 13,
  name: 'synthetic data generation',
  up(db) {
    db.exec(`
      CREATE TABLE synthetic_jobs (
        id                TEXT PRIMARY KEY,
        source_version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        model_id          TEXT NOT NULL,
        model_sha256      TEXT NOT NULL,
        adapter_ids       TEXT NOT NULL,
        template          TEXT NOT NULL,
        sampling          TEXT NOT NULL,
        chunk_limit       INTEGER NOT NULL,
        status            TEXT NOT NULL CHECK (status IN ('running', 'cancelled', 'failed', 'done')),
        error             TEXT,
        target_version_id TEXT REFERENCES dataset_versions(id),
        created_at        TEXT NOT NULL,
        created_by        TEXT NOT NULL,
        finished_at       TEXT
      ) STRICT;

      CREATE TABLE synthetic_chunks (
        job_id          TEXT NOT NULL REFERENCES synthetic_jobs(id),
        chunk_position  INTEGER NOT NULL,
        chunk_hash      TEXT NOT NULL,
        prompt_tokens   INTEGER NOT NULL,
        output_tokens   INTEGER NOT NULL,
        duration_ms     INTEGER NOT NULL,
        items           INTEGER NOT NULL,
        duplicates      INTEGER NOT NULL,
        problem         TEXT,
        PRIMARY KEY (job_id, chunk_position)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE synthetic_items (
        job_id           TEXT NOT NULL REFERENCES synthetic_jobs(id),
        chunk_position   INTEGER NOT NULL,
        item_index       INTEGER NOT NULL,
        content_hash     TEXT NOT NULL,
        content          TEXT NOT NULL,
        source           TEXT NOT NULL,
        provenance       TEXT NOT NULL,
        grounded         INTEGER NOT NULL,
        grounding        TEXT NOT NULL,
        pii              TEXT NOT NULL,
        version_position INTEGER,
        PRIMARY KEY (job_id, chunk_position, item_index),
        UNIQUE (job_id, content_hash)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
