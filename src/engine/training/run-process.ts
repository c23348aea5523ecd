import type { LatheError } from '../../shared/contract/errors.js';
import type { StartRunArgs } from '../../shared/contract/features/runs.js';
import type { EngineContext } from '../context.js';
import type { StoredRunStatus } from '../db/queries/runs.js';
import type { JobHandle } from '../jobs.js';
import type { RunRecords } from './run-records.js';
import type { TrainerEvent } from './trainer-command.js';
import { TrainerProcess, type TrainerChannel, type TrainerExit } from './trainer-process.js';
/** How a run ended: the status it gets, and the error or result it keeps. */
export interface RunOutcome { status: StoredRunStatus; error: unknown; result: unknown }

/** Where a run's trainer starts: its channel (a local process or a target's trainer), and the words that name the place. */
export interface TrainerStart {
  channel: TrainerChannel;
  resuming: boolean;
  /** 'cuda:0', 'cpu', or a target ("gpu-box (ssh://me@gpu-box)"). */
  where: string;
  /** Recorded with the started event: the target, its address… */
  data?: Record<string, unknown>;
  /**
   * The process that owns a trainer running elsewhere (this engine's pid): kept as the run's pid, so another engine on
   * the same data folder knows the run is followed, and a restarted one knows its follower died.
   */
  ownerPid?: number;
  /** Following a trainer a dead engine left running: no new started event. */
  reattached?: boolean;
}

export interface LiveRunHooks {
  /** The trainer exited; `outcome` is what its lines said, or what its exit means when they said nothing. */
  onEnd: (live: LiveRun, outcome: RunOutcome, exit: TrainerExit) => void;
  /** The job list's Cancel. */
  onCancel: () => void;
}

/**
 * One run's trainer while it lives: the process, the run's entry in the job list (same id; its progress from the
 * trainer's lines) and the devices it holds. Each protocol line becomes rows (metrics, checkpoints, events) and
 * push events; the line that says done or error is the outcome kept for the exit.
 */
export class LiveRun {
  readonly proc: TrainerProcess;
  readonly job: JobHandle;
  private said: RunOutcome | null = null;
  private readonly maxSteps: number | null;
  private readonly startedAt = Date.now();

  /** Throws the spawn's LatheError when the trainer cannot start (no Python environment, say). */
  constructor(private readonly ctx: EngineContext, private readonly records: RunRecords, readonly runId: string, start: TrainerStart, readonly resources: string[], hooks: LiveRunHooks) {
    const run = records.row(runId);
    const hangTimeoutS = run.start_args ? (JSON.parse(run.start_args) as StartRunArgs).hangTimeoutS ?? 300 : 300;
    this.proc = new TrainerProcess(start.channel, {
      hangTimeoutS,
      onEvent: (e) => {
        if (!ctx.db?.open) return;
        this.said = this.record(e) ?? this.said;
      },
      onExit: (exit) => ctx.db?.open && hooks.onEnd(this, this.outcomeOf(exit), exit),
    });
    this.maxSteps = Number((JSON.parse(run.config) as { max_steps?: unknown }).max_steps) || null;
    // The supervisor stops the run itself at shutdown (SIGTERM, checkpoint first), so a registry-wide cancel at
    // dispose leaves it alone.
    this.job = ctx.jobs.start({
      id: runId, kind: 'training.run', label: `Training ${run.name}`, subject: { type: 'run', id: runId }, cancelOnShutdown: false,
      cancel: hooks.onCancel,
    });
    const { resuming, where } = start;
    this.job.report(null, `${start.reattached ? 'Following again' : resuming ? 'Resuming' : 'Starting'} on ${where}…`);
    const pid = this.proc.pid ? ` (pid ${this.proc.pid})` : '';
    if (!start.reattached) records.queries().addEvent(runId, resuming ? 'resumed' : 'started', `${resuming ? 'Resumed' : 'Started'} on ${where}${pid}.`, start.data);
    records.setState(runId, 'running', { pid: this.proc.pid ?? start.ownerPid ?? null, error: null });
  }

  /** Ends the run's job as its outcome says. */
  finishJob(outcome: RunOutcome): void {
    const said = (outcome.error as { message?: string } | null)?.message;
    if (outcome.status === 'completed') this.job.finish('done', 'Finished; the weights are in the model registry.');
    else if (outcome.status === 'stopped') this.job.finish('cancelled', said ?? 'Stopped with a checkpoint; it can be resumed.');
    else this.job.finish('failed', said ?? `The run ended ${outcome.status}.`);
  }

  /** One protocol line: rows and push events; a done or error line returns the run's outcome. */
  private record(e: TrainerEvent): RunOutcome | null {
    const q = this.records.queries();
    const runId = this.runId;
    if (e.type === 'metrics' || e.type === 'eval') {
      const { v: _v, type: _t, step, ...rest } = e;
      const values = Object.fromEntries(Object.entries(rest).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
      q.addMetrics(runId, step, values);
      this.ctx.events.emit('run.metrics', { runId, step, values });
      if (e.type === 'metrics') {
        const loss = typeof values.loss === 'number' ? ` · loss ${values.loss.toFixed(4)}` : '';
        this.job.report(this.maxSteps ? step / this.maxSteps : null, `Step ${step}${this.maxSteps ? ` of ${this.maxSteps}` : ''}${loss}`);
      }
    } else if (e.type === 'checkpoint') {
      q.addCheckpoint(runId, e.step, e.path, e.sha256);
      this.records.emit(runId);
    } else if (e.type === 'event') {
      // Things the trainer decided on its own, e.g. {"kind": "oom_fallback", step, micro_batch, grad_accum, message}.
      const { v: _v, type: _t, kind, message, ...data } = e;
      q.addEvent(runId, kind, message ?? describeTrainerEvent(kind, data), data);
      if (kind === 'checkpoints_pruned' && Array.isArray(data.steps)) q.removeCheckpoints(runId, data.steps.filter((s): s is number => Number.isInteger(s)));
      this.records.emit(runId);
    } else if (e.type === 'done') {
      return { status: 'completed', error: null, result: e.payload };
    } else if (e.type === 'error') {
      const error = { code: e.code, message: e.message, hint: e.hint };
      return { status: e.code === 'cancelled' ? 'stopped' : 'failed', error, result: null };
    } else if (e.type === 'progress') {
      // Set-up phases (tokenising, loading the model) have no share of the run; training steps do.
      this.job.report(e.stage === 'train' ? e.fraction : null, e.message);
    }
    return null; // hello and heartbeat only feed the watchdog (progress too, besides the job list)
  }

  /** What the trainer's last done or error line said; without one, the watchdog killed it or it crashed. Recorded as an event. */
  private outcomeOf(exit: TrainerExit): RunOutcome {
    const q = this.records.queries();
    // How long this process ran, on the event that says how it ended: the run's time over every start and resume.
    const ran = { ranSeconds: Math.round((Date.now() - this.startedAt) / 100) / 10 };
    if (exit.failure) {
      // The trainer could not start, or ran elsewhere and its output did not come back verified, or the link stayed down.
      const { resumable, ...error } = exit.failure;
      q.addEvent(this.runId, resumable ? 'interrupted' : 'failed', error.message, ran);
      return { status: resumable ? 'interrupted' : 'failed', result: null, error };
    }
    if (this.said) {
      const { status, error } = this.said;
      q.addEvent(this.runId, status, status === 'completed' ? 'Finished.' : String((error as { message?: string } | null)?.message ?? status), ran);
      return this.said;
    }
    if (exit.hungAfterS !== null) {
      const what = exit.aliveButStuck ? `made no progress for ${exit.hungAfterS} s (its heartbeat said it was stuck)` : `sent nothing for ${exit.hungAfterS} s (no metrics, progress or heartbeat)`;
      q.addEvent(this.runId, 'heartbeat_lost', `The trainer ${what}: stopped it and everything it started.`, ran);
      return { status: 'interrupted', result: null, error: { code: 'trainer_hung', message: `The trainer ${what}, so Lathe stopped it.`, hint: 'A hang is often a stuck data loader, a deadlock between GPUs or a wedged driver: read the log below, then resume from the latest checkpoint.' } };
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    q.addEvent(this.runId, 'crashed', `The trainer ${how} without finishing.`, ran);
    return { status: 'interrupted', result: null, error: { code: 'trainer_exited', message: `The trainer ${how} without finishing.`, hint: 'Read the log below (out of memory is a common cause); resume from the latest checkpoint.' } };
  }
}

/** A spawn that failed before any process ran, as the run's error. */
export function spawnFailure(err: unknown): { code: string; message: string; hint: string } {
  const e = err as LatheError;
  return { code: e.code ?? 'spawn_failed', message: e.message, hint: e.hint ?? '' };
}

function describeTrainerEvent(kind: string, data: Record<string, unknown>): string {
  if (kind === 'oom_fallback') {
    return `Out of memory: micro batch → ${String(data.micro_batch ?? '?')}, accumulation → ${String(data.grad_accum ?? '?')} (same effective batch).`;
  }
  return kind.replace(/_/g, ' ');
}
