import type { Migration } from './types.js';

/**
 * Playground conversations. A conversation talks to one model (single) or two (side-by-side): user messages are
 * shared (lane NULL), each answer belongs to a lane. Model ids are kept as text, not foreign keys, so deleting a
 * model never erases the history of what it said; `corrected_version_id` links an answer to the dataset version
 * its correction created.
 */
export const migration007: Migration = {
  version: 7,
  name: 'playground conversations',
  up(db) {
    db.exec(`
      CREATE TABLE conversations (
        id         TEXT PRIMARY KEY,
        title      TEXT NOT NULL,
        mode       TEXT NOT NULL CHECK (mode IN ('single', 'side-by-side')),
        system     TEXT NOT NULL DEFAULT '',
        settings   TEXT NOT NULL,
        targets    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE conversation_messages (
        id                   TEXT PRIMARY KEY,
        conversation_id      TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        seq                  INTEGER NOT NULL,
        lane                 INTEGER CHECK (lane IN (0, 1)),
        role                 TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content              TEXT NOT NULL,
        model_id             TEXT,
        adapter_ids          TEXT NOT NULL DEFAULT '[]',
        stats                TEXT,
        corrected_version_id TEXT REFERENCES dataset_versions(id),
        created_at           TEXT NOT NULL,
        UNIQUE (conversation_id, seq)
      ) STRICT;
      CREATE INDEX conversations_updated ON conversations(updated_at);
    `);
  },
};
