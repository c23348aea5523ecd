import type { Migration } from './types.js';

/**
 * Electronic signatures (issue 15; 21 CFR Part 11 §11.50, §11.70, §11.200): who signed (user id and the printed name
 * at signing), when (UTC), what the signature means, and the sha256 of the exact record signed. `binding_sha256`
 * hashes all of these with the record's type and id, so a signature row moved to another record, or a record changed
 * after signing, no longer verifies (auth/signatures.ts). Signatures are never updated or deleted.
 */
export const migration028: Migration = {
  version: 28,
  name: 'signatures',
  up(db) {
    db.exec(`
      CREATE TABLE signatures (
        id TEXT PRIMARY KEY,
        record_type TEXT NOT NULL CHECK (record_type IN ('release')),
        record_id TEXT NOT NULL,
        record_sha256 TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users(id),
        printed_name TEXT NOT NULL,
        meaning TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        binding_sha256 TEXT NOT NULL
      ) STRICT;
      CREATE INDEX signatures_record ON signatures(record_type, record_id);
      CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
      CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
    `);
  },
};
