import type Database from 'better-sqlite3';
import type { EvalTaskReport } from '../../shared/contract/features/evals.js';
import { evalQueries } from '../db/queries/evals.js';
import { getSummary } from './eval-compare.js';
import { classificationReport, structuredReport } from './task-report.js';

/** The task report of a stored eval, read from its settings (task, schema) and its items. */
export function taskReport(db: Database.Database, evalId: string): EvalTaskReport {
  const summary = getSummary(db, evalId);
  const row = evalQueries(db).get(evalId)!;
  const settings = JSON.parse(row.settings) as { jsonSchema?: Record<string, unknown> };
  const items = evalQueries(db).items(evalId);
  return {
    task: summary.task,
    classification: summary.task === 'classification' ? classificationReport(items) : null,
    structured: summary.task === 'structured' ? structuredReport(items, settings.jsonSchema ?? null) : null,
  };
}
