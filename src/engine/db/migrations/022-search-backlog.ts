import type { Migration } from './types.js';

/**
 * Search indexing after the commit. An import commits its examples and one row here (the id range it added); the
 * search index catches up right after, in batches, off the engine's main loop — so a big import is browsable
 * seconds sooner, and the commit stays short. Each batch indexes part of a range and shrinks it in the same
 * transaction, so a crash mid-way resumes where it stopped (at the next start) and never indexes a row twice.
 * Ranges never overlap: every new example id is above the highest range (see nextExampleId in queries/datasets.ts).
 */
export const migration022: Migration = {
  version: 22,
  name: 'search index backlog',
  up(db) {
    db.exec(`
      CREATE TABLE search_backlog (
        first_id INTEGER PRIMARY KEY,
        last_id  INTEGER NOT NULL CHECK (last_id >= first_id)
      ) STRICT;
    `);
  },
};
