import type Database from 'better-sqlite3';
import { LatheError } from '../../../shared/contract/errors.js';
import { exampleContentSchema } from '../../../shared/contract/features/datasets.js';
import type { StartRunArgs } from '../../../shared/contract/features/runs.js';
import { datasetQueries } from '../../db/queries/datasets.js';
import { evalQueries } from '../../db/queries/evals.js';
import { hygieneQueries } from '../../db/queries/hygiene.js';
import { modelQueries } from '../../db/queries/models.js';
import { runQueries } from '../../db/queries/runs.js';
import { toQuestion } from '../eval-items.js';
import { findContamination, type ContaminationResult, type EvalText } from './contamination.js';

export interface ContaminationRequest {
  evalId?: string | undefined; datasetVersionId?: string | undefined; split: 'train' | 'validation' | 'test' | 'all';
  trainingVersionIds?: string[] | undefined; runId?: string | undefined; n: number; threshold: number; topMatches: number;
}

export interface ContaminationReport extends ContaminationResult {
  evalVersionId: string; split: string; runId: string | null;
  trainingVersions: Array<{ id: string; label: string }>;
}

/** Resolves what to check (an eval's data, or a version + split) against what the model trained on, then checks it. */
export function checkContamination(db: Database.Database, req: ContaminationRequest): ContaminationReport {
  const evals = evalQueries(db);
  let versionId = req.datasetVersionId;
  let split: string = req.split;
  let evalRow = null;
  if (req.evalId) {
    evalRow = evals.get(req.evalId);
    if (!evalRow) throw new LatheError('NOT_FOUND', `There is no eval ${req.evalId}.`, 'Pick an eval from the list; it may have been removed.');
    versionId = evalRow.dataset_version_id;
    split = evalRow.split;
  }
  if (!versionId) throw new LatheError('INVALID_ARGUMENTS', 'Name the eval data: an eval, or a dataset version and split.', 'Pick an eval, or pass datasetVersionId and split.');
  const ds = datasetQueries(db);
  if (!ds.versionById(versionId)) throw new LatheError('NOT_FOUND', `There is no dataset version ${versionId}.`, 'Pick a dataset version from the list; it may have been removed.');

  let runId = req.runId ?? null;
  let trainingIds = req.trainingVersionIds ?? [];
  if (trainingIds.length === 0) {
    runId ??= evalRow ? producingRun(db, evalRow.model_id, JSON.parse(evalRow.adapter_ids) as string[]) : null;
    if (!runId) {
      throw new LatheError('INVALID_ARGUMENTS', 'There is no training data to compare with: the evaluated model was not produced by a run in this library.', 'Name the training dataset versions (or the run) to check against.');
    }
    trainingIds = runVersions(db, runId);
  }
  for (const id of trainingIds) {
    if (!ds.versionById(id)) throw new LatheError('NOT_FOUND', `There is no dataset version ${id} to compare with.`, 'The training data may have been removed; pick versions that are in the library.');
  }

  const items: EvalText[] = [];
  for (const ex of evals.sourceExamples(versionId, split)) {
    const content = exampleContentSchema.safeParse(JSON.parse(ex.content));
    const q = content.success ? toQuestion(ex.position, ex.content_hash, content.data) : null;
    if (q) items.push({ position: q.position, exampleHash: q.exampleHash, prompt: q.prompt, reference: q.reference });
  }
  if (items.length === 0) throw new LatheError('INVALID_ARGUMENTS', `This dataset version has no question → answer items in its ${split} split to check.`, 'Pick the split the eval uses (usually test), or a chat dataset.');

  const hq = hygieneQueries(db);
  const result = findContamination(
    items,
    trainingIds.map((id) => ({ versionId: id, rows: hq.trainingRows(id) })),
    { n: req.n, threshold: req.threshold, topMatches: req.topMatches, minWords: 4 },
    (id, position) => hq.exampleAt(id, position),
  );
  const trainingVersions = trainingIds.map((id) => {
    const v = ds.versionById(id)!;
    return { id, label: `${ds.datasetById(v.dataset_id)?.name ?? 'dataset'} v${v.number}` };
  });
  return { ...result, evalVersionId: versionId, split, runId, trainingVersions };
}

/** The run that trained a model: the adapter's (last adapter first), or up its parent chain (a GGUF of an adapter). */
export function producingRun(db: Database.Database, modelId: string, adapterIds: string[]): string | null {
  const models = modelQueries(db);
  for (const start of [...adapterIds].reverse().concat(modelId)) {
    let m = models.get(start);
    for (let hops = 0; m && hops < 8; hops++) {
      if (m.run_id) return m.run_id;
      m = m.parent_id ? models.get(m.parent_id) : undefined;
    }
  }
  return null;
}

/** The dataset versions a run trained on: its main version and every recipe source. */
export function runVersions(db: Database.Database, runId: string): string[] {
  const run = runQueries(db).get(runId);
  if (!run) throw new LatheError('NOT_FOUND', `There is no run ${runId}.`, 'Pick a run from the Runs page.');
  const args = run.start_args ? (JSON.parse(run.start_args) as StartRunArgs) : null;
  const ids = args ? [args.datasetVersionId, ...(args.recipe ?? []).map((r) => r.datasetVersionId)] : run.dataset_version_id ? [run.dataset_version_id] : [];
  return [...new Set(ids)];
}
