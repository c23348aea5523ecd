import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext } from '../context.js';
import { modelQueries } from '../db/queries/models.js';
import { runQueries } from '../db/queries/runs.js';
import { importModel } from '../models/model-import.js';

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
