import { LatheError } from '../../shared/contract/errors.js';
import { startRunArgs, type RunSummary, type StartRunArgs } from '../../shared/contract/features/runs.js';
import type { EngineContext } from '../context.js';
import { runQueries, type RunRow } from '../db/queries/runs.js';
import { stillRunning } from '../process-identity.js';
import { requireDb } from '../require-db.js';
import { reproductionArgs } from './reproduce.js';
import { estimateAtStart } from './run-estimate.js';
import { LiveRun, spawnFailure, type RunOutcome, type TrainerStart } from './run-process.js';
import { dequeueRun, enqueueNewRun, enqueueResume, noteIfWaiting, takeStartable, type RunLinks } from './run-queue.js';
import { RunRecords, runTarget } from './run-records.js';
import { registerCompletedRun } from './run-registration.js';
import { localTrainer, type TrainerExit } from './trainer-process.js';
import { readFollowState, remoteTrainer, type FollowState } from '../compute/remote-trainer.js';
import { targetSlot, type TargetDirectory } from '../compute/target-directory.js';
import { cpuOnlyHardware, runSlot, trainingHardwareProbe, type TrainingHardware } from './training-hardware.js';

/**
 * Owns the trainer processes of this engine, in three parts that read in the order a run lives:
 * the queue (`run-queue.ts`: every start or resume waits for its devices, one job per GPU, one CPU job at a time),
 * the process (`run-process.ts`: a trainer's JSON lines become rows and push events; a silent or dead trainer
 * becomes an interrupted run) and the registration (`run-registration.ts`: a completed run's weights join the
 * model registry before the run reads completed). Stops are SIGTERM (the trainer checkpoints first).
 */
export class RunSupervisor {
  private readonly live = new Map<string, LiveRun>();
  private readonly records: RunRecords;
  /** Set by dispose: nothing new starts, and late lines from dying trainers are not written. */
  private closing = false;
  /** Registrations of finished runs' weights still hashing; dispose waits for them so the db stays open. */
  private readonly registering = new Set<Promise<void>>();
  readonly hardware: () => Promise<TrainingHardware>;

  constructor(private readonly ctx: EngineContext, private readonly targets: TargetDirectory) {
    this.hardware = trainingHardwareProbe(ctx.dataDir);
    this.records = new RunRecords(ctx);
  }

  // --- The queue: start, retry, reproduce, resume, cancel --------------------------------------------------------

  async start(args: StartRunArgs, links: RunLinks = { retryOf: null, reproduces: null }): Promise<RunSummary> {
    const { db } = requireDb(this.ctx);
    let id: string;
    if (args.target && args.target !== 'local') {
      // A compute target: one run at a time there; its devices are the target's to choose (the trainer's `auto`).
      const { layout } = this.targets.place(args.target); // NOT_FOUND naming the saved targets
      id = enqueueNewRun(this.ctx, this.records, args, [targetSlot(args.target)], links, null, layout);
    } else {
      const hw = args.device === 'cpu' ? cpuOnlyHardware() : await this.hardware();
      const slot = runSlot(args.device, args.devices, hw);
      id = enqueueNewRun(this.ctx, this.records, { ...args, target: undefined }, slot, links, estimateAtStart(db, args, hw, this.ctx.dataDir));
    }
    this.pump();
    noteIfWaiting(this.records, id);
    return this.summary(id);
  }

  async retry(runId: string, changes: Record<string, unknown>): Promise<RunSummary> {
    const old = this.records.row(runId);
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
    return this.start(parsed.data, { retryOf: runId, reproduces: null });
  }

  /** Re-runs a completed run from its stored settings; the weights' hashes are compared when it completes. */
  async reproduce(runId: string): Promise<RunSummary> {
    const { args } = reproductionArgs(this.ctx, runId);
    return this.start(args, { retryOf: null, reproduces: runId });
  }

  resume(runId: string, step?: number): RunSummary {
    requireDb(this.ctx);
    enqueueResume(this.ctx, this.records, runId, step);
    this.pump();
    noteIfWaiting(this.records, runId);
    return this.summary(runId);
  }

  cancel(runId: string): RunSummary {
    requireDb(this.ctx);
    dequeueRun(this.records, runId);
    this.pump();
    return this.summary(runId);
  }

  /** A running run gets SIGTERM (checkpoint, then exit); a queued one is taken off the queue. */
  stop(runId: string): boolean {
    const run = this.records.row(runId);
    if (run.status === 'queued') {
      this.cancel(runId);
      return true;
    }
    const live = this.live.get(runId);
    if (!live) return this.stopElsewhere(run);
    this.records.queries().addEvent(runId, 'stop', 'Stop requested: the trainer saves a checkpoint, then exits.');
    live.job.report(null, 'Stopping: saving a checkpoint first…');
    live.proc.stop();
    this.records.emit(runId);
    return true;
  }

  summary(runId: string): RunSummary {
    return this.records.summary(runId);
  }

  // --- The process: start what the queue allows, follow it, settle how it ended ---------------------------------

  /** Starts every queued run whose devices are free. */
  private pump(): void {
    if (!this.ctx.db || this.closing) return;
    const busy = [...this.live.values()].flatMap((l) => l.resources);
    for (const { runId, trainerArgs, resources } of takeStartable(this.ctx, busy, (id) => this.live.has(id), (r) => this.targets.capacity(r))) {
      try {
        this.live.set(runId, new LiveRun(this.ctx, this.records, runId, this.trainerStart(runId, trainerArgs, resources), resources, {
          onEnd: (live, outcome, exit) => this.onEnd(live, outcome, exit),
          onCancel: () => void this.stopQuietly(runId),
        }));
      } catch (err) {
        this.records.setState(runId, 'failed', { error: spawnFailure(err) });
      }
    }
  }

  /** The run's trainer here, or on its compute target (staged there, followed over SSH, its output fetched back). */
  private trainerStart(runId: string, trainerArgs: string[], resources: string[], reattach?: FollowState): TrainerStart {
    const resuming = trainerArgs.includes('--resume');
    const run = this.records.row(runId);
    const args = run.start_args ? (JSON.parse(run.start_args) as StartRunArgs) : null;
    if (!args?.target) return { channel: localTrainer(trainerArgs, this.ctx.dataDir), resuming, where: resources.join(', ') };
    const place = this.targets.place(args.target);
    const q = this.records.queries();
    const channel = remoteTrainer({
      host: place.host, launcher: place.launcher(runId, reattach?.launched), targetName: args.target, runId, localRunDir: run.output_dir, localModelDir: args.baseModelDir,
      trainerArgs, config: JSON.parse(run.config) as Record<string, unknown>, reconnectForS: 600, reattach,
      note: (kind, message, data) => {
        if (!this.ctx.db?.open) return;
        q.addEvent(runId, kind, message, data);
        this.records.emit(runId);
      },
    });
    return { channel, resuming, where: `${args.target} (${place.address})`, data: place.data, ownerPid: process.pid, reattached: !!reattach };
  }

  /** Follows again a run on a compute target whose engine died (its trainer there may still run, or have finished). */
  private reattach(run: RunRow, state: FollowState): void {
    const resources = (run.slot ?? '').split(',');
    this.live.set(run.id, new LiveRun(this.ctx, this.records, run.id, this.trainerStart(run.id, [], resources, state), resources, {
      onEnd: (live, outcome, exit) => this.onEnd(live, outcome, exit),
      onCancel: () => void this.stopQuietly(run.id),
    }));
    this.records.audit('run.reattached', run.id, { reason: 'the engine that followed it had stopped', pid: run.pid, remoteDir: state.remoteRun, offset: state.offset });
  }

  private onEnd(live: LiveRun, outcome: RunOutcome, exit: TrainerExit): void {
    const runId = live.runId;
    this.live.delete(runId);
    const settle = () => {
      live.finishJob(outcome);
      this.records.setState(runId, outcome.status, { pid: null, error: outcome.error, result: outcome.result, stderrTail: exit.stderrTail });
      this.records.audit(`run.${outcome.status}`, runId, { code: exit.code, signal: exit.signal, result: outcome.result, error: outcome.error });
    };
    if (outcome.status === 'completed') {
      // --- The registration: the run reads completed only once its weights are in the registry.
      live.job.report(null, 'Hashing the weights into the model registry…');
      const db = requireDb(this.ctx).db;
      const task = registerCompletedRun(this.ctx, this.records, runId).finally(() => {
        this.registering.delete(task);
        if (db.open) settle();
      });
      this.registering.add(task);
    } else settle();
    this.pump();
  }

  /** The job list's Cancel: a stop that never throws (the run may have ended in between). */
  private stopQuietly(runId: string): boolean {
    try {
      return this.stop(runId);
    } catch {
      return false;
    }
  }

  /**
   * A run another engine on this data folder trains (the app, while `lathe runs stop` runs in a terminal): its
   * trainer gets the same SIGTERM, sent to its process group, but only while (pid, boot, start time) still name
   * that trainer; the owning engine records how it ended.
   */
  private stopElsewhere(run: RunRow): boolean {
    const target = runTarget(run);
    if (target && run.status === 'running') return this.stopOnTarget(run, target);
    if (run.status !== 'running' || !run.pid || !stillRunning(run.pid, run.pid_boot, run.pid_start) || run.pid_start == null) return false;
    try {
      process.kill(-run.pid, 'SIGTERM');
    } catch {
      return false;
    }
    this.records.queries().addEvent(run.id, 'stop', 'Stop requested from another Lathe process: the trainer saves a checkpoint, then exits.');
    return true;
  }

  /**
   * A run another engine follows on a compute target: the stop goes to the trainer there (the launcher's TERM, found
   * by what the launch recorded), and the owning engine records how it ended.
   */
  private stopOnTarget(run: RunRow, target: string): boolean {
    const state = readFollowState(run.output_dir);
    if (!state) return false;
    const q = this.records.queries();
    q.addEvent(run.id, 'stop', `Stop requested from another Lathe process: sent to the trainer on ${target}, which saves a checkpoint, then exits.`);
    void this.targets.place(target).launcher(run.id, state.launched).signal(state.remoteRun, 'SIGTERM').catch((err: unknown) => {
      if (this.ctx.db?.open) q.addEvent(run.id, 'stop_failed', `The stop did not reach ${target}: ${(err as Error).message}`);
    });
    return true;
  }

  // --- Start-up and shutdown --------------------------------------------------------------------------------------

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
      // A run on a compute target outlives its engine: a lasting engine follows it again from the byte the dead one
      // had read (a command-line engine leaves it for the app or `lathe serve`, whichever starts next).
      const state = runTarget(run) ? readFollowState(run.output_dir) : null;
      if (state) {
        if (this.ctx.mode === 'cli') continue;
        try {
          this.reattach(run, state);
          continue;
        } catch (err) {
          q.addEvent(run.id, 'reattach_failed', `Could not follow the run on ${runTarget(run)} again: ${(err as Error).message}`);
        }
      }
      q.addEvent(run.id, 'reconciled', 'Lathe was not running when this run last trained; it is marked interrupted and can be resumed.');
      const error = { code: 'interrupted', message: 'Lathe stopped while this run was training.', hint: 'Resume it from its latest checkpoint.' };
      this.records.setState(run.id, 'interrupted', { pid: null, error });
      this.records.audit('run.interrupted', run.id, { reason: 'reconciled at start-up', pid: run.pid, pidBoot: run.pid_boot, pidStart: run.pid_start, error });
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
}
