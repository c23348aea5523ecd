import type { Migration } from './types.js';

/**
 * Data hygiene and safety checks. `eval_suites` remembers which dataset version each shipped suite (general skills,
 * safety) was installed as, so installing twice is one import and the gate can find a model's safety evals.
 * `pii_canaries` are the PII strings picked from (or seeded into) a training version, with the probe prompt that
 * precedes each; the probe dataset version asks them in position order. `canary_checks` stores, per eval of a probe
 * version, which canaries the model reproduced. `safety_configs` holds a project's refusal policy.
 */
export const migration016: Migration = {
  version: 16,
  name: 'contamination, forgetting and safety checks',
  up(db) {
    db.exec(`
      CREATE TABLE eval_suites (
        suite_id     TEXT PRIMARY KEY,
        version_id   TEXT NOT NULL REFERENCES dataset_versions(id),
        file_sha256  TEXT NOT NULL,
        installed_at TEXT NOT NULL,
        installed_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE pii_canaries (
        probe_version_id    TEXT NOT NULL REFERENCES dataset_versions(id),
        position            INTEGER NOT NULL,
        training_version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        example_position    INTEGER,
        example_hash        TEXT,
        kind                TEXT NOT NULL,
        canary              TEXT NOT NULL,
        prefix              TEXT NOT NULL,
        seeded              INTEGER NOT NULL CHECK (seeded IN (0, 1)),
        PRIMARY KEY (probe_version_id, position)
      ) STRICT;

      CREATE TABLE canary_checks (
        eval_id          TEXT PRIMARY KEY REFERENCES evals(id),
        probe_version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        probes           INTEGER NOT NULL,
        leaked           INTEGER NOT NULL,
        leaks            TEXT NOT NULL,
        checked_at       TEXT NOT NULL,
        checked_by       TEXT NOT NULL
      ) STRICT;

      CREATE TABLE safety_configs (
        project    TEXT PRIMARY KEY,
        config     TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;
    `);
  },
};
