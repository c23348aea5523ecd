import type { Migration } from './types.js';

/**
 * "Approve dataset version for training" (issue 15): an approval names the version, the version's content hash at
 * approval, who approved and when; in team mode it is also signed (a `dataset_version` signature binding the content
 * hash). Approvals, like signatures, are never changed or deleted. SQLite cannot widen a CHECK in place, so the
 * signatures table is rebuilt with the same rows, index and append-only triggers.
 */
export const migration031: Migration = {
  version: 31,
  name: 'dataset version approvals',
  up(db) {
    db.exec(`
      DROP TRIGGER signatures_no_update;
      DROP TRIGGER signatures_no_delete;
      DROP INDEX signatures_record;
      ALTER TABLE signatures RENAME TO signatures_v1;
      CREATE TABLE signatures (
        id TEXT PRIMARY KEY,
        record_type TEXT NOT NULL CHECK (record_type IN ('release', 'dataset_version')),
        record_id TEXT NOT NULL,
        record_sha256 TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users(id),
        printed_name TEXT NOT NULL,
        meaning TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        binding_sha256 TEXT NOT NULL
      ) STRICT;
      INSERT INTO signatures SELECT id, record_type, record_id, record_sha256, user_id, printed_name, meaning, signed_at, binding_sha256 FROM signatures_v1;
      DROP TABLE signatures_v1;
      CREATE INDEX signatures_record ON signatures(record_type, record_id);
      CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
      CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;

      CREATE TABLE version_approvals (
        id TEXT PRIMARY KEY,
        version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        content_hash TEXT NOT NULL,
        approved_by TEXT NOT NULL,
        approved_at TEXT NOT NULL,
        note TEXT
      ) STRICT;
      CREATE INDEX version_approvals_version ON version_approvals(version_id);
      CREATE TRIGGER version_approvals_no_update BEFORE UPDATE ON version_approvals BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
      CREATE TRIGGER version_approvals_no_delete BEFORE DELETE ON version_approvals BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
    `);
  },
};
