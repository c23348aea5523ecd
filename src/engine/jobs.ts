import { randomUUID } from 'node:crypto';
import { LatheError } from '../shared/contract/errors.js';
import type { JobStateName, JobSubject, JobSummary } from '../shared/contract/features/jobs.js';
import type { EventBus } from './event-bus.js';
import { estimateEtaMs, type EtaBaseline } from './job-eta.js';

export interface JobSpec {
  /** A caller-chosen id (the UI picks one so it can follow the job); a random one otherwise. */
  id?: string | undefined;
  kind: string;
  label: string;
  subject?: JobSubject | null | undefined;
  /** While a job with this key runs, another start with the same key is refused with ALREADY_RUNNING. */
  exclusiveKey?: string | undefined;
  /** How to stop it; a job without one cannot be cancelled (search indexing). */
  cancel?: (() => void) | null | undefined;
  /** False for jobs whose owner stops them itself at shutdown (training runs checkpoint first). */
  cancelOnShutdown?: boolean;
}

/** What the code doing the work holds: report progress, then finish exactly once. */
export interface JobHandle {
  readonly id: string;
  /** A fraction of null (a phase of unknown length) keeps the bar where it is; a lower one never moves it back. */
  report(fraction: number | null, message: string): void;
  finish(state: Exclude<JobStateName, 'running'>, message: string): void;
}

interface Entry {
  spec: JobSpec & { id: string };
  state: JobStateName;
  message: string;
  fraction: number | null;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  baseline: EtaBaseline | null;
}

export interface JobRegistryOptions {
  now?: () => number;
  /** Finished jobs kept for the UI ("done in 3 min 12 s"), newest first. */
  keepFinished?: number;
}

/**
 * The one place that knows every job: running ones with their phase, progress, times and measured ETA, and the
 * last few finished ones with their duration. Every change goes out as job.progress (when built with an event
 * bus); `jobs.list` answers from here, so a UI that reloads finds its jobs again.
 */
export class JobRegistry {
  private readonly running = new Map<string, Entry>();
  private finished: Entry[] = [];
  private readonly now: () => number;
  private readonly keepFinished: number;

  constructor(private readonly events: EventBus | null = null, options: JobRegistryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.keepFinished = options.keepFinished ?? 20;
  }

  /** Registers a running job; throws ALREADY_RUNNING when its id or exclusive key is taken by a running job. */
  start(spec: JobSpec): JobHandle {
    const id = spec.id ?? randomUUID();
    const taken = this.running.get(id);
    if (taken) throw alreadyRunning(taken, this.now());
    if (spec.exclusiveKey) this.refuseIfRunning(spec.exclusiveKey);
    const at = this.now();
    const entry: Entry = { spec: { ...spec, id }, state: 'running', message: 'Starting…', fraction: null, startedAt: at, updatedAt: at, finishedAt: null, baseline: null };
    this.finished = this.finished.filter((e) => e.spec.id !== id); // a re-run under the same id replaces its old record
    this.running.set(id, entry);
    const report = (fraction: number | null, message: string) => {
      if (entry.state !== 'running') return;
      const t = this.now();
      if (fraction !== null && Number.isFinite(fraction)) {
        const f = Math.max(0, Math.min(1, fraction));
        entry.fraction = Math.max(entry.fraction ?? 0, f);
        entry.baseline ??= { at: t, fraction: entry.fraction };
      }
      entry.message = message;
      entry.updatedAt = t;
      this.emit(entry);
    };
    const finish = (state: Exclude<JobStateName, 'running'>, message: string) => {
      if (entry.state !== 'running') return;
      const t = this.now();
      entry.state = state;
      entry.message = message;
      // As job.progress always said it: a finished job is at 1, a failed or cancelled one has no fraction.
      entry.fraction = state === 'done' ? 1 : null;
      entry.updatedAt = t;
      entry.finishedAt = t;
      this.running.delete(id);
      this.finished = [entry, ...this.finished.filter((e) => e.spec.id !== id)].slice(0, this.keepFinished);
      this.emit(entry);
    };
    return { id, report, finish };
  }

  /** Throws ALREADY_RUNNING, naming the job, while a job with this exclusive key runs. */
  refuseIfRunning(exclusiveKey: string): void {
    for (const e of this.running.values()) if (e.spec.exclusiveKey === exclusiveKey) throw alreadyRunning(e, this.now());
  }

  /** Asks a running job to stop; false when there is no such running job or it cannot be cancelled. */
  cancel(id: string): boolean {
    const entry = this.running.get(id);
    if (!entry?.spec.cancel) return false;
    entry.spec.cancel();
    return true;
  }

  /** At shutdown: every cancellable job except those whose owner stops them itself. */
  cancelAll(): void {
    for (const e of [...this.running.values()]) if (e.spec.cancelOnShutdown !== false) e.spec.cancel?.();
  }

  get(id: string): JobSummary | undefined {
    const entry = this.running.get(id) ?? this.finished.find((e) => e.spec.id === id);
    return entry && this.summary(entry, this.now());
  }

  list(): { running: JobSummary[]; finished: JobSummary[] } {
    const now = this.now();
    return { running: [...this.running.values()].map((e) => this.summary(e, now)), finished: this.finished.map((e) => this.summary(e, now)) };
  }

  private emit(entry: Entry): void {
    this.events?.emit('job.progress', this.summary(entry, entry.updatedAt));
  }

  private summary(e: Entry, now: number): JobSummary {
    const end = e.finishedAt ?? Math.max(now, e.startedAt);
    return {
      jobId: e.spec.id,
      kind: e.spec.kind,
      label: e.spec.label,
      fraction: e.fraction,
      message: e.message,
      state: e.state,
      startedAt: new Date(e.startedAt).toISOString(),
      updatedAt: new Date(e.updatedAt).toISOString(),
      finishedAt: e.finishedAt === null ? null : new Date(e.finishedAt).toISOString(),
      elapsedMs: Math.max(0, end - e.startedAt),
      etaMs: e.state === 'running' ? estimateEtaMs(e.fraction, e.baseline, now) : null,
      durationMs: e.finishedAt === null ? null : Math.max(0, e.finishedAt - e.startedAt),
      cancellable: e.state === 'running' && Boolean(e.spec.cancel),
      subject: e.spec.subject ?? null,
    };
  }
}

function alreadyRunning(e: Entry, now: number): LatheError {
  const pct = e.fraction === null ? '' : `, ${Math.round(e.fraction * 100)} % done`;
  const minutes = Math.floor((now - e.startedAt) / 60_000);
  const since = minutes < 1 ? 'under a minute ago' : `${minutes} min ago`;
  return new LatheError(
    'ALREADY_RUNNING',
    `“${e.spec.label}” is already running (started ${since}${pct}).`,
    `Wait for it to finish, or cancel it under Jobs in the status bar (job ${e.spec.id}); then start again.`,
  );
}
