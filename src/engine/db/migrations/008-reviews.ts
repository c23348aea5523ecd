import type { Migration } from './types.js';

/**
 * The review queue. `reviews` is the append-only history (who, what, before/after content hash, why, when);
 * an undo is a new row pointing at the one it cancels. The three small tables beside it are the current state,
 * recomputed from the history in the same transaction as each action, so filters stay plain indexed joins.
 * Reviews belong to an example's place in a version (version + position): the same text at two places, or in
 * two versions, is reviewed separately.
 */
export const migration008: Migration = {
  version: 8,
  name: 'review queue and labels',
  up(db) {
    db.exec(`
      CREATE TABLE reviews (
        id          INTEGER PRIMARY KEY,
        version_id  TEXT NOT NULL REFERENCES dataset_versions(id),
        position    INTEGER NOT NULL,
        reviewer    TEXT NOT NULL,
        action      TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'edit', 'skip', 'comment', 'tag', 'untag', 'undo')),
        before_hash TEXT NOT NULL,
        after_hash  TEXT,
        tag         TEXT,
        reason      TEXT,
        undoes      INTEGER REFERENCES reviews(id),
        at          TEXT NOT NULL
      ) STRICT;
      CREATE INDEX reviews_place ON reviews(version_id, position, id);
      CREATE INDEX reviews_reviewer ON reviews(version_id, reviewer, id);
      CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END;
      CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END;

      CREATE TABLE review_verdicts (
        version_id TEXT NOT NULL,
        position   INTEGER NOT NULL,
        reviewer   TEXT NOT NULL,
        verdict    TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'edit', 'skip')),
        after_hash TEXT,
        at         TEXT NOT NULL,
        PRIMARY KEY (version_id, position, reviewer)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE review_status (
        version_id TEXT NOT NULL,
        position   INTEGER NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'edited', 'skipped', 'disagreement')),
        final_hash TEXT,
        PRIMARY KEY (version_id, position)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX review_status_status ON review_status(version_id, status);

      CREATE TABLE review_tags (
        version_id TEXT NOT NULL,
        position   INTEGER NOT NULL,
        tag        TEXT NOT NULL,
        PRIMARY KEY (version_id, position, tag)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX review_tags_tag ON review_tags(version_id, tag);
    `);
  },
};
