import type { Migration } from './types.js';

/**
 * A version made from a review carries its examples' verdicts: each kept example gets the reviewers' accept rows in
 * the new version's history, marked with the version and position they were given at. Such a row is the reviewer's
 * judgement of that very text (an edit's revision is what the new version holds), so the new version counts those
 * examples as reviewed; it is not an action taken in the new version, so it cannot be undone there.
 */
export const migration026: Migration = {
  version: 26,
  name: 'carried review verdicts',
  up(db) {
    db.exec(`
      ALTER TABLE reviews ADD COLUMN carried_from_version TEXT REFERENCES dataset_versions(id);
      ALTER TABLE reviews ADD COLUMN carried_from_position INTEGER;
    `);
  },
};
