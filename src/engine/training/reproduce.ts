import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary } from '../../shared/contract/index.js';
import { LatheError } from '../../shared/contract/errors.js';
import type { EngineContext } from '../context.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { modelQueries } from '../db/queries/models.js';
import { runQueries, type RunRow } from '../db/queries/runs.js';
import { requireDb } from '../require-db.js';
import type { StartRunArgs } from '../../shared/contract/features/runs.js';

/**
 * "Reproduce this run": the same start settings (base model folder, dataset version, seed, every
 * hyper-parameter) as a new run, linked to the original by events on both. When the reproduction's weights are
 * registered, their sha256 is compared with the original's and the verdict is a run event and an audit entry —
 * on CPU with the same software the adapter is byte-identical; on GPUs non-deterministic kernels may differ.
 */
export function reproductionArgs(ctx: EngineContext, runId: string): { args: StartRunArgs; original: RunRow } {
  const { db } = requireDb(ctx);
  const original = runQueries(db).get(runId);
  if (!original) throw new LatheError('NOT_FOUND', `There is no run ${runId}.`, 'Pick a run from the Runs page.');
  if (original.status !== 'completed') {
    throw new LatheError('INVALID_ARGUMENTS', `Run ${original.name} is ${original.status}; only a completed run can be reproduced.`, 'Wait for it to finish, or retry it instead.');
  }
  if (!original.start_args) throw new LatheError('INVALID_ARGUMENTS', 'This run was started by an older Lathe that did not keep its settings.', 'Start a new run from the Train page.');
  const args = JSON.parse(original.start_args) as StartRunArgs;
  const versions = [args.datasetVersionId, ...(args.recipe ?? []).map((r) => r.datasetVersionId)];
  for (const id of versions) {
    if (!datasetQueries(db).versionById(id)) {
      throw new LatheError('NOT_FOUND', `The run trained on dataset version ${id}, which is no longer in the library.`, 'A reproduction needs the exact data: restore the dataset version (e.g. re-import its export; the content hash must match).');
    }
  }
  const originalAdapter = originalWeights(ctx, runId);
  if (!originalAdapter) throw new LatheError('INVALID_ARGUMENTS', 'The original run has no registered weights to compare a reproduction with.', 'Register the run folder on the Models page first.');
  return { args: { ...args, name: `${original.name} (reproduction)` }, original };
}

function originalWeights(ctx: EngineContext, runId: string) {
  return modelQueries(requireDb(ctx).db).byRun(runId).find((m) => m.kind === 'adapter' || m.kind === 'merged' || m.kind === 'base');
}

/** Called after a run's weights are registered: if the run reproduces another, record whether the hashes match. */
export function checkReproduction(ctx: EngineContext, run: RunSummary | RunRow, registeredModelId: string): void {
  const { db, audit } = requireDb(ctx);
  const q = runQueries(db);
  const link = q.events(run.id).find((e) => e.kind === 'reproduce');
  if (!link?.data) return;
  const originalId = (JSON.parse(link.data) as { reproduces: string }).reproduces;
  const models = modelQueries(db);
  const mine = models.get(registeredModelId);
  const theirs = originalWeights(ctx, originalId);
  if (!mine || !theirs) return;
  const identical = mine.sha256 === theirs.sha256;
  const differingFiles = identical ? [] : differing(theirs.path, mine.path);
  const data = { reproduces: originalId, identical, originalSha256: theirs.sha256, reproducedSha256: mine.sha256, differingFiles };
  const message = identical
    ? `Reproduced run ${originalId.slice(0, 8)} exactly: the weights are byte-identical (sha256 ${mine.sha256.slice(0, 12)}…).`
    : `Weights differ from run ${originalId.slice(0, 8)} (${theirs.sha256.slice(0, 12)}… vs ${mine.sha256.slice(0, 12)}…): the software, hardware or a non-deterministic kernel changed. Files that differ: ${differingFiles.join(', ') || 'none (the file list differs)'}.`;
  q.addEvent(run.id, 'reproduction_checked', message, data);
  q.addEvent(originalId, 'reproduction_checked', message, { ...data, runId: run.id });
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'run.reproduce.check', objectType: 'run', objectId: run.id, details: data }));
}

/** Names of the files whose bytes differ between two weight folders (or that only one has). */
function differing(a: string, b: string): string[] {
  const files = (dir: string) => (fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).sort() : [path.basename(dir)]);
  const at = (dir: string, f: string) => (fs.statSync(dir).isDirectory() ? path.join(dir, f) : dir);
  const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  const names = [...new Set([...files(a), ...files(b)])];
  return names.filter((f) => {
    const x = at(a, f);
    const y = at(b, f);
    return !fs.existsSync(x) || !fs.existsSync(y) || sha(x) !== sha(y);
  });
}
