import type { Migration } from './types.js';

/**
 * What a reviewer's approval of a release means ("Approved for release", …), recorded with the reviewer's name on
 * every decision from now on (gate.release asks for both). Decisions from before have NULL: they were one click.
 */
export const migration025: Migration = {
  version: 25,
  name: 'release meaning',
  up(db) {
    db.exec('ALTER TABLE releases ADD COLUMN meaning TEXT;');
  },
};
