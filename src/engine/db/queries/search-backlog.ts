import type Database from 'better-sqlite3';
import { exampleSearchSql } from './datasets.js';

interface BacklogRange { first_id: number; last_id: number }

/** The search index's to-do list (migration 022): id ranges of examples committed but not yet searchable. */
export function searchBacklogQueries(db: Database.Database) {
  const oldest = db.prepare<[], BacklogRange>('SELECT first_id, last_id FROM search_backlog ORDER BY first_id LIMIT 1');
  const pending = db.prepare<[], number>('SELECT coalesce(sum(last_id - first_id + 1), 0) FROM search_backlog').pluck();
  // Ids in a range whose content was already in the library were never inserted: the BETWEEN skips those gaps.
  const index = db.prepare<[number, number]>(
    `INSERT INTO examples_fts (rowid, text) SELECT id, ${exampleSearchSql('content')} FROM examples WHERE id BETWEEN ? AND ? ORDER BY id`,
  );
  const shrink = db.prepare<[number, number]>('UPDATE search_backlog SET first_id = ? WHERE first_id = ?');
  const done = db.prepare<[number]>('DELETE FROM search_backlog WHERE first_id = ?');
  const batch = db.transaction((size: number): boolean => {
    const range = oldest.get();
    if (!range) return false;
    const end = Math.min(range.last_id, range.first_id + size - 1);
    index.run(range.first_id, end);
    if (end === range.last_id) done.run(range.first_id);
    else shrink.run(end + 1, range.first_id);
    return true;
  });
  return {
    /** Examples (an upper bound: ranges may hold gaps) that search cannot find yet. */
    pending: () => pending.get() ?? 0,
    /**
     * Indexes up to `size` examples of the oldest range and shrinks the range, in one IMMEDIATE transaction: a
     * crash leaves either both or neither, so nothing is indexed twice. False when the backlog is empty.
     */
    indexBatch: (size: number) => batch.immediate(size),
  };
}
