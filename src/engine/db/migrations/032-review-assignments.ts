import type { Migration } from './types.js';

/**
 * Shared labelling (issue 15): a version's review queue split among labellers, with an overlap share judged twice
 * (for agreement). `review_assignment_plans` keeps how the split was made (labellers, overlap, seed, who, when);
 * `review_assignments` one row per example and labeller. A new plan replaces the old one (audited); verdicts stay.
 */
export const migration032: Migration = {
  version: 32,
  name: 'review assignments',
  up(db) {
    db.exec(`
      CREATE TABLE review_assignment_plans (
        version_id TEXT PRIMARY KEY REFERENCES dataset_versions(id),
        labellers TEXT NOT NULL,
        overlap REAL NOT NULL CHECK (overlap >= 0 AND overlap <= 1),
        seed INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE review_assignments (
        version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        position INTEGER NOT NULL,
        labeller TEXT NOT NULL,
        PRIMARY KEY (version_id, labeller, position)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX review_assignments_position ON review_assignments(version_id, position);
    `);
  },
};
