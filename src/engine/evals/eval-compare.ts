import { LatheError } from '../../shared/contract/errors.js';
import type { EvalComparison, EvalMetric, EvalSummary } from '../../shared/contract/features/evals.js';
import { evalQueries, type EvalItemRow, type EvalSummaryRow } from '../db/queries/evals.js';
import type Database from 'better-sqlite3';
import { pairedBootstrap } from './bootstrap.js';

export const itemScore = (item: EvalItemRow, metric: EvalMetric): number => (metric === 'exact' ? item.exact : metric === 'f1' ? item.f1 : item.rouge_l);

export function toSummary(row: EvalSummaryRow): EvalSummary {
  const s = JSON.parse(row.settings) as { maxTokens: number; seed: number; temperature: number; task?: EvalSummary['task'] };
  return {
    id: row.id, task: s.task ?? 'qa', label: row.label, modelId: row.model_id, adapterIds: JSON.parse(row.adapter_ids) as string[], datasetVersionId: row.dataset_version_id,
    split: row.split, status: row.status, itemCount: row.item_count, doneItems: row.done_items,
    scores: row.done_items > 0 ? { exact: row.exact ?? 0, f1: row.f1 ?? 0, rougeL: row.rouge_l ?? 0 } : null,
    meanLatencyMs: row.latency_ms, totalTokens: row.tokens ?? 0, settings: { maxTokens: s.maxTokens, seed: s.seed, temperature: s.temperature },
    error: row.error, createdAt: row.created_at, finishedAt: row.finished_at,
  };
}

export function getSummary(db: Database.Database, evalId: string): EvalSummary {
  const row = evalQueries(db).summary(evalId);
  if (!row) throw new LatheError('NOT_FOUND', `There is no eval ${evalId}.`, 'Pick an eval from the list; it may have been removed.');
  return toSummary(row);
}

/** Items of a and b paired by dataset position; only positions both evals stored count. */
export function pairItems(db: Database.Database, aId: string, bId: string): Array<[EvalItemRow, EvalItemRow]> {
  const q = evalQueries(db);
  const bByPos = new Map(q.items(bId).map((i) => [i.position, i]));
  return q.items(aId).flatMap((a) => {
    const b = bByPos.get(a.position);
    return b ? [[a, b] as [EvalItemRow, EvalItemRow]] : [];
  });
}

/** Eval b against eval a (a is usually the base model): deltas with paired bootstrap intervals and regressions. */
export function compareEvals(db: Database.Database, args: { aEvalId: string; bEvalId: string; metric: EvalMetric; resamples: number; seed: number }): EvalComparison {
  const a = getSummary(db, args.aEvalId);
  const b = getSummary(db, args.bEvalId);
  if (a.datasetVersionId !== b.datasetVersionId || a.split !== b.split) {
    throw new LatheError('INVALID_ARGUMENTS', 'These two evals ran on different data, so their scores cannot be paired.', 'Compare evals of the same dataset version and split; run the missing one first.');
  }
  const pairs = pairItems(db, a.id, b.id);
  if (pairs.length === 0) throw new LatheError('INVALID_ARGUMENTS', 'These two evals have no items in common yet.', 'Let both evals finish (or resume them), then compare.');
  const metrics = (['exact', 'f1', 'rougeL'] as const).map((metric) => {
    const xa = pairs.map(([x]) => itemScore(x, metric));
    const xb = pairs.map(([, y]) => itemScore(y, metric));
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    return { metric, a: mean(xa), b: mean(xb), interval: pairedBootstrap(xa, xb, { resamples: args.resamples, seed: args.seed }) };
  });
  const diffs = pairs.map(([x, y]) => ({ x, y, d: itemScore(y, args.metric) - itemScore(x, args.metric) }));
  const regressions = diffs
    .filter((p) => p.d < 0)
    .sort((p, q) => p.d - q.d || p.x.position - q.x.position)
    .map(({ x, y }) => ({ position: x.position, prompt: x.prompt, reference: x.reference, outputA: x.output, outputB: y.output, scoreA: itemScore(x, args.metric), scoreB: itemScore(y, args.metric) }));
  return { a, b, metrics, regressions, improvements: diffs.filter((p) => p.d > 0).length, unchanged: diffs.filter((p) => p.d === 0).length };
}
