import type { Migration } from './types.js';

/**
 * Shared labelling (issue 15): a version's review queue split among labellers, with an overlap share judged twice
 * (for agreement). `review_assignment_plans` keeps how the split was made (labellers, overlap, seed, who, when);
 * `review_assignments` one row per example and labeller. A new plan replaces the old one (audited); verdicts stay.
 * `review_adjudications`: a curator's decision on an example the labellers disagree on (append-only).
 */
export const migration032: Migration = {
  version: 32,
  name: 'review assignments and adjudications',
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

      -- A curator settles a disagreement; the newest adjudication of an example decides its status. Never changed.
      CREATE TABLE review_adjudications (
        id INTEGER PRIMARY KEY,
        version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        position INTEGER NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject')),
        adjudicator TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX review_adjudications_example ON review_adjudications(version_id, position);
      CREATE TRIGGER review_adjudications_no_update BEFORE UPDATE ON review_adjudications BEGIN SELECT RAISE(ABORT, 'adjudications are append-only'); END;
      CREATE TRIGGER review_adjudications_no_delete BEFORE DELETE ON review_adjudications BEGIN SELECT RAISE(ABORT, 'adjudications are append-only'); END;
    `);
  },
};
