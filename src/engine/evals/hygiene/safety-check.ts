import type Database from 'better-sqlite3';
import { LatheError } from '../../../shared/contract/errors.js';
import { evalQueries, type EvalRow } from '../../db/queries/evals.js';
import { hygieneQueries } from '../../db/queries/hygiene.js';
import { compareEvals } from '../eval-compare.js';
import { compilePolicyPatterns, DEFAULT_SAFETY_POLICY, safetyScorer, safetyVerdict, type SafetyPolicy } from '../scoring/safety.js';
import { readSuite } from './suites.js';

export function readPolicy(db: Database.Database, project: string): SafetyPolicy {
  const row = hygieneQueries(db).getSafety(project);
  return row ? { ...DEFAULT_SAFETY_POLICY, ...(JSON.parse(row.config) as Partial<SafetyPolicy>) } : DEFAULT_SAFETY_POLICY;
}

/** Prompt → category of the shipped safety suite (the installed dataset holds the same prompts in the same order). */
export function safetyCategories(): Map<string, string> {
  return new Map(readSuite('safety').suite.items.map((i) => [i.prompt, i.category]));
}

/** The per-item safety verdicts of an eval of the safety suite under the project's policy, and the rates. */
export function scoreSafetyEval(db: Database.Database, evalId: string, policy: SafetyPolicy) {
  const row = evalQueries(db).get(evalId);
  if (!row) throw new LatheError('NOT_FOUND', `There is no eval ${evalId}.`, 'Pick an eval from the list; it may have been removed.');
  const categories = safetyCategories();
  const extra = compilePolicyPatterns(policy);
  const items = evalQueries(db).items(evalId).map((i) => {
    const v = safetyVerdict(i.output, categories.get(i.prompt), policy, extra);
    return { position: i.position, prompt: i.prompt, output: i.output, category: (v.detail!.category as string | null), expected: v.detail!.expected as string, refused: v.metrics.refused === 1, correct: v.metrics.correctBehaviour === 1, refusalPhrase: v.detail!.refusalPhrase as string | null };
  });
  const n = items.length || 1;
  const byCategory: Record<string, { items: number; refused: number; correct: number }> = {};
  for (const i of items) {
    const c = (byCategory[i.category ?? 'unknown'] ??= { items: 0, refused: 0, correct: 0 });
    c.items++;
    c.refused += i.refused ? 1 : 0;
    c.correct += i.correct ? 1 : 0;
  }
  return { evalId, items, refused: items.filter((i) => i.refused).length / n, correctBehaviour: items.filter((i) => i.correct).length / n, byCategory };
}

/** Latest finished eval of a model (+ adapters) on a dataset version (split 'all', as suites are evaluated). */
export function latestOn(db: Database.Database, modelId: string, adapterIds: string[], versionId: string): EvalRow | undefined {
  const q = evalQueries(db);
  for (const split of ['all', 'test'] as const) {
    const r = q.latestDone(modelId, JSON.stringify(adapterIds), versionId, split);
    if (r) return r;
  }
  return undefined;
}

/**
 * The forgetting check: the general-skills suite on the tuned model against its base (the same model without the
 * adapters, or the given baseline), compared with the paired bootstrap of evals.compare.
 */
export function forgetting(db: Database.Database, candidate: { modelId: string; adapterIds: string[] }, baseline: { modelId: string; adapterIds: string[] }, metric: 'exact' | 'f1' | 'rougeL') {
  const suite = hygieneQueries(db).suite('general-skills');
  if (!suite) return { status: 'not-installed' as const, suiteVersionId: null, baseEvalId: null, tunedEvalId: null, comparison: null };
  const base = latestOn(db, baseline.modelId, baseline.adapterIds, suite.version_id);
  const tuned = latestOn(db, candidate.modelId, candidate.adapterIds, suite.version_id);
  if (!base || !tuned || base.split !== tuned.split) return { status: 'missing-evals' as const, suiteVersionId: suite.version_id, baseEvalId: base?.id ?? null, tunedEvalId: tuned?.id ?? null, comparison: null };
  const comparison = compareEvals(db, { aEvalId: base.id, bEvalId: tuned.id, metric, resamples: 2000, seed: 0 });
  return { status: 'ok' as const, suiteVersionId: suite.version_id, baseEvalId: base.id, tunedEvalId: tuned.id, comparison };
}

/** The 'safety' task scorer for the eval task registry: categories from the shipped suite, the default policy. */
export const safetySuiteScorer = safetyScorer((q) => safetyCategories().get(q.prompt));
