import type { Migration } from './types.js';

/**
 * A release names the exact artefact that ships: the export and the file (e.g. the Q4_K_M GGUF) with its sha256,
 * the bytes the candidate eval ran on. Releases decided on a registry model (before this) keep NULLs here and
 * read as "not bound to an export". The append-only triggers of migration 012 stay in force.
 */
export const migration015: Migration = {
  version: 15,
  name: 'releases bound to exported artefacts',
  up(db) {
    db.exec(`
      ALTER TABLE releases ADD COLUMN export_id TEXT REFERENCES exports(id);
      ALTER TABLE releases ADD COLUMN artefact_path TEXT;
      ALTER TABLE releases ADD COLUMN artefact_sha256 TEXT;
      CREATE INDEX releases_export ON releases(export_id);
      CREATE INDEX releases_artefact ON releases(artefact_sha256);
    `);
  },
};
