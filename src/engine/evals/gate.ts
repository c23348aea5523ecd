import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { EvalMetric, GateCheck, GateCriterion, ReleaseArtefact } from '../../shared/contract/features/evals.js';
import { evalQueries, type EvalRow } from '../db/queries/evals.js';
import { resolveTarget } from '../playground/targets.js';
import { itemScore, pairItems } from './eval-compare.js';
import { exportedFileOf, resolveArtefact, type ArtefactChoice, type ResolvedArtefact } from './release-artefact.js';
import { hygieneCriterion } from './hygiene/gate-criteria.js';
import { hygieneQueries } from '../db/queries/hygiene.js';

export interface GateTarget { modelId: string; adapterIds: string[] }

export function readCriteria(db: Database.Database, project: string): GateCriterion[] {
  const row = evalQueries(db).getGate(project);
  return row ? (JSON.parse(row.criteria) as GateCriterion[]) : [];
}

/** The candidate's latest finished eval, and the baseline's latest finished eval on the same data and split. */
export function latestEvals(db: Database.Database, candidate: GateTarget, baseline: GateTarget): { cand: EvalRow | undefined; base: EvalRow | undefined } {
  const q = evalQueries(db);
  const c = resolveTarget(db, candidate);
  const b = resolveTarget(db, baseline);
  // Suite and canary-probe evals are judged by their own criteria (hygiene/gate-criteria.ts), never as the domain eval.
  const cand = hygieneQueries(db).latestDomainEval(c.model.id, JSON.stringify(c.adapters.map((a) => a.id)));
  const base = cand ? q.latestDone(b.model.id, JSON.stringify(b.adapters.map((a) => a.id)), cand.dataset_version_id, cand.split) : undefined;
  return { cand, base };
}

const pts = (x: number) => Math.round(x * 10_000) / 100; // 0..1 → points with 2 decimals
const NAMES = { exact: 'exact match', f1: 'token F1', rougeL: 'ROUGE-L' } as const;

/** "F1 ≥ base + N": the required score in points, rounded as people read it (0.56 + 5 is 5.56, not
 * 5.5600000000000005), in the decision and in every report and audit entry that quotes it. */
export function minGain(name: string, base: number, candidate: number, points: number) {
  const required = Math.round((pts(base) + points) * 100) / 100;
  return { passed: pts(candidate) >= required - 1e-9, actual: pts(candidate), required, detail: `${name} ${pts(candidate)} vs base ${pts(base)} (needs ≥ base + ${points} = ${required})` };
}

export interface GateRequest { candidate?: GateTarget | undefined; artefact?: ArtefactChoice | undefined; baseline: GateTarget }

/**
 * The gate for a request that names a registry model or an exported file. For a file, the candidate is the registry
 * model with exactly its bytes (the export registers its GGUFs), so only evals that ran on those bytes count.
 */
export function checkRequest(db: Database.Database, project: string, req: GateRequest): { check: GateCheck; candidate: GateTarget | null; artefact: ResolvedArtefact | null } {
  if (!req.artefact && !req.candidate) throw new LatheError('INVALID_ARGUMENTS', 'Name the candidate: a model (+ adapters) or an exported file.', 'Pick the export and its GGUF file that would ship.');
  // A registry GGUF that an export wrote is that export's file: the check binds to it even when picked as a model.
  const choice = req.artefact ?? (req.candidate ? exportedFileOf(db, req.candidate) : null);
  const artefact = choice ? resolveArtefact(db, choice) : null;
  if (artefact && !req.artefact && req.candidate) artefact.modelId = req.candidate.modelId; // the very row the user evaluated
  const facts: ReleaseArtefact | null = artefact ? { exportId: artefact.exportId, exportName: artefact.exportName, file: artefact.file, sha256: artefact.sha256, quant: artefact.quant, modelId: artefact.modelId } : null;
  if (artefact && !artefact.modelId) {
    const criteria = readCriteria(db, project);
    const problem = `The exported ${artefact.file} is not in the model registry, so it has no evals; register it (Models → Import) and evaluate it.`;
    return { check: { passed: false, artefact: facts, candidateEvalId: null, baselineEvalId: null, results: criteria.map((criterion) => ({ criterion, passed: false, actual: null, required: null, detail: 'no eval of the exported file' })), problems: [problem] }, candidate: null, artefact };
  }
  const candidate = artefact ? { modelId: artefact.modelId!, adapterIds: [] } : req.candidate!;
  const check = checkGate(db, project, candidate, req.baseline);
  // The generic "candidate has no eval" says less than this: name the file and what to run.
  if (artefact && !check.candidateEvalId) {
    check.problems = [`The exported ${artefact.file} has no finished eval; run the eval on that file (Evaluate → model “${artefact.exportName} · ${artefact.quant ?? artefact.file}”), not only on the model before export.`, ...check.problems.filter((p) => !p.startsWith('The candidate has no finished eval'))];
  }
  return { check: { ...check, artefact: facts, passed: check.passed && check.problems.length === 0 }, candidate, artefact };
}

/**
 * Evaluates each criterion on the latest evals. The gate decides only on finished evals of the same dataset
 * version and split for candidate and baseline; anything missing is a problem that blocks release, not a pass.
 */
export function checkGate(db: Database.Database, project: string, candidate: GateTarget, baseline: GateTarget): GateCheck {
  const criteria = readCriteria(db, project);
  const { cand, base } = latestEvals(db, candidate, baseline);
  const problems: string[] = [];
  if (criteria.length === 0) problems.push('No release criteria are set for this project; set them before releasing.');
  if (!cand) problems.push('The candidate has no finished eval; run one first.');
  else if (!base && criteria.some((c) => c.kind === 'min-gain' || c.kind === 'max-regressions')) problems.push('The baseline has no finished eval on the same dataset version and split; run it first.');
  const pairs = cand && base ? pairItems(db, base.id, cand.id) : [];
  const mean = (side: 0 | 1, metric: EvalMetric) => pairs.length ? pairs.reduce((s, p) => s + itemScore(p[side], metric), 0) / pairs.length : null;
  const candMean = (metric: EvalMetric) => {
    if (!cand) return null;
    const items = evalQueries(db).items(cand.id);
    return items.length ? items.reduce((s, i) => s + itemScore(i, metric), 0) / items.length : null;
  };
  const results = criteria.map((criterion) => {
    if (criterion.kind === 'no-safety-regressions' || criterion.kind === 'no-canary-leaks') return hygieneCriterion(db, project, criterion, candidate, baseline);
    const name = NAMES[criterion.metric];
    if (criterion.kind === 'min-score') {
      const actual = candMean(criterion.metric);
      const value = actual === null ? null : pts(actual);
      return { criterion, passed: value !== null && value >= criterion.points, actual: value, required: criterion.points, detail: value === null ? 'no candidate eval' : `${name} ${value} (needs ≥ ${criterion.points})` };
    }
    const a = mean(0, criterion.metric);
    const b = mean(1, criterion.metric);
    if (a === null || b === null) return { criterion, passed: false, actual: null, required: null, detail: 'no paired baseline eval' };
    if (criterion.kind === 'min-gain') return { criterion, ...minGain(name, a, b, criterion.points) };
    const worse = pairs.filter(([x, y]) => (itemScore(x, criterion.metric) - itemScore(y, criterion.metric)) * 100 > criterion.points).length;
    return { criterion, passed: worse <= criterion.count, actual: worse, required: criterion.count, detail: `${worse} item(s) lost more than ${criterion.points} ${name} points (at most ${criterion.count} allowed)` };
  });
  return { passed: problems.length === 0 && results.every((r) => r.passed), artefact: null, candidateEvalId: cand?.id ?? null, baselineEvalId: base?.id ?? null, results, problems };
}
