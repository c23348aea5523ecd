import type { RunSummary } from '../../shared/contract/features/runs.js';
import { LatheError } from '../../shared/contract/errors.js';
import type { EngineContext } from '../context.js';
import { runQueries, type RunRow, type StoredRunStatus } from '../db/queries/runs.js';
import { identify } from '../process-identity.js';
import { requireDb } from '../require-db.js';
export interface RunStateChange { pid?: number | null; error?: unknown; result?: unknown; stderrTail?: string }

/**
 * A run as stored and as shown: its row, its summary (with its place in the queue), its state changes and the
 * push event every change sends. The queue, the trainer process and the registration all write through here.
 */
export class RunRecords {
  constructor(private readonly ctx: EngineContext) {}

  queries(): ReturnType<typeof runQueries> {
    return runQueries(requireDb(this.ctx).db);
  }

  row(runId: string): RunRow {
    const run = this.queries().get(runId);
    if (!run) throw new LatheError('NOT_FOUND', `There is no run ${runId}.`, 'Refresh the Runs page.');
    return run;
  }

  summary(runId: string): RunSummary {
    const run = this.row(runId);
    const q = this.queries();
    const timing = q.timing(runId);
    return {
      id: run.id, name: run.name, status: run.status, baseModel: run.base_model, datasetVersionId: run.dataset_version_id,
      outputDir: run.output_dir, config: JSON.parse(run.config) as Record<string, unknown>,
      error: run.error ? (JSON.parse(run.error) as RunSummary['error']) : null, stderrTail: run.stderr_tail,
      result: run.result ? (JSON.parse(run.result) as Record<string, unknown>) : null,
      checkpoints: q.checkpoints(runId).map((c) => ({ step: c.step, path: c.path, sha256: c.sha256, createdAt: c.created_at })),
      events: q.events(runId).map((e) => ({ seq: e.seq, at: e.at, kind: e.kind, message: e.message, data: e.data ? (JSON.parse(e.data) as unknown) : null })),
      startArgs: run.start_args ? (JSON.parse(run.start_args) as Record<string, unknown>) : null,
      retryOf: run.retry_of, slot: run.slot, target: runTarget(run), queuePosition: this.queuePosition(run), timing: { estimatedSeconds: timing.estimated_seconds, ranSeconds: timing.ran_seconds },
      createdAt: run.created_at, updatedAt: run.updated_at,
    };
  }

  /** 1 for the next run to start on any of its devices; null when the run is not queued. */
  private queuePosition(run: RunRow): number | null {
    if (run.status !== 'queued') return null;
    const mine = (run.slot ?? 'cpu').split(',');
    const ahead = this.queries().queue().filter((r) => r.slot.split(',').some((s) => mine.includes(s)));
    return ahead.findIndex((r) => r.run_id === run.id) + 1;
  }

  setState(runId: string, status: StoredRunStatus, p: RunStateChange): void {
    const run = this.row(runId);
    const pid = p.pid === undefined ? run.pid : p.pid;
    // A new pid is recorded with its identity (boot, start time), so a reused pid is never taken for this run.
    const who = pid == null ? null : pid === run.pid ? { boot: run.pid_boot, start: run.pid_start } : identify(pid);
    this.queries().setState({
      id: runId, status, pid, pid_boot: who?.boot ?? null, pid_start: who?.start ?? null,
      error: p.error === undefined ? run.error : p.error === null ? null : JSON.stringify(p.error),
      stderr_tail: p.stderrTail ?? run.stderr_tail, result: p.result ? JSON.stringify(p.result) : null, updated_at: new Date().toISOString(),
    });
    this.emit(runId);
  }

  emit(runId: string): void {
    this.ctx.events.emit('run.updated', this.summary(runId));
  }

  audit(action: string, runId: string, details: Record<string, unknown>): void {
    if (!this.ctx.audit) return;
    this.ctx.events.emit('audit.appended', this.ctx.audit.append({ actor: this.ctx.actor, action, objectType: 'run', objectId: runId, details }));
  }
}


/** The compute target a run trains on (its start settings' `target`); null: this machine. */
export function runTarget(run: Pick<RunRow, 'start_args'>): string | null {
  return run.start_args ? ((JSON.parse(run.start_args) as { target?: string }).target ?? null) : null;
}
