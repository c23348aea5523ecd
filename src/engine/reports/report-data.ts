import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { EvalComparison, EvalSummary, GateCheck } from '../../shared/contract/features/evals.js';
import type { AuditVerifyResult } from '../../shared/contract/index.js';
import { AuditLog } from '../audit/audit-log.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { evalQueries, type ReleaseRow } from '../db/queries/evals.js';
import { exportQueries } from '../db/queries/exports.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { reportQueries } from '../db/queries/reports.js';
import { runQueries } from '../db/queries/runs.js';
import { compareEvals, getSummary } from '../evals/eval-compare.js';
import type { Signature } from '../../shared/contract/index.js';
import { releaseSignatures } from '../evals/release-signatures.js';

export interface ModelFact { id: string; name: string; kind: string; sha256: string; path: string; quantization: string | null }
export interface VersionFact { id: string; dataset: string; number: number; contentHash: string; examples: number; operation: string; params: string; createdAt: string; createdBy: string }

/** Everything a model-risk reviewer files about one release decision, gathered once for the HTML and the PDF. */
export interface ReleaseReportData {
  generatedAt: string;
  release: { id: string; project: string; decision: 'released' | 'overridden'; passed: boolean; reason: string | null; reviewer: string | null; meaning: string | null; createdAt: string; createdBy: string };
  /** Team mode's electronic signatures on the decision, each verified against the decision as stored now. */
  signatures: Signature[];
  /** The candidate: its model, adapters, and the chain of parents up to the base model. */
  models: ModelFact[];
  artefact: { exportName: string; exportPath: string; file: string; sha256: string; files: Array<{ path: string; sha256: string; bytes: number }> } | null;
  run: { id: string; name: string; status: string; createdAt: string; seed: unknown; settings: Record<string, unknown>; environment: Record<string, unknown> | null } | null;
  /** The training data version and its ancestors back to the import, newest first. */
  data: VersionFact[];
  splits: Record<string, number>;
  curves: { loss: Array<[number, number]>; validation: Array<[number, number]> };
  candidateEval: EvalSummary;
  /** The data the candidate was judged on: its version (content hash, lineage op), the split used, and all split sizes. */
  evalData: (VersionFact & { split: string; splits: Record<string, number> }) | null;
  baselineEval: EvalSummary | null;
  comparison: EvalComparison | null;
  gate: GateCheck;
  audit: AuditVerifyResult;
}

export function gatherReleaseReport(db: Database.Database, releaseId: string): ReleaseReportData {
  const release = evalQueries(db).releaseById(releaseId);
  if (!release) throw new LatheError('NOT_FOUND', `There is no release ${releaseId}.`, 'Pick a release decision from Evaluate → Releases.');
  const models = candidateModels(db, release);
  const runId = models.map((m) => m.run_id).find((id): id is string => !!id) ?? null;
  const run = runId ? runQueries(db).get(runId) : undefined;
  const data = run?.dataset_version_id ? versionChain(db, run.dataset_version_id) : [];
  const reports = reportQueries(db);
  const candidateEval = getSummary(db, release.eval_id);
  const baselineEval = release.baseline_eval_id ? getSummary(db, release.baseline_eval_id) : null;
  return {
    generatedAt: new Date().toISOString(),
    release: { id: release.id, project: release.project, decision: release.decision, passed: release.passed === 1, reason: release.reason, reviewer: release.reviewer, meaning: release.meaning ?? null, createdAt: release.created_at, createdBy: release.created_by },
    signatures: releaseSignatures(db, release),
    models: models.map((m) => ({ id: m.id, name: m.name, kind: m.kind, sha256: m.sha256, path: m.path, quantization: m.quantization })),
    artefact: artefactOf(db, release),
    run: run ? runFacts(run) : null,
    data,
    splits: data[0] ? reports.splitCounts(data[0].id) : {},
    curves: runId ? { loss: reports.metricSeries(runId, 'loss'), validation: reports.metricSeries(runId, 'val_loss') } : { loss: [], validation: [] },
    candidateEval,
    evalData: evalDataOf(db, candidateEval),
    baselineEval,
    comparison: baselineEval && baselineEval.datasetVersionId === candidateEval.datasetVersionId && baselineEval.split === candidateEval.split
      ? compareEvals(db, { aEvalId: baselineEval.id, bEvalId: candidateEval.id, metric: 'f1', resamples: 2000, seed: 0 })
      : null,
    gate: JSON.parse(release.results) as GateCheck,
    audit: new AuditLog(db).verify(),
  };
}

/** Adapters first, then the model and its parents (an exported GGUF → merged → adapter → base). */
function candidateModels(db: Database.Database, release: ReleaseRow): ModelRow[] {
  const q = modelQueries(db);
  const out: ModelRow[] = [];
  const seen = new Set<string>();
  const walk = (id: string | null) => {
    for (let m = id ? q.get(id) : undefined; m && !seen.has(m.id); m = m.parent_id ? q.get(m.parent_id) : undefined) {
      seen.add(m.id);
      out.push(m);
    }
  };
  for (const a of JSON.parse(release.adapter_ids) as string[]) walk(a);
  walk(release.model_id);
  return out;
}

function artefactOf(db: Database.Database, release: ReleaseRow): ReleaseReportData['artefact'] {
  if (!release.export_id || !release.artefact_path || !release.artefact_sha256) return null;
  const x = exportQueries(db);
  const exp = x.get(release.export_id);
  if (!exp) return null;
  return { exportName: exp.name, exportPath: exp.path, file: release.artefact_path, sha256: release.artefact_sha256, files: x.files(exp.id).map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes })) };
}

function runFacts(run: NonNullable<ReturnType<ReturnType<typeof runQueries>['get']>>): NonNullable<ReleaseReportData['run']> {
  const config = JSON.parse(run.config) as Record<string, unknown>;
  const result = run.result ? (JSON.parse(run.result) as { manifest?: string }) : null;
  let environment: Record<string, unknown> | null = null;
  try {
    if (result?.manifest && fs.existsSync(result.manifest)) {
      const manifest = JSON.parse(fs.readFileSync(result.manifest, 'utf8')) as Record<string, unknown>;
      environment = { versions: manifest.versions ?? null, hardware: manifest.hardware ?? null, baseModel: manifest.base_model ?? null, dataFiles: manifest.data_files ?? null };
    }
  } catch {
    environment = null; // a damaged manifest is reported as missing, not fatal to the report
  }
  const keep = ['method', 'objective', 'max_steps', 'lr', 'micro_batch_size', 'grad_accum', 'max_seq_len', 'lora', 'precision', 'packing'];
  return { id: run.id, name: run.name, status: run.status, createdAt: run.created_at, seed: config.seed, settings: Object.fromEntries(keep.filter((k) => k in config).map((k) => [k, config[k]])), environment };
}

function evalDataOf(db: Database.Database, e: EvalSummary): ReleaseReportData['evalData'] {
  const v = versionChain(db, e.datasetVersionId)[0];
  return v ? { ...v, split: e.split, splits: reportQueries(db).splitCounts(v.id) } : null;
}

function versionChain(db: Database.Database, versionId: string): VersionFact[] {
  const q = datasetQueries(db);
  const out: VersionFact[] = [];
  for (let v = q.versionById(versionId); v && out.length < 100; v = v.parent_id ? q.versionById(v.parent_id) : undefined) {
    out.push({ id: v.id, dataset: q.datasetById(v.dataset_id)?.name ?? v.dataset_id, number: v.number, contentHash: v.content_hash, examples: v.example_count, operation: v.operation, params: v.params, createdAt: v.created_at, createdBy: v.created_by });
  }
  return out;
}

/** One signature in words, ASCII only (the PDF's standard fonts): who, when, what it means, the record hash, whether it verifies. */
export function signatureText(s: Signature): string {
  const at = `${s.signedAt.slice(0, 10)} ${s.signedAt.slice(11, 19)} UTC`;
  return `${s.name} (user #${s.userId}), ${at}, "${s.meaning}", decision sha256 ${s.recordSha256} - ${s.valid ? 'verified' : 'DOES NOT VERIFY (changed after signing, or moved from another decision)'}`;
}
