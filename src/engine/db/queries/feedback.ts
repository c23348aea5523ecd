import type Database from 'better-sqlite3';

/** A playground answer that was corrected: its conversation, the correction's version params and example. */
export interface CorrectedAnswerRow { message_id: string; conversation_id: string; version_id: string; params: string; example: string | null }
/** An example a reviewer edited: what the version held and what the reviewer made of it. */
export interface ReviewEditRow { version_id: string; position: number; before: string; after: string }

/** The SQL that gathers human feedback (A/B judgements, playground corrections, review edits) into training pairs. */
export function feedbackQueries(db: Database.Database) {
  const corrected = db.prepare<[], CorrectedAnswerRow>(
    `SELECT m.id AS message_id, m.conversation_id, v.id AS version_id, v.params,
            (SELECT e.content FROM examples e WHERE e.content_hash = v.params ->> '$.exampleHash') AS example
       FROM conversation_messages m JOIN dataset_versions v ON v.id = m.corrected_version_id
      ORDER BY m.created_at, m.id`,
  );
  const reviewEdits = db.prepare<[], ReviewEditRow>(
    `SELECT s.version_id, s.position, before.content AS before, after.content AS after
       FROM review_status s
       JOIN version_examples ve ON ve.version_id = s.version_id AND ve.position = s.position
       JOIN examples before ON before.id = ve.example_id
       JOIN examples after ON after.content_hash = s.final_hash
      WHERE s.status = 'edited'
      ORDER BY s.version_id, s.position`,
  );
  const exampleByHash = db.prepare<[string], string>('SELECT content FROM examples WHERE content_hash = ?').pluck();
  return {
    correctedAnswers: () => corrected.all(),
    reviewEdits: () => reviewEdits.all(),
    exampleByHash: (hash: string) => exampleByHash.get(hash) ?? null,
  };
}
