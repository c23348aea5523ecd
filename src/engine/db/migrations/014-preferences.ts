import type { Migration } from './types.js';

/**
 * Blind A/B preference labelling. A session pairs two evals' answers to the same items in a seeded random order,
 * each pair's sides randomised (`pairs` stores which eval is left; the judge never sees it until the reveal).
 * Judgements are append-only: changing one's mind is a new row, and the newest row per judge and item counts.
 */
export const migration014: Migration = {
  version: 14,
  name: 'blind A/B preference judgements',
  up(db) {
    db.exec(`
      CREATE TABLE preference_sessions (
        id          TEXT PRIMARY KEY,
        label       TEXT NOT NULL,
        a_eval_id   TEXT NOT NULL REFERENCES evals(id),
        b_eval_id   TEXT NOT NULL REFERENCES evals(id),
        seed        INTEGER NOT NULL,
        pairs       TEXT NOT NULL,
        revealed_at TEXT,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE preferences (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES preference_sessions(id),
        position   INTEGER NOT NULL,
        choice     TEXT NOT NULL CHECK (choice IN ('left', 'right', 'tie')),
        winner     TEXT NOT NULL CHECK (winner IN ('a', 'b', 'tie')),
        note       TEXT,
        judge      TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX preferences_session ON preferences(session_id, judge, position);
      CREATE TRIGGER preferences_no_update BEFORE UPDATE ON preferences BEGIN SELECT RAISE(ABORT, 'preference judgements are append-only'); END;
      CREATE TRIGGER preferences_no_delete BEFORE DELETE ON preferences BEGIN SELECT RAISE(ABORT, 'preference judgements are append-only'); END;
    `);
  },
};
