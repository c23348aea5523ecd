import type { Migration } from './types.js';

/**
 * Held-out loss/perplexity results (issue 6) and the owner of a running synthetic generation (issue 7).
 *
 * A perplexity result names the model and adapter by id and by sha256 (ids are text, not foreign keys, so
 * removing a model never erases its history), the dataset version + split it was measured on, and the
 * token-weighted loss. `per_document` holds the per-document values as JSON.
 *
 * `synthetic_jobs.owner_pid` + `owner_boot` say which engine process is running a generation, so that an
 * engine starting on the same data folder reconciles only jobs whose owner is gone (a crash), never a live
 * job of a CLI engine next to it. `chunk_filter` (JSON: text / document / pages) is the filter a generation chose
 * its chunks by, so a resumed job reads exactly the same chunks.
 */
export const migration020: Migration = {
  version: 20,
  name: 'held-out perplexity and synthetic follow-ups',
  up(db) {
    db.exec(`
      CREATE TABLE heldout_results (
        id                 TEXT PRIMARY KEY,
        model_id           TEXT NOT NULL,
        model_sha256       TEXT NOT NULL,
        adapter_id         TEXT,
        adapter_sha256     TEXT,
        label              TEXT NOT NULL,
        dataset_version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        split              TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test', 'all')),
        documents          INTEGER NOT NULL,
        tokens             INTEGER NOT NULL,
        loss               REAL NOT NULL,
        ppl                REAL NOT NULL,
        max_seq_len        INTEGER NOT NULL,
        stride             INTEGER NOT NULL,
        device             TEXT NOT NULL,
        precision          TEXT NOT NULL,
        seconds            REAL NOT NULL,
        per_document       TEXT NOT NULL,
        created_at         TEXT NOT NULL,
        created_by         TEXT NOT NULL
      ) STRICT;
      CREATE INDEX heldout_results_version ON heldout_results (dataset_version_id, split, created_at);
      ALTER TABLE synthetic_jobs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE synthetic_jobs ADD COLUMN owner_boot TEXT;
      ALTER TABLE synthetic_jobs ADD COLUMN chunk_filter TEXT;
    `);
  },
};
