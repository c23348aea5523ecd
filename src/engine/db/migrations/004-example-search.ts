import type { Migration } from './types.js';

/**
 * Full-text search over example text (FTS5, contentless: the text lives once, in examples). A trigger indexes
 * each new distinct example as it is inserted, inside the import's own transaction.
 */
export const migration004: Migration = {
  version: 4,
  name: 'full-text search over examples',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE examples_fts USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2');
      CREATE TRIGGER examples_fts_insert AFTER INSERT ON examples
      BEGIN
        INSERT INTO examples_fts (rowid, text) VALUES (
          new.id,
          coalesce(new.content ->> '$.text',
                   (SELECT group_concat(value ->> '$.content', char(10)) FROM json_each(new.content, '$.messages')))
        );
      END;
      INSERT INTO examples_fts (rowid, text)
        SELECT id, coalesce(content ->> '$.text',
                            (SELECT group_concat(value ->> '$.content', char(10)) FROM json_each(content, '$.messages')))
        FROM examples;
    `);
  },
};
