import type Database from 'better-sqlite3';
import { firstStepIds, type FirstStepId } from '../../../shared/contract/features/app.js';

/**
 * Whether each step of the main job has happened at least once in this library (the getting-started checklist):
 * one statement of EXISTS probes, each answered by the first matching row, so no table is counted through.
 */
export function firstStepsQueries(db: Database.Database) {
  const probe = db.prepare<[], Record<FirstStepId, 0 | 1>>(
    `SELECT
       EXISTS (SELECT 1 FROM datasets)                                     AS "import",
       EXISTS (SELECT 1 FROM models WHERE kind = 'base' AND format = 'hf') AS "base",
       EXISTS (SELECT 1 FROM runs WHERE status = 'completed')              AS "train",
       EXISTS (SELECT 1 FROM conversations)                                AS "compare",
       EXISTS (SELECT 1 FROM evals WHERE status = 'done')                  AS "evaluate",
       EXISTS (SELECT 1 FROM exports WHERE status = 'draft')               AS "export"`,
  );
  return {
    /**
     * Done or not, per step. A trainable base is an HF folder registered as a base (a GGUF can be chatted with, not
     * trained); an export counts once it is 'draft': its files made and verified, the release still to decide.
     */
    done(): Record<FirstStepId, boolean> {
      const row = probe.get()!;
      return Object.fromEntries(firstStepIds.map((id) => [id, row[id] === 1])) as Record<FirstStepId, boolean>;
    },
  };
}
