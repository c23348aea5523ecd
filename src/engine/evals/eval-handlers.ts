import { randomUUID } from 'node:crypto';
import type { HandlerImpls } from '../../shared/contract/index.js';
import { LatheError } from '../../shared/contract/errors.js';
import type { GateCheck, Release } from '../../shared/contract/features/evals.js';
import type { EngineContext } from '../context.js';
import { evalQueries, type ReleaseRow } from '../db/queries/evals.js';
import { requireDb } from '../require-db.js';
import { compareEvals, getSummary, toSummary } from './eval-compare.js';
import { runEval } from './eval-run.js';
import { checkGate, readCriteria, type GateTarget } from './gate.js';

type EvalImpls = Pick<
  HandlerImpls,
  'evals.start' | 'evals.list' | 'evals.get' | 'evals.items' | 'evals.compare' | 'gate.get' | 'gate.set' | 'gate.check' | 'gate.release' | 'gate.override'
>;

export function evalHandlers(ctx: EngineContext): EvalImpls {
  const db = () => requireDb(ctx).db;
  return {
    'evals.start': async (args) => getSummary(db(), await runEval(ctx, args)),
    'evals.list': async ({ limit }) => ({ evals: evalQueries(db()).list(limit).map(toSummary) }),
    'evals.get': async ({ evalId }) => getSummary(db(), evalId),
    'evals.items': async ({ evalId }) => {
      getSummary(db(), evalId);
      return {
        items: evalQueries(db()).items(evalId).map((i) => ({
          position: i.position, exampleHash: i.example_hash, prompt: i.prompt, reference: i.reference, output: i.output,
          scores: { exact: i.exact, f1: i.f1, rougeL: i.rouge_l }, latencyMs: i.latency_ms, tokens: i.tokens, promptTokens: i.prompt_tokens,
        })),
      };
    },
    'evals.compare': async (args) => compareEvals(db(), args),
    'gate.get': async ({ project }) => {
      const q = evalQueries(db());
      return { criteria: readCriteria(db(), project), updatedAt: q.getGate(project)?.updated_at ?? null, releases: q.releases(project).map(toRelease) };
    },
    'gate.set': async ({ project, criteria }) => {
      const { db, audit } = requireDb(ctx);
      db.transaction(() => {
        evalQueries(db).putGate({ project, criteria: JSON.stringify(criteria), updated_at: new Date().toISOString(), updated_by: ctx.actor });
        ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'gate.criteria.set', objectType: 'project', objectId: project, details: { criteria } }));
      }).immediate();
      return { criteria };
    },
    'gate.check': async ({ project, candidate, baseline }) => checkGate(db(), project, candidate, baseline),
    'gate.release': async ({ project, candidate, baseline }) => {
      const { db, audit } = requireDb(ctx);
      const check = checkGate(db, project, candidate, baseline);
      if (!check.passed) {
        // The refusal is itself a decision a reviewer may ask about, so it is logged too.
        ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'release.refuse', objectType: 'model', objectId: candidate.modelId, details: { project, candidate, baseline, check } }));
        const failed = [...check.problems, ...check.results.filter((r) => !r.passed).map((r) => r.detail)];
        throw new LatheError('GATE_FAILED', `The release gate refused this model: ${failed.join('; ')}.`, 'Improve the model and evaluate it again, or record an override with a written reason and the reviewer’s name.');
      }
      return { release: record(ctx, project, candidate, check, 'released', null, null), check };
    },
    'gate.override': async ({ project, candidate, baseline, reason, reviewer }) => {
      if (readCriteria(db(), project).length === 0) throw new LatheError('INVALID_ARGUMENTS', 'No release criteria are set, so there is nothing to override.', 'Set the project’s release criteria first; an override records why a model that fails them may ship.');
      const check = checkGate(db(), project, candidate, baseline);
      if (!check.candidateEvalId) throw new LatheError('INVALID_ARGUMENTS', 'The candidate has no finished eval, so there is nothing to override.', 'Evaluate the model first; an override releases a model whose evals fail, not an untested one.');
      if (check.passed) throw new LatheError('INVALID_ARGUMENTS', 'This model passes the release gate; it needs no override.', 'Release it normally.');
      return { release: record(ctx, project, candidate, check, 'overridden', reason, reviewer), check };
    },
  };
}

function record(ctx: EngineContext, project: string, candidate: GateTarget, check: GateCheck, decision: 'released' | 'overridden', reason: string | null, reviewer: string | null): Release {
  const { db, audit } = requireDb(ctx);
  const row: ReleaseRow = {
    id: randomUUID(), project, model_id: candidate.modelId, adapter_ids: JSON.stringify(candidate.adapterIds), eval_id: check.candidateEvalId!,
    baseline_eval_id: check.baselineEvalId, decision, passed: check.passed ? 1 : 0, results: JSON.stringify(check), reason, reviewer,
    created_at: new Date().toISOString(), created_by: ctx.actor,
  };
  db.transaction(() => {
    evalQueries(db).insertRelease(row);
    const action = decision === 'released' ? 'release' : 'release.override';
    ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action, objectType: 'model', objectId: candidate.modelId, details: { releaseId: row.id, project, adapterIds: candidate.adapterIds, evalId: row.eval_id, baselineEvalId: row.baseline_eval_id, reason, reviewer, results: check.results } }));
  }).immediate();
  return toRelease(row);
}

function toRelease(r: ReleaseRow): Release {
  return {
    id: r.id, modelId: r.model_id, adapterIds: JSON.parse(r.adapter_ids) as string[], evalId: r.eval_id, baselineEvalId: r.baseline_eval_id,
    decision: r.decision, passed: r.passed === 1, reason: r.reason, reviewer: r.reviewer, createdAt: r.created_at, createdBy: r.created_by,
  };
}
