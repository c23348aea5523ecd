import type { Migration } from './types.js';

/**
 * Evaluations and the release gate. An eval is one model (+adapters) run over one split of one dataset
 * version; each item is stored as it finishes (primary key eval+position), so an interrupted eval resumes by
 * skipping stored positions and can never hold an item twice. Model ids are text,
 * not foreign keys (as in conversations), so removing a model from the registry does not erase its eval history. Releases are append-only decisions: a pass
 * ('released') or an override with the reviewer's name and written reason.
 */
export const migration012: Migration = {
  version: 12,
  name: 'evaluations and release gate',
  up(db) {
    db.exec(`
      CREATE TABLE evals (
        id                 TEXT PRIMARY KEY,
        label              TEXT NOT NULL,
        model_id           TEXT NOT NULL,
        adapter_ids        TEXT NOT NULL DEFAULT '[]',
        dataset_version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        split              TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test', 'all')),
        settings           TEXT NOT NULL,
        status             TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
        item_count         INTEGER NOT NULL,
        error              TEXT,
        created_at         TEXT NOT NULL,
        finished_at        TEXT,
        created_by         TEXT NOT NULL
      ) STRICT;
      CREATE INDEX evals_target ON evals (model_id, dataset_version_id, split);

      CREATE TABLE eval_items (
        eval_id       TEXT NOT NULL REFERENCES evals(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        example_hash  TEXT NOT NULL,
        prompt        TEXT NOT NULL,
        reference     TEXT NOT NULL,
        output        TEXT NOT NULL,
        exact         REAL NOT NULL,
        f1            REAL NOT NULL,
        rouge_l       REAL NOT NULL,
        latency_ms    REAL NOT NULL,
        tokens        INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        PRIMARY KEY (eval_id, position)
      ) STRICT;

      CREATE TABLE release_gates (
        project    TEXT PRIMARY KEY,
        criteria   TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE releases (
        id               TEXT PRIMARY KEY,
        project          TEXT NOT NULL,
        model_id         TEXT NOT NULL,
        adapter_ids      TEXT NOT NULL DEFAULT '[]',
        eval_id          TEXT NOT NULL REFERENCES evals(id),
        baseline_eval_id TEXT REFERENCES evals(id),
        decision         TEXT NOT NULL CHECK (decision IN ('released', 'overridden')),
        passed           INTEGER NOT NULL,
        results          TEXT NOT NULL,
        reason           TEXT,
        reviewer         TEXT,
        created_at       TEXT NOT NULL,
        created_by       TEXT NOT NULL,
        CHECK (decision = 'released' OR (coalesce(length(trim(reason)), 0) > 0 AND coalesce(length(trim(reviewer)), 0) > 0))
      ) STRICT;
      CREATE TRIGGER releases_no_update BEFORE UPDATE ON releases BEGIN SELECT RAISE(ABORT, 'release decisions are append-only'); END;
      CREATE TRIGGER releases_no_delete BEFORE DELETE ON releases BEGIN SELECT RAISE(ABORT, 'release decisions are append-only'); END;
    `);
  },
};
