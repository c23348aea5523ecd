import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { RunEstimate, StartRunArgs } from '../../shared/contract/features/runs.js';
import type { EngineContext } from '../context.js';
import { runQueries } from '../db/queries/runs.js';
import { expandHome } from '../paths.js';
import { stillRunning } from '../process-identity.js';
import { requireDb } from '../require-db.js';
import { materializeRecipe, materializeVersion, trainerConfig, type NodeLayout } from './materialize.js';
import type { RunRecords } from './run-records.js';
/**
 * The persistent run queue: every start or resume is a queue entry naming its devices (its slot: one GPU, several,
 * or the CPU); an entry starts when all its devices are free, oldest first. Entries survive a restart of the engine.
 */

export interface RunLinks { retryOf: string | null; reproduces: string | null }

/** Writes a new run — its data and config into its folder, its row, its queue entry, its links and the audit entry — and returns its id. */
export function enqueueNewRun(ctx: EngineContext, records: RunRecords, input: StartRunArgs, slot: string[], links: RunLinks, estimate: RunEstimate | null, layout: NodeLayout | null = null): string {
  const { db, audit } = requireDb(ctx);
  const args: StartRunArgs = { ...input, baseModelDir: expandHome(input.baseModelDir) };
  const id = randomUUID();
  const outputDir = path.join(ctx.dataDir, 'runs', id);
  const data = materializeVersion(db, args.datasetVersionId, path.join(outputDir, 'data'), args.objective, { allowEmptyTrain: !!args.recipe });
  const recipe = args.recipe ? materializeRecipe(db, args.recipe, path.join(outputDir, 'data', 'recipe')) : null;
  const config = trainerConfig(args, outputDir, data, recipe?.map(({ path: p, ratio, kind }) => ({ path: p, ratio, kind })) ?? null, layout);
  fs.writeFileSync(path.join(outputDir, 'run.json'), JSON.stringify(config, null, 2));
  const now = new Date().toISOString();
  const q = runQueries(db);
  const { retryOf, reproduces } = links;
  db.transaction(() => {
    q.insert({
      id, name: args.name ?? `${path.basename(args.baseModelDir)} · ${args.method} · ${now.slice(0, 16).replace('T', ' ')}`,
      status: 'stopped', config: JSON.stringify(config), base_model: String(config.base_model), dataset_version_id: args.datasetVersionId,
      output_dir: outputDir, pid: null, error: null, stderr_tail: null, result: null, created_at: now, updated_at: now, created_by: ctx.actor,
      retry_of: retryOf, start_args: JSON.stringify(args), slot: slot.join(','),
    });
    q.enqueue(id, slot.join(','), ['train', '--config', path.join(outputDir, 'run.json')]);
    if (estimate) {
      const { seconds, rawSeconds, startupSeconds, tokensPerSecond } = estimate;
      const about = (t: number) => (t < 1 ? 'under a second' : t < 90 ? `${Math.round(t)} s` : `${Math.round(t / 60)} min`);
      q.addEvent(id, 'estimated', `Estimated to take about ${about(seconds)} on ${estimate.device.name}, of which ${about(startupSeconds)} start-up.`, { seconds, rawSeconds, startupSeconds, tokensPerSecond });
    }
    if (retryOf) {
      q.addEvent(id, 'retry', `Retry of run ${retryOf.slice(0, 8)} with new settings.`, { retryOf });
      q.addEvent(retryOf, 'retried', `Retried as run ${id.slice(0, 8)}.`, { runId: id });
    }
    if (reproduces) {
      q.addEvent(id, 'reproduce', `Reproduction of run ${reproduces.slice(0, 8)}: same base model, data, seed and settings.`, { reproduces });
      q.addEvent(reproduces, 'reproduced', `Reproduced as run ${id.slice(0, 8)}.`, { runId: id });
    }
  })();
  const trainExamples = recipe ? recipe.reduce((n, r) => n + r.examples, 0) : data.trainCount;
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'run.start', objectType: 'run', objectId: id, details: { config, target: args.target ?? 'local', retryOf, reproduces, slot: slot.join(','), trainExamples, validationExamples: data.valCount, recipe: args.recipe ?? null } }));
  if (retryOf) records.emit(retryOf);
  if (reproduces) records.emit(reproduces);
  return id;
}

/** Queues a stopped, failed or interrupted run to go on from a checkpoint (its latest, or the one at `step`). */
export function enqueueResume(ctx: EngineContext, records: RunRecords, runId: string, step?: number): void {
  const run = records.row(runId);
  if (run.status === 'running' || run.status === 'queued') throw new LatheError('INVALID_ARGUMENTS', `This run is already ${run.status}.`, 'Stop it first, or wait for it to finish.');
  const q = records.queries();
  const checkpoints = q.checkpoints(runId);
  const from = step === undefined ? checkpoints.at(-1) : checkpoints.find((c) => c.step === step);
  if (!from) throw new LatheError('NOT_FOUND', step ? `Run has no checkpoint at step ${step}.` : 'This run has no checkpoint to resume from.', 'Retry it instead (it starts from the beginning); set "checkpoint every" so long runs can be resumed.');
  records.audit('run.resume', runId, { step: from.step, checkpoint: from.path });
  q.enqueue(runId, run.slot ?? 'cpu', ['train', '--config', path.join(run.output_dir, 'run.json'), '--resume', from.path]);
  q.addEvent(runId, 'resume', `Resume requested from the checkpoint at step ${from.step}.`, { step: from.step });
}

/** Takes a queued run off the queue; one that never trained is marked stopped with why. */
export function dequeueRun(records: RunRecords, runId: string): void {
  const run = records.row(runId);
  const q = records.queries();
  if (!q.dequeue(runId)) throw new LatheError('INVALID_ARGUMENTS', `Run ${runId.slice(0, 8)} is not queued (it is ${run.status}).`, 'Use Stop for a running run.');
  const neverStarted = q.checkpoints(runId).length === 0 && q.metrics(runId).length === 0;
  if (neverStarted) {
    q.setState({ id: runId, status: 'stopped', pid: null, pid_boot: null, pid_start: null, error: JSON.stringify({ code: 'cancelled', message: 'Cancelled while queued; it never started.', hint: 'Retry it when the device is free.' }), stderr_tail: run.stderr_tail, result: null, updated_at: new Date().toISOString() });
  }
  q.addEvent(runId, 'cancelled', 'Taken off the queue.');
  records.audit('run.cancel', runId, { slot: run.slot });
  records.emit(runId);
}

/** A run still waiting after it was queued says for what, and where it stands. */
export function noteIfWaiting(records: RunRecords, runId: string): void {
  const s = records.summary(runId);
  if (s.status !== 'queued') return;
  records.queries().addEvent(runId, 'queued', `Waiting for ${s.slot} (place ${s.queuePosition} in its queue).`);
  records.emit(runId);
}

export interface StartableRun { runId: string; trainerArgs: string[]; resources: string[] }

/**
 * Takes off the queue every run whose devices are free, oldest first; a waiting run blocks later ones on its
 * devices. `busy` holds the devices this engine's trainers use (a device twice when two runs hold it); trainers of
 * another engine on the same data folder (the CLI beside the app) hold theirs too, while their process lives.
 * A device holds one run, except where `capacity` says more (a Slurm target handed several runs at once).
 */
export function takeStartable(ctx: EngineContext, busy: readonly string[], ownRuns: (runId: string) => boolean, capacity: (resource: string) => number = () => 1): StartableRun[] {
  const q = runQueries(requireDb(ctx).db);
  const held = new Map<string, number>();
  const hold = (s: string, n = 1) => held.set(s, (held.get(s) ?? 0) + n);
  for (const s of busy) hold(s);
  for (const r of q.running()) if (!ownRuns(r.id) && stillRunning(r.pid, r.pid_boot, r.pid_start)) for (const s of (r.slot ?? 'cpu').split(',')) hold(s);
  const startable: StartableRun[] = [];
  for (const item of q.queue()) {
    const resources = item.slot.split(',');
    const free = resources.every((s) => (held.get(s) ?? 0) < capacity(s));
    if (!free) {
      for (const s of resources) held.set(s, Number.POSITIVE_INFINITY); // it waits first: nothing later overtakes it there
      continue;
    }
    for (const s of resources) hold(s);
    q.dequeue(item.run_id);
    startable.push({ runId: item.run_id, trainerArgs: JSON.parse(item.trainer_args) as string[], resources });
  }
  return startable;
}
