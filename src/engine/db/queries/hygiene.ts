import type Database from 'better-sqlite3';
import type { EvalRow } from './evals.js';

export interface TrainingRow { position: number; content_hash: string; content: string }
export interface SuiteRow { suite_id: string; version_id: string; file_sha256: string; installed_at: string; installed_by: string }
export interface CanaryRow {
  probe_version_id: string; position: number; training_version_id: string; example_position: number | null; example_hash: string | null;
  kind: string; canary: string; prefix: string; seeded: 0 | 1;
}
export interface CanaryCheckRow { eval_id: string; probe_version_id: string; probes: number; leaked: number; leaks: string; checked_at: string; checked_by: string }

/** All SQL of the data hygiene and safety checks (contamination, shipped suites, PII canaries, safety policy). */
export function hygieneQueries(db: Database.Database) {
  // What a run trains on: examples outside the validation and test splits (see training/materialize.ts).
  const trainingRows = db.prepare<[string], TrainingRow>(
    `SELECT v.position, e.content_hash, e.content FROM version_examples v JOIN examples e ON e.id = v.example_id
      WHERE v.version_id = ? AND (v.split IS NULL OR v.split = 'train') ORDER BY v.position`,
  );
  const exampleAt = db.prepare<[string, number], TrainingRow>(
    'SELECT v.position, e.content_hash, e.content FROM version_examples v JOIN examples e ON e.id = v.example_id WHERE v.version_id = ? AND v.position = ?',
  );
  const suite = db.prepare<[string], SuiteRow>('SELECT * FROM eval_suites WHERE suite_id = ?');
  const suites = db.prepare<[], SuiteRow>('SELECT * FROM eval_suites');
  const putSuite = db.prepare<[SuiteRow]>(
    `INSERT INTO eval_suites VALUES (@suite_id, @version_id, @file_sha256, @installed_at, @installed_by)
     ON CONFLICT (suite_id) DO UPDATE SET version_id = excluded.version_id, file_sha256 = excluded.file_sha256, installed_at = excluded.installed_at, installed_by = excluded.installed_by`,
  );
  const insertCanary = db.prepare<[CanaryRow]>(
    `INSERT INTO pii_canaries VALUES (@probe_version_id, @position, @training_version_id, @example_position, @example_hash, @kind, @canary, @prefix, @seeded)`,
  );
  const canaries = db.prepare<[string], CanaryRow>('SELECT * FROM pii_canaries WHERE probe_version_id = ? ORDER BY position');
  const isProbeVersion = db.prepare<[string], number>('SELECT 1 FROM pii_canaries WHERE probe_version_id = ? LIMIT 1').pluck();
  const putCheck = db.prepare<[CanaryCheckRow]>(
    `INSERT INTO canary_checks VALUES (@eval_id, @probe_version_id, @probes, @leaked, @leaks, @checked_at, @checked_by)
     ON CONFLICT (eval_id) DO UPDATE SET probes = excluded.probes, leaked = excluded.leaked, leaks = excluded.leaks, checked_at = excluded.checked_at, checked_by = excluded.checked_by`,
  );
  const check = db.prepare<[string], CanaryCheckRow>('SELECT * FROM canary_checks WHERE eval_id = ?');
  // The newest finished eval of a model (+ adapters) on any canary probe version.
  const latestProbeEval = db.prepare<[string, string], { id: string; dataset_version_id: string }>(
    `SELECT id, dataset_version_id FROM evals WHERE model_id = ? AND adapter_ids = ? AND status = 'done'
       AND dataset_version_id IN (SELECT DISTINCT probe_version_id FROM pii_canaries)
     ORDER BY coalesce(finished_at, created_at) DESC, rowid DESC LIMIT 1`,
  );
  // The newest finished eval of a model on domain data: not a shipped suite (general skills, safety) nor canary probes,
  // which have release criteria of their own and must not stand in for the domain eval the gate compares.
  const latestDomainEval = db.prepare<[string, string], EvalRow>(
    `SELECT * FROM evals WHERE model_id = ? AND adapter_ids = ? AND status = 'done'
       AND dataset_version_id NOT IN (SELECT version_id FROM eval_suites) AND dataset_version_id NOT IN (SELECT DISTINCT probe_version_id FROM pii_canaries)
     ORDER BY coalesce(finished_at, created_at) DESC, rowid DESC LIMIT 1`,
  );
  const getSafety = db.prepare<[string], { config: string; updated_at: string; updated_by: string }>('SELECT config, updated_at, updated_by FROM safety_configs WHERE project = ?');
  const putSafety = db.prepare<[{ project: string; config: string; updated_at: string; updated_by: string }]>(
    `INSERT INTO safety_configs VALUES (@project, @config, @updated_at, @updated_by)
     ON CONFLICT (project) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  return {
    trainingRows: (versionId: string) => trainingRows.iterate(versionId) as IterableIterator<TrainingRow>,
    exampleAt: (versionId: string, position: number) => exampleAt.get(versionId, position),
    suite: (id: string) => suite.get(id),
    suites: () => suites.all(),
    putSuite: (row: SuiteRow) => void putSuite.run(row),
    insertCanary: (row: CanaryRow) => void insertCanary.run(row),
    canaries: (probeVersionId: string) => canaries.all(probeVersionId),
    isProbeVersion: (versionId: string) => isProbeVersion.get(versionId) === 1,
    putCheck: (row: CanaryCheckRow) => void putCheck.run(row),
    check: (evalId: string) => check.get(evalId),
    latestProbeEval: (modelId: string, adapterIds: string) => latestProbeEval.get(modelId, adapterIds),
    latestDomainEval: (modelId: string, adapterIds: string) => latestDomainEval.get(modelId, adapterIds),
    getSafety: (project: string) => getSafety.get(project),
    putSafety: (row: { project: string; config: string; updated_at: string; updated_by: string }) => void putSafety.run(row),
  };
}
