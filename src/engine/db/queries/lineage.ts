import type Database from 'better-sqlite3';
import { evalQueries } from './evals.js';

/** The links between library objects, one small indexed query each (the lineage walk asks them per node). */
export function lineageQueries(db: Database.Database) {
  // Each link query takes one value, named @x (it may appear more than once in the SQL).
  const all = <T>(sql: string) => {
    const st = db.prepare<[{ x: string }], T>(sql);
    return (x: string) => st.all({ x });
  };
  return {
    version: db.prepare<[string], { id: string; dataset_id: string; dataset: string; number: number; parent_id: string | null; content_hash: string; example_count: number; operation: string; created_at: string; created_by: string }>(
      'SELECT v.*, d.name AS dataset FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?'),
    childVersions: all<{ id: string }>('SELECT id FROM dataset_versions WHERE parent_id = @x'),
    /** Who gave a verdict on a version's examples (carried verdicts included), and on how many examples. */
    versionReviewers: all<{ reviewer: string; examples: number }>("SELECT reviewer, count(*) AS examples FROM review_verdicts WHERE version_id = @x AND verdict != 'skip' GROUP BY reviewer ORDER BY examples DESC, reviewer"),
    /** Who settled disagreements on a version's examples (the latest settlement per example counts). */
    versionAdjudicators: all<{ adjudicator: string; examples: number }>(
      'SELECT adjudicator, count(DISTINCT position) AS examples FROM review_adjudications WHERE version_id = @x GROUP BY adjudicator ORDER BY examples DESC, adjudicator'),
    run: db.prepare<[string], { id: string; name: string; status: string; config: string; base_model: string; dataset_version_id: string | null; start_args: string | null; created_at: string }>(
      'SELECT id, name, status, config, base_model, dataset_version_id, start_args, created_at FROM runs WHERE id = ?'),
    /** The newest launch of a run on a compute target (its event's data: target, host, job id or remote pid). */
    runLaunch: db.prepare<[string], { data: string | null }>("SELECT data FROM run_events WHERE run_id = ? AND kind = 'launched' ORDER BY seq DESC LIMIT 1"),
    runsOfBase: all<{ id: string }>("SELECT id FROM runs WHERE base_model = @x"),
    runsOfVersion: all<{ id: string }>("SELECT id FROM runs WHERE dataset_version_id = @x OR start_args LIKE '%' || @x || '%'"),
    model: db.prepare<[string], { id: string; name: string; kind: string; format: string; path: string; sha256: string; parent_id: string | null; run_id: string | null; quantization: string | null; details: string; created_at: string }>(
      'SELECT id, name, kind, format, path, sha256, parent_id, run_id, quantization, details, created_at FROM models WHERE id = ?'),
    modelsByPath: all<{ id: string }>("SELECT id FROM models WHERE format = 'hf' AND (path = @x OR json_extract(details, '$.importedFrom') = @x)"),
    childModels: all<{ id: string }>('SELECT id FROM models WHERE parent_id = @x'),
    // The run's own output (adapter, or full weights), not the exports of it that carry the same run id.
    modelsOfRun: all<{ id: string }>("SELECT id FROM models WHERE run_id = @x AND kind IN ('adapter', 'base')"),
    modelsBySha: all<{ id: string }>('SELECT id FROM models WHERE sha256 = @x'),
    eval: db.prepare<[string], { id: string; label: string; model_id: string; adapter_ids: string; dataset_version_id: string; split: string; status: string; created_at: string }>(
      'SELECT id, label, model_id, adapter_ids, dataset_version_id, split, status, created_at FROM evals WHERE id = ?'),
    evalScores: db.prepare<[string], { n: number; f1: number | null; exact: number | null }>('SELECT count(*) AS n, avg(f1) AS f1, avg(exact) AS exact FROM eval_items WHERE eval_id = ?'),
    evalsOfModel: all<{ id: string }>("SELECT id FROM evals WHERE model_id = @x OR adapter_ids LIKE '%\"' || @x || '\"%'"),
    evalsOfVersion: all<{ id: string }>('SELECT id FROM evals WHERE dataset_version_id = @x'),
    export: db.prepare<[string], { id: string; name: string; model_id: string; status: string; manifest_sha256: string | null; path: string; created_at: string }>(
      'SELECT id, name, model_id, status, manifest_sha256, path, created_at FROM exports WHERE id = ?'),
    exportFiles: all<{ path: string; sha256: string }>('SELECT path, sha256 FROM export_files WHERE export_id = @x'),
    exportsOfModel: all<{ id: string }>('SELECT id FROM exports WHERE model_id = @x'),
    exportsHoldingSha: all<{ export_id: string }>('SELECT DISTINCT export_id FROM export_files WHERE sha256 = @x'),
    release: db.prepare<[string], { id: string; model_id: string; eval_id: string; export_id: string | null; decision: string; reviewer: string | null; artefact_path: string | null; artefact_sha256: string | null; created_at: string }>(
      'SELECT id, model_id, eval_id, export_id, decision, reviewer, artefact_path, artefact_sha256, created_at FROM releases WHERE id = ?'),
    releasesOfEval: all<{ id: string }>('SELECT id FROM releases WHERE eval_id = @x'),
    releasesOfExport: all<{ id: string }>('SELECT id FROM releases WHERE export_id = @x'),
    /** The newest decision on any of an export's files: what the Export page shows as its release state. */
    releaseOfExport: evalQueries(db).releaseOfExport,
  };
}
