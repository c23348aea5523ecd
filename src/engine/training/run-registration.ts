import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext } from '../context.js';
import { modelQueries } from '../db/queries/models.js';
import { runQueries } from '../db/queries/runs.js';
import { importModel } from '../models/model-import.js';
import { checkReproduction } from './reproduce.js';
import type { RunRecords } from './run-records.js';

export interface RegisteredOutput { modelId: string; name: string; parentId: string | null; alreadyRegistered: boolean }

/**
 * A completed run's weights join the model registry by reference (no copy: they stay in the run folder), with
 * run_id set and the base model as parent, so lineage and hashes are there without a manual import. The base is
 * matched by folder against registered HF models; an unregistered base is registered too (by reference), since a
 * lineage that stops at "unknown" is not auditable. Import does the inspection, hashing and audit entry.
 */
export async function registerRunOutput(ctx: EngineContext, runId: string): Promise<RegisteredOutput | null> {
  if (!ctx.db) return null;
  const run = runQueries(ctx.db).get(runId);
  if (!run) return null;
  const config = JSON.parse(run.config) as { method?: string };
  const weightsDir = path.join(run.output_dir, config.method === 'full' ? 'model' : 'adapter');
  if (!fs.existsSync(weightsDir)) return null;
  const parentId = await baseModelId(ctx, run.base_model);
  const { model, alreadyRegistered } = await importModel(ctx, { path: weightsDir, name: run.name, copy: false, parentId: parentId ?? undefined, runId });
  return { modelId: model.id, name: model.name, parentId, alreadyRegistered };
}

/**
 * A completed run's weights join the model registry before the run is marked completed, so whoever sees
 * "completed" also finds the model; a reproduction is compared with its original. A registration failure is a run
 * event with a hint, never a failed run. Resolves once the run's events say how it went (never rejects).
 */
export async function registerCompletedRun(ctx: EngineContext, records: RunRecords, runId: string): Promise<void> {
  const db = ctx.db!;
  records.queries().addEvent(runId, 'registering', 'Training finished: hashing the weights into the model registry.');
  records.emit(runId);
  try {
    const r = await registerRunOutput(ctx, runId);
    if (!r || !db.open) return;
    runQueries(db).addEvent(runId, 'adapter_registered', `${r.alreadyRegistered ? 'Already registered' : 'Registered'} as model ${r.name}.`, r);
    checkReproduction(ctx, runQueries(db).get(runId)!, r.modelId);
  } catch (err) {
    const e = err as { message?: string; hint?: string };
    if (db.open) runQueries(db).addEvent(runId, 'registration_failed', `The weights could not be registered: ${e.message ?? String(err)}`, { hint: e.hint ?? 'Import the run folder on the Models page.' });
  }
}

async function baseModelId(ctx: EngineContext, baseDir: string): Promise<string | null> {
  const want = realpath(baseDir);
  const rows = modelQueries(ctx.db!).list().filter((m) => m.format === 'hf');
  const match = rows.find((m) => realpath(m.path) === want || realpath(importedFrom(m.details)) === want);
  if (match) return match.id;
  if (!fs.existsSync(baseDir)) return null;
  const { model } = await importModel(ctx, { path: baseDir, copy: false });
  return model.id;
}

function importedFrom(details: string): string {
  try {
    return String((JSON.parse(details) as { importedFrom?: unknown }).importedFrom ?? '');
  } catch {
    return '';
  }
}

function realpath(p: string): string {
  if (!p) return '';
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
