import type { Migration } from './types.js';

/**
 * Token counts cached per (tokenizer, example content): an example's count never changes, so stats, filters and
 * recipes over millions of rows pay for tokenising each distinct text once per tokenizer. Recipes are immutable
 * named mixes of dataset versions with ratios (shares of training tokens); their components keep the counts
 * measured when the recipe was made.
 */
export const migration009: Migration = {
  version: 9,
  name: 'data recipes and token counts',
  up(db) {
    db.exec(`
      CREATE TABLE token_counts (
        tokenizer_sha TEXT NOT NULL,
        content_hash  TEXT NOT NULL,
        tokens        INTEGER NOT NULL,
        PRIMARY KEY (tokenizer_sha, content_hash)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE recipes (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL UNIQUE,
        description    TEXT NOT NULL,
        tokenizer_path TEXT,
        tokenizer_sha  TEXT,
        created_at     TEXT NOT NULL,
        created_by     TEXT NOT NULL
      ) STRICT;

      CREATE TABLE recipe_components (
        recipe_id  TEXT NOT NULL REFERENCES recipes(id),
        position   INTEGER NOT NULL,
        version_id TEXT NOT NULL REFERENCES dataset_versions(id),
        ratio      REAL NOT NULL CHECK (ratio > 0),
        kind       TEXT NOT NULL CHECK (kind IN ('chat', 'text')),
        examples   INTEGER NOT NULL,
        tokens     INTEGER,
        PRIMARY KEY (recipe_id, position)
      ) STRICT;
    `);
  },
};
