import type { Migration } from './types.js';

/**
 * LLM-as-judge. A judging of one eval by a local judge model with a written rubric: the settings row, and per item
 * the exact prompt the judge saw, its raw verdict text and the parsed score (NULL when the verdict did not parse),
 * so a reviewer can read why every score was given. One judging per eval and judge model; items commit one by one
 * (an interrupted judging resumes where it stopped).
 */
export const migration021: Migration = {
  version: 21,
  name: 'LLM-as-judge verdicts',
  up(db) {
    db.exec(`
      CREATE TABLE eval_judgings (
        id             TEXT PRIMARY KEY,
        eval_id        TEXT NOT NULL REFERENCES evals(id),
        judge_model_id TEXT NOT NULL,
        judge_sha256   TEXT NOT NULL,
        adapter_ids    TEXT NOT NULL,
        rubric         TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        created_by     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX eval_judgings_eval ON eval_judgings(eval_id);

      CREATE TABLE eval_judgements (
        judging_id TEXT NOT NULL REFERENCES eval_judgings(id),
        position   INTEGER NOT NULL,
        prompt     TEXT NOT NULL,
        raw        TEXT NOT NULL,
        score      INTEGER CHECK (score BETWEEN 1 AND 5),
        reason     TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (judging_id, position)
      ) STRICT;
    `);
  },
};
