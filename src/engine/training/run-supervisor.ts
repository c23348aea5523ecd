import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { startRunArgs, type RunSummary, type StartRunArgs } from '../../shared/contract/features/runs.js';
import type { EngineContext } from '../context.js';
import { runQueries, type RunRow, type StoredRunStatus } from '../db/queries/runs.js';
import type { JobHandle } from '../jobs.js';
import { expandHome } from '../paths.js';
import { identify, stillRunning } from '../process-identity.js';
import { requireDb } from '../require-db.js';
import { materializeRecipe, materializeVersion, trainerConfig } from './materialize.js';
import { registerRunOutput } from './run-registration.js';
import { checkReproduction, reproductionArgs } from './reproduce.js';
import type { TrainerEvent } from './trainer-command.js';
import { TrainerProcess, type TrainerExit } from './trainer-process.js';
import { runSlot, trainingHardwareProbe, type TrainingHardware } from './training-hardware.js';

type Outcome = { status: StoredRunStatus; error: unknown; result: unknown };
/** A trainer this engine runs, and its entry in the job list (the job id is the run id; cancel = stop). */
interface Live { proc: TrainerProcess; final: Outcome | null; resources: string[]; job: JobHandle; maxSteps: number | null }

/**
 * Owns the trainer processes of this engine. Every start or resume goes through a persistent queue (one job per
 * GPU, one CPU job at a time); the supervisor turns the trainer's JSON lines into rows (metrics, checkpoints,
 * events, status) and push events, stops runs with SIGTERM (the trainer checkpoints first), and marks a run
 * interrupted when its trainer dies or goes silent without saying done or error.
 */
export class RunSupervisor {
  private readonly live = new Map<string, Live>();
  /** Set by dispose: nothing new starts, and late lines from dying trainers are not written. */
  private closing = false;
  /** Registrations of finished runs' weights still hashing; dispose waits for them so the db stays open. */
  private readonly registering = new Set<Promise<void>>();
  readonly hardware: () => Promise<TrainingHardware>;

  constructor(private readonly ctx: EngineContext) {
    this.hardware = trainingHardwareProbe(ctx.dataDir);
  }

  async start(input: StartRunArgs, retryOf: string | null = null, reproduces: string | null = null): Promise<RunSummary> {
    const { db, audit } = requireDb(this.ctx);
    const args: StartRunArgs = { ...input, baseModelDir: expandHome(input.baseModelDir) };
    const id = randomUUID();
    const outputDir = path.join(this.ctx.dataDir, 'runs', id);
    const data = materializeVersion(db, args.datasetVersionId, path.join(outputDir, 'data'), args.objective, { allowEmptyTrain: !!args.recipe });
    const recipe = args.recipe ? materializeRecipe(db, args.recipe, path.join(outputDir, 'data', 'recipe')) : null;
    const config = trainerConfig(args, outputDir, data, recipe?.map(({ path: p, ratio, kind }) => ({ path: p, ratio, kind })) ?? null);
    fs.writeFileSync(path.join(outputDir, 'run.json'), JSON.stringify(config, null, 2));
    const slot = runSlot(args.device, args.devices, args.device === 'cpu' ? null : await this.hardware()).join(',');
    const now = new Date().toISOString();
    const q = runQueries(db);
    db.transaction(() => {
      q.insert({
        id, name: args.name ?? `${path.basename(args.baseModelDir)} · ${args.method} · ${now.slice(0, 16).replace('T', ' ')}`,
        status: 'stopped', config: JSON.stringify(config), base_model: String(config.base_model), dataset_version_id: args.datasetVersionId,
        output_dir: outputDir, pid: null, error: null, stderr_tail: null, result: null, created_at: now, updated_at: now, created_by: this.ctx.actor,
        retry_of: retryOf, start_args: JSON.stringify(args), slot,
      });
      q.enqueue(id, slot, ['train', '--config', path.join(outputDir, 'run.json')]);
      if (retryOf) {
        q.addEvent(id, 'retry', `Retry of run ${retryOf.slice(0, 8)} with new settings.`, { retryOf });
        q.addEvent(retryOf, 'retried', `Retried as run ${id.slice(0, 8)}.`, { runId: id });
      }
      if (reproduces) {
        q.addEvent(id, 'reproduce', `Reproduction of run ${reproduces.slice(0, 8)}: same base model, data, seed and settings.`, { reproduces });
        q.addEvent(reproduces, 'reproduced', `Reproduced as run ${id.slice(0, 8)}.`, { runId: id });
      }
    })();
    this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'run.start', objectType: 'run', objectId: id, details: { config, retryOf, reproduces, slot, trainExamples: recipe ? recipe.reduce((n, r) => n + r.examples, 0) : data.trainCount, validationExamples: data.valCount, recipe: args.recipe ?? null } }));
    if (retryOf) this.emit(retryOf);
    if (reproduces) this.emit(reproduces);
    this.pump();
    this.noteIfWaiting(id);
    return this.summary(id);
  }

  async retry(runId: string, changes: Record<string, unknown>): Promise<RunSummary> {
    const old = this.row(runId);
    if (old.status === 'running' || old.status === 'queued') throw new LatheError('INVALID_ARGUMENTS', `Run ${runId.slice(0, 8)} is still ${old.status}.`, 'Stop or cancel it first, then retry.');
    if (!old.start_args) throw new LatheError('INVALID_ARGUMENTS', 'This run was started by an older Lathe that did not keep its settings.', 'Start a new run from the Train page.');
    // Any setting may change, the base model and the data included; a null drops a setting the old run had
    // (its recipe, say), so the new run takes the default.
    const merged: Record<string, unknown> = { ...(JSON.parse(old.start_args) as StartRunArgs), name: `${old.name} (retry)`, ...changes };
    for (const [key, value] of Object.entries(changes)) if (value === null) delete merged[key];
    const parsed = startRunArgs.safeParse(merged);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new LatheError('INVALID_ARGUMENTS', `Retry setting "${issue.path.join('.')}": ${issue.message}.`, 'Fix that field; the old run is unchanged.');
    }
    return this.start(parsed.data, runId);
  }

  /** Re-runs a completed run from its stored settings; the weights' hashes are compared when it completes. */
  async reproduce(runId: string): Promise<RunSummary> {
    const { args } = reproductionArgs(this.ctx, runId);
    return this.start(args, null, runId);
  }

  resume(runId: string, step?: number): RunSummary {
    const { db, audit } = requireDb(this.ctx);
    const run = this.row(runId);
    if (run.status === 'running' || run.status === 'queued') throw new LatheError('INVALID_ARGUMENTS', `This run is already ${run.status}.`, 'Stop it first, or wait for it to finish.');
    const checkpoints = runQueries(db).checkpoints(runId);
    const from = step === undefined ? checkpoints.at(-1) : checkpoints.find((c) => c.step === step);
    if (!from) throw new LatheError('NOT_FOUND', step ? `Run has no checkpoint at step ${step}.` : 'This run has no checkpoint to resume from.', 'Retry it instead (it starts from the beginning); set "checkpoint every" so long runs can be resumed.');
    this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'run.resume', objectType: 'run', objectId: runId, details: { step: from.step, checkpoint: from.path } }));
    runQueries(db).enqueue(runId, run.slot ?? 'cpu', ['train', '--config', path.join(run.output_dir, 'run.json'), '--resume', from.path]);
    runQueries(db).addEvent(runId, 'resume', `Resume requested from the checkpoint at step ${from.step}.`, { step: from.step });
    this.pump();
    this.noteIfWaiting(runId);
    return this.summary(runId);
  }

  /** A running run gets SIGTERM (checkpoint, then exit); a queued one is taken off the queue. */
  stop(runId: string): boolean {
    const run = this.row(runId);
    if (run.status === 'queued') {
      this.cancel(runId);
      return true;
    }
    const live = this.live.get(runId);
    if (!live) return this.stopElsewhere(run);
    runQueries(requireDb(this.ctx).db).addEvent(runId, 'stop', 'Stop requested: the trainer saves a checkpoint, then exits.');
    live.job.report(null, 'Stopping: saving a checkpoint first…');
    live.proc.stop();
    this.emit(runId);
    return true;
  }

  /**
   * A run another engine on this data folder trains (the app, while `lathe runs stop` runs in a terminal): its
   * trainer gets the same SIGTERM, sent to its process group, but only while (pid, boot, start time) still name
   * that trainer; the owning engine records how it ended.
   */
  private stopElsewhere(run: RunRow): boolean {
    if (run.status !== 'running' || !run.pid || !stillRunning(run.pid, run.pid_boot, run.pid_start) || run.pid_start == null) return false;
    try {
      process.kill(-run.pid, 'SIGTERM');
    } catch {
      return false;
    }
    runQueries(requireDb(this.ctx).db).addEvent(run.id, 'stop', 'Stop requested from another Lathe process: the trainer saves a checkpoint, then exits.');
    return true;
  }

  cancel(runId: string): RunSummary {
    const { db, audit } = requireDb(this.ctx);
    const run = this.row(runId);
    const q = runQueries(db);
    if (!q.dequeue(runId)) throw new LatheError('INVALID_ARGUMENTS', `Run ${runId.slice(0, 8)} is not queued (it is ${run.status}).`, 'Use Stop for a running run.');
    const neverStarted = q.checkpoints(runId).length === 0 && q.metrics(runId).length === 0;
    if (neverStarted) {
      q.setState({ id: runId, status: 'stopped', pid: null, pid_boot: null, pid_start: null, error: JSON.stringify({ code: 'cancelled', message: 'Cancelled while queued; it never started.', hint: 'Retry it when the device is free.' }), stderr_tail: run.stderr_tail, result: null, updated_at: new Date().toISOString() });
    }
    q.addEvent(runId, 'cancelled', 'Taken off the queue.');
    this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'run.cancel', objectType: 'run', objectId: runId, details: { slot: run.slot } }));
    this.emit(runId);
    this.pump();
    return this.summary(runId);
  }

  /**
   * At start-up: a run marked running whose trainer process is gone lost its engine (a crash, a kill -9): mark it
   * interrupted so it can be resumed. A live pid may belong to another engine on the same data folder (the CLI
   * beside the app), so it is left alone. Then the queue left by the last engine starts moving again.
   */
  reconcile(): void {
    if (!this.ctx.db) return;
    const q = runQueries(this.ctx.db);
    for (const run of q.running()) {
      if (stillRunning(run.pid, run.pid_boot, run.pid_start)) continue;
      q.addEvent(run.id, 'reconciled', 'Lathe was not running when this run last trained; it is marked interrupted and can be resumed.');
      const error = { code: 'interrupted', message: 'Lathe stopped while this run was training.', hint: 'Resume it from its latest checkpoint.' };
      this.setState(run.id, 'interrupted', { pid: null, error });
      if (this.ctx.audit) {
        this.ctx.events.emit('audit.appended', this.ctx.audit.append({ actor: this.ctx.actor, action: 'run.interrupted', objectType: 'run', objectId: run.id, details: { reason: 'reconciled at start-up', pid: run.pid, pidBoot: run.pid_boot, pidStart: run.pid_start, error } }));
      }
    }
    this.pump();
  }

  async dispose(): Promise<void> {
    this.closing = true;
    const lives = [...this.live.values()];
    for (const l of lives) l.proc.stop();
    await Promise.race([Promise.all(lives.map((l) => l.proc.whenExited())), new Promise((r) => setTimeout(r, 10_000))]);
    for (const l of lives) l.proc.kill();
    await Promise.race([Promise.all(lives.map((l) => l.proc.whenExited())), new Promise((r) => setTimeout(r, 2_000))]);
    await Promise.all([...this.registering]);
  }

  summary(runId: string): RunSummary {
    const run = this.row(runId);
    const q = runQueries(requireDb(this.ctx).db);
    let queuePosition: number | null = null;
    if (run.status === 'queued') {
      const mine = (run.slot ?? 'cpu').split(',');
      const ahead = q.queue().filter((r) => r.slot.split(',').some((s) => mine.includes(s)));
      queuePosition = ahead.findIndex((r) => r.run_id === runId) + 1;
    }
    return {
      id: run.id, name: run.name, status: run.status, baseModel: run.base_model, datasetVersionId: run.dataset_version_id,
      outputDir: run.output_dir, config: JSON.parse(run.config) as Record<string, unknown>,
      error: run.error ? (JSON.parse(run.error) as RunSummary['error']) : null, stderrTail: run.stderr_tail,
      result: run.result ? (JSON.parse(run.result) as Record<string, unknown>) : null,
      checkpoints: q.checkpoints(runId).map((c) => ({ step: c.step, path: c.path, sha256: c.sha256, createdAt: c.created_at })),
      events: q.events(runId).map((e) => ({ seq: e.seq, at: e.at, kind: e.kind, message: e.message, data: e.data ? (JSON.parse(e.data) as unknown) : null })),
      startArgs: run.start_args ? (JSON.parse(run.start_args) as Record<string, unknown>) : null,
      retryOf: run.retry_of, slot: run.slot, queuePosition,
      createdAt: run.created_at, updatedAt: run.updated_at,
    };
  }

  /** Starts every queued run whose devices are free, oldest first; a waiting run blocks later ones on its devices. */
  private pump(): void {
    if (!this.ctx.db || this.closing) return;
    const q = runQueries(this.ctx.db);
    const busy = new Set<string>([...this.live.values()].flatMap((l) => l.resources));
    for (const r of q.running()) if (!this.live.has(r.id) && stillRunning(r.pid, r.pid_boot, r.pid_start)) for (const s of (r.slot ?? 'cpu').split(',')) busy.add(s);
    for (const item of q.queue()) {
      const resources = item.slot.split(',');
      const free = resources.every((s) => !busy.has(s));
      for (const s of resources) busy.add(s);
      if (!free) continue;
      q.dequeue(item.run_id);
      this.spawn(item.run_id, JSON.parse(item.trainer_args) as string[], resources);
    }
  }

  private noteIfWaiting(runId: string): void {
    const s = this.summary(runId);
    if (s.status !== 'queued') return;
    runQueries(requireDb(this.ctx).db).addEvent(runId, 'queued', `Waiting for ${s.slot} (place ${s.queuePosition} in its queue).`);
    this.emit(runId);
  }

  private spawn(runId: string, args: string[], resources: string[]): void {
    const run = this.row(runId);
    const q = runQueries(requireDb(this.ctx).db);
    const hangTimeoutS = run.start_args ? (JSON.parse(run.start_args) as StartRunArgs).hangTimeoutS ?? 300 : 300;
    let proc: TrainerProcess;
    try {
      proc = new TrainerProcess(args, {
        dataDir: this.ctx.dataDir,
        hangTimeoutS,
        onEvent: (e) => {
          if (!this.ctx.db?.open) return;
          const outcome = this.onEvent(runId, e);
          const l = this.live.get(runId);
          if (outcome && l) l.final = outcome;
        },
        onExit: (exit) => this.ctx.db?.open && this.onExit(runId, exit),
      });
    } catch (err) {
      const e = err as LatheError;
      this.setState(runId, 'failed', { error: { code: e.code ?? 'spawn_failed', message: e.message, hint: e.hint ?? '' } });
      return;
    }
    const maxSteps = Number((JSON.parse(run.config) as { max_steps?: unknown }).max_steps) || null;
    // The run in the job list: same id, its progress from the trainer's lines; the supervisor stops it itself at
    // shutdown (SIGTERM, checkpoint first), so a registry-wide cancel at dispose leaves it alone.
    const job = this.ctx.jobs.start({
      id: runId, kind: 'training.run', label: `Training ${run.name}`, subject: { type: 'run', id: runId }, cancelOnShutdown: false,
      cancel: () => void this.stopQuietly(runId),
    });
    this.live.set(runId, { proc, final: null, resources, job, maxSteps });
    const resuming = args.includes('--resume');
    job.report(null, `${resuming ? 'Resuming' : 'Starting'} on ${resources.join(', ')}…`);
    q.addEvent(runId, resuming ? 'resumed' : 'started', `${resuming ? 'Resumed' : 'Started'} on ${resources.join(', ')} (pid ${proc.pid ?? '?'}).`);
    this.setState(runId, 'running', { pid: proc.pid, error: null });
  }

  private onExit(runId: string, exit: TrainerExit): void {
    const l = this.live.get(runId);
    this.live.delete(runId);
    const q = runQueries(requireDb(this.ctx).db);
    let outcome = l?.final ?? null;
    if (!outcome && exit.hungAfterS !== null) {
      const what = exit.aliveButStuck ? `made no progress for ${exit.hungAfterS} s (its heartbeat said it was stuck)` : `sent nothing for ${exit.hungAfterS} s (no metrics, progress or heartbeat)`;
      q.addEvent(runId, 'heartbeat_lost', `The trainer ${what}: stopped it and everything it started.`);
      outcome = { status: 'interrupted', result: null, error: { code: 'trainer_hung', message: `The trainer ${what}, so Lathe stopped it.`, hint: 'A hang is often a stuck data loader, a deadlock between GPUs or a wedged driver: read the log below, then resume from the latest checkpoint.' } };
    } else if (!outcome) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      q.addEvent(runId, 'crashed', `The trainer ${how} without finishing.`);
      outcome = { status: 'interrupted', result: null, error: { code: 'trainer_exited', message: `The trainer ${how} without finishing.`, hint: 'Read the log below (out of memory is a common cause); resume from the latest checkpoint.' } };
    } else {
      q.addEvent(runId, outcome.status, outcome.status === 'completed' ? 'Finished.' : String((outcome.error as { message?: string } | null)?.message ?? outcome.status));
    }
    const final = outcome;
    const finish = () => {
      const said = (final.error as { message?: string } | null)?.message;
      if (final.status === 'completed') l?.job.finish('done', 'Finished; the weights are in the model registry.');
      else if (final.status === 'stopped') l?.job.finish('cancelled', said ?? 'Stopped with a checkpoint; it can be resumed.');
      else l?.job.finish('failed', said ?? `The run ended ${final.status}.`);
      this.setState(runId, final.status, { pid: null, error: final.error, result: final.result, stderrTail: exit.stderrTail });
      if (this.ctx.audit) {
        this.ctx.events.emit('audit.appended', this.ctx.audit.append({ actor: this.ctx.actor, action: `run.${final.status}`, objectType: 'run', objectId: runId, details: { code: exit.code, signal: exit.signal, result: final.result, error: final.error } }));
      }
    };
    if (final.status === 'completed') {
      l?.job.report(null, 'Hashing the weights into the model registry…');
      this.register(runId, finish);
    } else finish();
    this.pump();
  }

  /**
   * A completed run's adapter (or full weights) joins the model registry before the run is marked completed, so
   * whoever sees "completed" also finds the model; a registration failure is a run event, never a failed run.
   */
  private register(runId: string, finish: () => void): void {
    const db = requireDb(this.ctx).db;
    runQueries(db).addEvent(runId, 'registering', 'Training finished: hashing the weights into the model registry.');
    this.emit(runId);
    const task = registerRunOutput(this.ctx, runId)
      .then((r) => {
        if (r && db.open) runQueries(db).addEvent(runId, 'adapter_registered', `${r.alreadyRegistered ? 'Already registered' : 'Registered'} as model ${r.name}.`, r);
        if (r && db.open) checkReproduction(this.ctx, runQueries(db).get(runId)!, r.modelId);
      })
      .catch((err: unknown) => {
        const e = err as { message?: string; hint?: string };
        if (db.open) runQueries(db).addEvent(runId, 'registration_failed', `The weights could not be registered: ${e.message ?? String(err)}`, { hint: e.hint ?? 'Import the run folder on the Models page.' });
      })
      .finally(() => {
        this.registering.delete(task);
        if (db.open) finish();
      });
    this.registering.add(task);
  }

  private onEvent(runId: string, e: TrainerEvent): Outcome | null {
    const q = runQueries(requireDb(this.ctx).db);
    if (e.type === 'metrics' || e.type === 'eval') {
      const { v: _v, type: _t, step, ...rest } = e;
      const values = Object.fromEntries(Object.entries(rest).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
      q.addMetrics(runId, step, values);
      this.ctx.events.emit('run.metrics', { runId, step, values });
      const l = this.live.get(runId);
      if (l && e.type === 'metrics') {
        const loss = typeof values.loss === 'number' ? ` · loss ${values.loss.toFixed(4)}` : '';
        l.job.report(l.maxSteps ? step / l.maxSteps : null, `Step ${step}${l.maxSteps ? ` of ${l.maxSteps}` : ''}${loss}`);
      }
    } else if (e.type === 'checkpoint') {
      q.addCheckpoint(runId, e.step, e.path, e.sha256);
      this.emit(runId);
    } else if (e.type === 'event') {
      // Things the trainer decided on its own, e.g. {"kind": "oom_fallback", step, micro_batch, grad_accum, message}.
      const { v: _v, type: _t, kind, message, ...data } = e;
      q.addEvent(runId, kind, message ?? describeTrainerEvent(kind, data), data);
      if (kind === 'checkpoints_pruned' && Array.isArray(data.steps)) q.removeCheckpoints(runId, data.steps.filter((s): s is number => Number.isInteger(s)));
      this.emit(runId);
    } else if (e.type === 'done') {
      return { status: 'completed', error: null, result: e.payload };
    } else if (e.type === 'error') {
      const error = { code: e.code, message: e.message, hint: e.hint };
      return { status: e.code === 'cancelled' ? 'stopped' : 'failed', error, result: null };
    } else if (e.type === 'progress') {
      // Set-up phases (tokenising, loading the model) have no share of the run; training steps do.
      const fraction = e.stage === 'train' ? e.fraction : null;
      this.live.get(runId)?.job.report(fraction, e.message);
    }
    return null; // hello and heartbeat only feed the watchdog (progress too, besides the job list)
  }

  /** The job list's Cancel: a stop that never throws (the run may have ended in between). */
  private stopQuietly(runId: string): boolean {
    try {
      return this.stop(runId);
    } catch {
      return false;
    }
  }

  private setState(runId: string, status: StoredRunStatus, p: { pid?: number | null; error?: unknown; result?: unknown; stderrTail?: string }): void {
    const run = this.row(runId);
    const pid = p.pid === undefined ? run.pid : p.pid;
    // A new pid is recorded with its identity (boot, start time), so a reused pid is never taken for this run.
    const who = pid == null ? null : pid === run.pid ? { boot: run.pid_boot, start: run.pid_start } : identify(pid);
    runQueries(requireDb(this.ctx).db).setState({
      id: runId, status, pid, pid_boot: who?.boot ?? null, pid_start: who?.start ?? null,
      error: p.error === undefined ? run.error : p.error === null ? null : JSON.stringify(p.error),
      stderr_tail: p.stderrTail ?? run.stderr_tail, result: p.result ? JSON.stringify(p.result) : null, updated_at: new Date().toISOString(),
    });
    this.emit(runId);
  }

  private emit(runId: string): void {
    this.ctx.events.emit('run.updated', this.summary(runId));
  }

  private row(runId: string): RunRow {
    const run = runQueries(requireDb(this.ctx).db).get(runId);
    if (!run) throw new LatheError('NOT_FOUND', `There is no run ${runId}.`, 'Refresh the Runs page.');
    return run;
  }
}

function describeTrainerEvent(kind: string, data: Record<string, unknown>): string {
  if (kind === 'oom_fallback') {
    return `Out of memory: micro batch → ${String(data.micro_batch ?? '?')}, accumulation → ${String(data.grad_accum ?? '?')} (same effective batch).`;
  }
  return kind.replace(/_/g, ' ');
}

