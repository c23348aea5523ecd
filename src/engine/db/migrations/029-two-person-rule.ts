import type { Migration } from './types.js';

/**
 * The two-person rule (issue 15), a setting of a project's release gate: when on, whoever made the candidate (started
 * the run that trained it, or registered it when no run did) may not also release it. Off for every existing project.
 */
export const migration029: Migration = {
  version: 29,
  name: 'two-person rule',
  up(db) {
    db.exec('ALTER TABLE release_gates ADD COLUMN two_person_rule INTEGER NOT NULL DEFAULT 0 CHECK (two_person_rule IN (0, 1))');
  },
};
