import { AuditLog } from '../audit/audit-log.js';
import { randomUUID } from 'node:crypto';
import type { HandlerImpls } from '../../shared/contract/index.js';
import { LatheError } from '../../shared/contract/errors.js';
import type { GateCheck, Release } from '../../shared/contract/features/evals.js';
import type { EngineContext } from '../context.js';
import { evalQueries, type ReleaseRow } from '../db/queries/evals.js';
import { requireDb } from '../require-db.js';
import { compareEvals, getSummary, toSummary } from './eval-compare.js';
import { runEval } from './eval-run.js';
import { taskReport } from './task-report-of-eval.js';
import { judgeEval, toJudging } from './judge.js';
import { quantCost } from './quant-cost.js';
import { judgeQueries } from '../db/queries/judge.js';
import { checkRequest, readCriteria, type GateTarget } from './gate.js';
import { refuseMakerAsReviewer, refuseRuleChange, twoPersonRuleOn } from './two-person-rule.js';
import { confirmArtefactBytes, type ResolvedArtefact } from './release-artefact.js';
import { exportQueries } from '../db/queries/exports.js';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { judgeWinRate } from './judge-win-rate.js';
import { signerName } from '../auth/auth-handlers.js';
import { confirmSigner, sign, type Signer } from '../auth/signatures.js';
import { releaseSha256, releaseSignatures } from './release-signatures.js';

type EvalImpls = Pick<
  HandlerImpls,
  'evals.start' | 'evals.list' | 'evals.get' | 'evals.items' | 'evals.taskReport' | 'evals.quantCost' | 'evals.judge' | 'evals.judgings' | 'evals.judgeWinRate' | 'evals.compare' | 'gate.get' | 'gate.set' | 'gate.check' | 'gate.release' | 'gate.override'
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
    'evals.taskReport': async ({ evalId }) => taskReport(db(), evalId),
    'evals.quantCost': async ({ referenceEvalId, resamples }) => quantCost(db(), referenceEvalId, resamples),
    'evals.judge': async (args) => judgeEval(ctx, args),
    'evals.judgings': async ({ evalId }) => ({ judgings: judgeQueries(db()).ofEval(evalId).map((j) => toJudging(ctx, j)) }),
    'evals.judgeWinRate': async ({ aJudgingId, bJudgingId }) => judgeWinRate(db(), aJudgingId, bJudgingId),
    'evals.compare': async (args) => compareEvals(db(), args),
    'gate.get': async ({ project }) => {
      const q = evalQueries(db());
      return { criteria: readCriteria(db(), project), twoPersonRule: twoPersonRuleOn(db(), project), updatedAt: q.getGate(project)?.updated_at ?? null, releases: q.releases(project).map((r) => toRelease(r, db())) };
    },
    'gate.set': async ({ project, criteria, twoPersonRule }) => {
      const { db, audit } = requireDb(ctx);
      refuseRuleChange(ctx, db, project, twoPersonRule);
      const rule = twoPersonRule ?? twoPersonRuleOn(db, project); // not given: as it was
      db.transaction(() => {
        evalQueries(db).putGate({ project, criteria: JSON.stringify(criteria), two_person_rule: rule ? 1 : 0, updated_at: new Date().toISOString(), updated_by: ctx.actor });
        ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'gate.criteria.set', objectType: 'project', objectId: project, details: { criteria, twoPersonRule: rule } }));
      }).immediate();
      return { criteria, twoPersonRule: rule };
    },
    'gate.check': async ({ project, ...req }) => checkRequest(db(), project, req).check,
    'gate.release': async ({ project, reviewer, meaning, password, ...req }) => {
      const { db, audit } = requireDb(ctx);
      const { check, candidate, artefact } = checkRequest(db, project, req);
      refuseSecondRelease(db, project, candidate, artefact);
      if (candidate) refuseMakerAsReviewer(ctx, db, audit, project, candidate);
      if (!check.passed || !candidate) {
        // The refusal is itself a decision a reviewer may ask about, so it is logged too.
        ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'release.refuse', objectType: artefact ? 'export' : 'model', objectId: artefact?.exportId ?? req.candidate?.modelId ?? null, details: { project, candidate, artefact: check.artefact, baseline: req.baseline, check } }));
        const failed = [...check.problems, ...check.results.filter((r) => !r.passed).map((r) => r.detail)];
        throw new LatheError('GATE_FAILED', `The release gate refused this ${artefact ? 'export' : 'model'}: ${failed.join('; ')}.`, 'Improve the model and evaluate it again, or record an override with a written reason and the reviewer’s name.');
      }
      if (artefact) await confirmArtefactBytes(artefact);
      const signer = await confirmSigner(ctx, password); // team mode: the password again, before anything is recorded
      return { release: record(ctx, project, candidate, artefact, check, 'released', null, { reviewer: signerName(ctx, reviewer), meaning, signer }), check };
    },
    'gate.override': async ({ project, reason, reviewer, meaning, password, ...req }) => {
      if (readCriteria(db(), project).length === 0) throw new LatheError('INVALID_ARGUMENTS', 'No release criteria are set, so there is nothing to override.', 'Set the project’s release criteria first; an override records why a model that fails them may ship.');
      const { check, candidate, artefact } = checkRequest(db(), project, req);
      refuseSecondRelease(db(), project, candidate, artefact);
      if (!check.candidateEvalId || !candidate) throw new LatheError('INVALID_ARGUMENTS', `The ${artefact ? `exported ${artefact.file}` : 'candidate'} has no finished eval, so there is nothing to override.`, 'Evaluate it first; an override releases a model whose evals fail, not an untested one.');
      if (check.passed) throw new LatheError('INVALID_ARGUMENTS', 'This model passes the release gate; it needs no override.', 'Release it normally.');
      refuseMakerAsReviewer(ctx, db(), requireDb(ctx).audit, project, candidate);
      if (artefact) await confirmArtefactBytes(artefact);
      const signer = await confirmSigner(ctx, password);
      return { release: record(ctx, project, candidate, artefact, check, 'overridden', reason, { reviewer: signerName(ctx, reviewer), meaning: meaning ?? 'Approved for release against the gate', signer }), check };
    },
  };
}

/** A release is recorded once: the same exported bytes, or the same model + adapters, cannot be released again. */
function refuseSecondRelease(db: Database.Database, project: string, candidate: GateTarget | null, artefact: ResolvedArtefact | null): void {
  if (!candidate && !artefact) return;
  const prior = evalQueries(db).releaseOfCandidate(project, candidate?.modelId ?? '', JSON.stringify(candidate?.adapterIds ?? []), artefact?.sha256 ?? null);
  if (!prior) return;
  const what = artefact ? `The exported ${artefact.file}` : 'This model';
  const how = prior.decision === 'released' ? 'released' : 'released with an override';
  throw new LatheError(
    'CONFLICT',
    `${what} was already ${how} by ${prior.reviewer ?? prior.created_by} on ${prior.created_at.slice(0, 16).replace('T', ' ')} UTC (release ${prior.id.slice(0, 8)}); a release is recorded once.`,
    'Nothing was changed. To ship something new, export or train it, evaluate it and release that; the existing decision and its report are under Releases.',
  );
}

function record(ctx: EngineContext, project: string, candidate: GateTarget, chosen: ResolvedArtefact | null, check: GateCheck, decision: 'released' | 'overridden', reason: string | null, signed: { reviewer: string; meaning: string; signer: Signer | null }): Release {
  const { reviewer, meaning, signer } = signed;
  const { db, audit } = requireDb(ctx);
  const artefact = chosen;
  const row: ReleaseRow = {
    id: randomUUID(), project, model_id: candidate.modelId, adapter_ids: JSON.stringify(candidate.adapterIds), eval_id: check.candidateEvalId!,
    baseline_eval_id: check.baselineEvalId, decision, passed: check.passed ? 1 : 0, results: JSON.stringify(check), reason, reviewer,
    created_at: new Date().toISOString(), created_by: ctx.actor,
    export_id: artefact?.exportId ?? null, artefact_path: artefact?.file ?? null, artefact_sha256: artefact?.sha256 ?? null, meaning,
  };
  db.transaction(() => {
    evalQueries(db).insertRelease(row);
    const action = decision === 'released' ? 'release' : 'release.override';
    ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action, objectType: 'model', objectId: candidate.modelId, details: { releaseId: row.id, project, adapterIds: candidate.adapterIds, evalId: row.eval_id, baselineEvalId: row.baseline_eval_id, reason, reviewer, meaning, results: check.results, export: artefact ? { id: artefact.exportId, file: artefact.file, sha256: artefact.sha256 } : null } }));
    if (signer) sign(db, audit, signer, { type: 'release', id: row.id, sha256: releaseSha256(row) }, meaning);
  }).immediate();
  if (artefact) writeReleaseNote(db, row);
  return toRelease(row, db);
}

/** RELEASE.json beside the exported files: the decision travels with the folder (SHA256SUMS is left as exported). */
function writeReleaseNote(db: Database.Database, row: ReleaseRow): void {
  const exp = row.export_id ? exportQueries(db).get(row.export_id) : undefined;
  if (!exp || !fs.existsSync(exp.path)) return;
  const note = {
    decision: row.decision, releaseId: row.id, project: row.project, file: row.artefact_path, sha256: row.artefact_sha256, evalId: row.eval_id,
    baselineEvalId: row.baseline_eval_id, passed: row.passed === 1, reason: row.reason, reviewer: row.reviewer, meaning: row.meaning, at: row.created_at, by: row.created_by,
    gate: (JSON.parse(row.results) as GateCheck).results.map((r) => ({ passed: r.passed, detail: r.detail })),
    // The audit chain's head when the decision was written: a copy of this file anchors the log (audit-witness.ts).
    auditHead: new AuditLog(db).head(),
    // Team mode: who signed, what it means, and the sha256 of the decision they signed (verify in Lathe: the lineage or the report).
    signatures: releaseSignatures(db, row).map(({ valid: _valid, ...s }) => s),
  };
  const file = path.join(exp.path, 'RELEASE.json');
  fs.writeFileSync(`${file}.partial`, JSON.stringify(note, null, 2) + '\n');
  fs.renameSync(`${file}.partial`, file);
}

export function toRelease(r: ReleaseRow, db: Database.Database): Release {
  return {
    id: r.id, modelId: r.model_id, adapterIds: JSON.parse(r.adapter_ids) as string[], evalId: r.eval_id, baselineEvalId: r.baseline_eval_id,
    decision: r.decision, passed: r.passed === 1, reason: r.reason, reviewer: r.reviewer, meaning: r.meaning ?? null, createdAt: r.created_at, createdBy: r.created_by,
    exportId: r.export_id ?? null, artefactPath: r.artefact_path ?? null, artefactSha256: r.artefact_sha256 ?? null,
    signatures: releaseSignatures(db, r),
  };
}
