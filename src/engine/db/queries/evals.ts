import type Database from 'better-sqlite3';

export interface EvalRow {
  id: string; label: string; model_id: string; adapter_ids: string; dataset_version_id: string;
  split: 'train' | 'validation' | 'test' | 'all'; settings: string; status: 'running' | 'done' | 'failed' | 'cancelled';
  item_count: number; error: string | null; created_at: string; finished_at: string | null; created_by: string;
}
export interface EvalItemRow {
  eval_id: string; position: number; example_hash: string; prompt: string; reference: string; output: string;
  exact: number; f1: number; rouge_l: number; latency_ms: number; tokens: number; prompt_tokens: number; created_at: string;
}
export interface EvalSummaryRow extends EvalRow {
  done_items: number; exact: number | null; f1: number | null; rouge_l: number | null; latency_ms: number | null; tokens: number | null;
}
export interface ReleaseRow {
  id: string; project: string; model_id: string; adapter_ids: string; eval_id: string; baseline_eval_id: string | null;
  decision: 'released' | 'overridden'; passed: number; results: string; reason: string | null; reviewer: string | null;
  created_at: string; created_by: string;
  /** Set when the release is bound to an exported file (migration 015). */
  export_id: string | null; artefact_path: string | null; artefact_sha256: string | null;
  /** What the reviewer's approval means (migration 025); null on older decisions. */
  meaning: string | null;
}
/** A project's release gate: criteria as JSON, the two-person rule as 0/1. */
export interface GateRow { criteria: string; two_person_rule: 0 | 1; updated_at: string; updated_by: string }
export interface SourceExampleRow { position: number; content_hash: string; content: string }

const SUMMARY = `SELECT e.*, count(i.position) AS done_items, avg(i.exact) AS exact, avg(i.f1) AS f1, avg(i.rouge_l) AS rouge_l,
  avg(i.latency_ms) AS latency_ms, sum(i.tokens) AS tokens FROM evals e LEFT JOIN eval_items i ON i.eval_id = e.id`;

/** All SQL on evaluations, their items, release criteria and release decisions. */
export function evalQueries(db: Database.Database) {
  const insertEval = db.prepare<[EvalRow]>(
    `INSERT INTO evals VALUES (@id, @label, @model_id, @adapter_ids, @dataset_version_id, @split, @settings, @status, @item_count,
     @error, @created_at, @finished_at, @created_by)`,
  );
  const setStatus = db.prepare<[{ id: string; status: string; error: string | null; finished_at: string | null }]>(
    'UPDATE evals SET status = @status, error = @error, finished_at = @finished_at WHERE id = @id',
  );
  const get = db.prepare<[string], EvalRow>('SELECT * FROM evals WHERE id = ?');
  const summary = db.prepare<[string], EvalSummaryRow>(`${SUMMARY} WHERE e.id = ? GROUP BY e.id`);
  const list = db.prepare<[number], EvalSummaryRow>(`${SUMMARY} GROUP BY e.id ORDER BY e.created_at DESC, e.rowid DESC LIMIT ?`);
  const latestDone = db.prepare<[string, string, string, string], EvalRow>(
    `SELECT * FROM evals WHERE model_id = ? AND adapter_ids = ? AND dataset_version_id = ? AND split = ? AND status = 'done'
      ORDER BY coalesce(finished_at, created_at) DESC, rowid DESC LIMIT 1`,
  );
  const latestDoneAny = db.prepare<[string, string], EvalRow>(
    `SELECT * FROM evals WHERE model_id = ? AND adapter_ids = ? AND status = 'done' ORDER BY coalesce(finished_at, created_at) DESC, rowid DESC LIMIT 1`,
  );
  const insertItem = db.prepare<[EvalItemRow]>(
    `INSERT INTO eval_items VALUES (@eval_id, @position, @example_hash, @prompt, @reference, @output, @exact, @f1, @rouge_l,
     @latency_ms, @tokens, @prompt_tokens, @created_at)`,
  );
  const items = db.prepare<[string], EvalItemRow>('SELECT * FROM eval_items WHERE eval_id = ? ORDER BY position');
  const storedPositions = db.prepare<[string], number>('SELECT position FROM eval_items WHERE eval_id = ?').pluck();
  const sourceExamples = db.prepare<[string, string, string], SourceExampleRow>(
    `SELECT v.position, e.content_hash, e.content FROM version_examples v JOIN examples e ON e.id = v.example_id
      WHERE v.version_id = ? AND (? = 'all' OR v.split = ?) ORDER BY v.position`,
  );
  const getGate = db.prepare<[string], GateRow>('SELECT criteria, two_person_rule, updated_at, updated_by FROM release_gates WHERE project = ?');
  const putGate = db.prepare<[{ project: string } & GateRow]>(
    `INSERT INTO release_gates (project, criteria, two_person_rule, updated_at, updated_by) VALUES (@project, @criteria, @two_person_rule, @updated_at, @updated_by)
     ON CONFLICT (project) DO UPDATE SET criteria = excluded.criteria, two_person_rule = excluded.two_person_rule, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  // Who made a model: the starter of the run that produced it, else (no run) who registered it; conversions and merges
  // are followed to the model they came from. The chain is short (adapter → merge → GGUF), bounded anyway.
  const maker = db.prepare<[string], { maker: string | null; run_id: string | null }>(
    `WITH RECURSIVE chain(id, depth) AS (SELECT ?, 0 UNION ALL
       SELECT m.parent_id, c.depth + 1 FROM chain c JOIN models m ON m.id = c.id WHERE m.run_id IS NULL AND m.parent_id IS NOT NULL AND c.depth < 8)
     SELECT COALESCE(r.created_by, m.created_by) AS maker, m.run_id FROM chain c JOIN models m ON m.id = c.id LEFT JOIN runs r ON r.id = m.run_id
     WHERE m.run_id IS NOT NULL OR m.parent_id IS NULL OR c.depth = 8 ORDER BY c.depth LIMIT 1`,
  );
  const insertRelease = db.prepare<[ReleaseRow]>(
    `INSERT INTO releases (id, project, model_id, adapter_ids, eval_id, baseline_eval_id, decision, passed, results, reason, reviewer,
       created_at, created_by, export_id, artefact_path, artefact_sha256, meaning)
     VALUES (@id, @project, @model_id, @adapter_ids, @eval_id, @baseline_eval_id, @decision, @passed, @results,
     @reason, @reviewer, @created_at, @created_by, @export_id, @artefact_path, @artefact_sha256, @meaning)`,
  );
  // The newest decision on any of an export's files (by export or by the exact bytes).
  const releaseOfExport = db.prepare<[string, string], ReleaseRow>(
    `SELECT * FROM releases WHERE export_id = ? OR artefact_sha256 IN (SELECT sha256 FROM export_files WHERE export_id = ?)
     ORDER BY created_at DESC, rowid DESC LIMIT 1`,
  );
  const releaseById = db.prepare<[string], ReleaseRow>('SELECT * FROM releases WHERE id = ?');
  // A decision already recorded for the same candidate: the same exported bytes, or the same model + adapters unbound.
  const releaseOfArtefact = db.prepare<[string, string], ReleaseRow>(
    'SELECT * FROM releases WHERE project = ? AND artefact_sha256 = ? ORDER BY created_at, rowid LIMIT 1',
  );
  const releaseOfModel = db.prepare<[string, string, string], ReleaseRow>(
    'SELECT * FROM releases WHERE project = ? AND model_id = ? AND adapter_ids = ? AND artefact_sha256 IS NULL ORDER BY created_at, rowid LIMIT 1',
  );
  const releases = db.prepare<[string], ReleaseRow>('SELECT * FROM releases WHERE project = ? ORDER BY created_at DESC, rowid DESC');
  return {
    insertEval: (row: EvalRow) => void insertEval.run(row),
    setStatus: (id: string, status: EvalRow['status'], error: string | null) =>
      void setStatus.run({ id, status, error, finished_at: status === 'running' ? null : new Date().toISOString() }),
    get: (id: string) => get.get(id),
    summary: (id: string) => summary.get(id),
    list: (limit: number) => list.all(limit),
    latestDone: (modelId: string, adapterIds: string, versionId: string, split: string) => latestDone.get(modelId, adapterIds, versionId, split),
    latestDoneAny: (modelId: string, adapterIds: string) => latestDoneAny.get(modelId, adapterIds),
    insertItem: (row: EvalItemRow) => void insertItem.run(row),
    items: (evalId: string) => items.all(evalId),
    storedPositions: (evalId: string) => new Set(storedPositions.all(evalId)),
    sourceExamples: (versionId: string, split: string) => sourceExamples.all(versionId, split, split),
    getGate: (project: string) => getGate.get(project),
    putGate: (row: { project: string } & GateRow) => void putGate.run(row),
    /** Who made the model (see `maker` above), with the run when a run did; null for an unknown model. */
    makerOf: (modelId: string) => maker.get(modelId) ?? null,
    insertRelease: (row: ReleaseRow) => void insertRelease.run(row),
    releaseOfExport: (exportId: string) => releaseOfExport.get(exportId, exportId),
    releaseById: (id: string) => releaseById.get(id),
    /** The first decision on this candidate in the project, if any: a release is recorded once. */
    releaseOfCandidate: (project: string, modelId: string, adapterIds: string, artefactSha256: string | null) =>
      artefactSha256 ? releaseOfArtefact.get(project, artefactSha256) : releaseOfModel.get(project, modelId, adapterIds),
    releases: (project: string) => releases.all(project),
  };
}
