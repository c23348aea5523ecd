import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { LatheError } from '../../shared/contract/errors.js';
import type { RunSummary, StartRunArgs } from '../../shared/contract/features/runs.js';
import type { EngineContext } from '../context.js';
import { runQueries, type RunRow, type RunStatus } from '../db/queries/runs.js';
import { requireDb } from '../require-db.js';
import { materializeVersion } from './materialize.js';
import { spawnTrainer, type TrainerEvent } from './trainer-command.js';

const STDERR_TAIL = 40;
type Trainer = ReturnType<typeof spawnTrainer>;

/**
 * Owns the trainer processes of this engine: starts them, turns their JSON lines into rows (metrics,
 * checkpoints, status) and push events, stops them with SIGTERM (the trainer checkpoints first), and marks a
 * run interrupted when its process dies without saying done or error.
 */
export class RunSupervisor {
  private readonly live = new Map<string, Trainer>();

  constructor(private readonly ctx: EngineContext) {}

  start(args: StartRunArgs): RunSummary {
    const { db, audit } = requireDb(this.ctx);
    const id = randomUUID();
    const outputDir = path.join(this.ctx.dataDir, 'runs', id);
    const data = materializeVersion(db, args.datasetVersionId, path.join(outputDir, 'data'), args.objective);
    const config = {
      base_model: path.resolve(args.baseModelDir),
      output_dir: outputDir,
      method: args.method,
      objective: args.objective,
      data: { train: [data.train], validation: data.validation ? [data.validation] : null },
      lora: { rank: args.loraRank, alpha: args.loraRank * 2, dropout: 0.05, target_modules: 'all-linear' },
      max_seq_len: args.maxSeqLen,
      micro_batch_size: args.microBatchSize,
      grad_accum: args.gradAccum,
      lr: args.lr,
      schedule: 'cosine',
      warmup_steps: Math.min(10, Math.floor(args.maxSteps / 10)),
      max_steps: args.maxSteps,
      eval_every: args.evalEvery,
      eval_at_start: args.evalAtStart,
      checkpoint_every: args.checkpointEvery,
      seed: args.seed,
      device: args.device,
    };
    fs.writeFileSync(path.join(outputDir, 'run.json'), JSON.stringify(config, null, 2));
    const now = new Date().toISOString();
    runQueries(db).insert({
      id, name: args.name ?? `${path.basename(args.baseModelDir)} · ${args.method} · ${now.slice(0, 16).replace('T', ' ')}`,
      status: 'running', config: JSON.stringify(config), base_model: config.base_model, dataset_version_id: args.datasetVersionId,
      output_dir: outputDir, pid: null, error: null, stderr_tail: null, result: null, created_at: now, updated_at: now, created_by: this.ctx.actor,
    });
    this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'run.start', objectType: 'run', objectId: id, details: { config, trainExamples: data.trainCount, validationExamples: data.valCount } }));
    this.spawn(id, ['train', '--config', path.join(outputDir, 'run.json')]);
    return this.summary(id);
  }

  resume(runId: string, step?: number): RunSummary {
    const { audit } = requireDb(this.ctx);
    const run = this.row(runId);
    if (this.live.has(runId)) throw new LatheError('INVALID_ARGUMENTS', 'This run is already running.', 'Stop it first, or wait for it to finish.');
    const checkpoints = runQueries(requireDb(this.ctx).db).checkpoints(runId);
    const from = step === undefined ? checkpoints.at(-1) : checkpoints.find((c) => c.step === step);
    if (!from) throw new LatheError('NOT_FOUND', step ? `Run has no checkpoint at step ${step}.` : 'This run has no checkpoint to resume from.', 'Start a new run; set "checkpoint every" so long runs can be resumed.');
    this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'run.resume', objectType: 'run', objectId: runId, details: { step: from.step, checkpoint: from.path } }));
    this.setState(runId, 'running', { error: null });
    this.spawn(run.id, ['train', '--config', path.join(run.output_dir, 'run.json'), '--resume', from.path]);
    return this.summary(runId);
  }

  stop(runId: string): boolean {
    this.row(runId);
    const child = this.live.get(runId);
    if (!child) return false;
    child.kill('SIGTERM');
    return true;
  }

  /**
   * At start-up: a run marked running whose trainer process is gone lost its engine (a crash, a kill -9):
   * mark it interrupted so it can be resumed. A live pid may belong to another engine on the same data folder
   * (the CLI beside the app), so it is left alone; an orphan whose engine died exits at its next write to the
   * closed pipe, and the next start marks it.
   */
  reconcile(): void {
    if (!this.ctx.db) return;
    for (const run of runQueries(this.ctx.db).running()) {
      if (run.pid && isAlive(run.pid)) continue;
      this.setState(run.id, 'interrupted', {
        error: { code: 'interrupted', message: 'Lathe stopped while this run was training.', hint: 'Resume it from its latest checkpoint.' },
      });
    }
  }

  async dispose(): Promise<void> {
    const exits = [...this.live.values()].map((c) => new Promise((r) => c.once('close', r)));
    for (const c of this.live.values()) c.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 10_000))]);
    for (const c of this.live.values()) c.kill('SIGKILL');
  }

  summary(runId: string): RunSummary {
    const run = this.row(runId);
    return {
      id: run.id, name: run.name, status: run.status, baseModel: run.base_model, datasetVersionId: run.dataset_version_id,
      outputDir: run.output_dir, config: JSON.parse(run.config) as Record<string, unknown>,
      error: run.error ? (JSON.parse(run.error) as RunSummary['error']) : null, stderrTail: run.stderr_tail,
      result: run.result ? (JSON.parse(run.result) as Record<string, unknown>) : null,
      checkpoints: runQueries(requireDb(this.ctx).db).checkpoints(runId).map((c) => ({ step: c.step, path: c.path, sha256: c.sha256, createdAt: c.created_at })),
      createdAt: run.created_at, updatedAt: run.updated_at,
    };
  }

  private spawn(runId: string, args: string[]): void {
    const child = spawnTrainer(args, { dataDir: this.ctx.dataDir });
    this.live.set(runId, child);
    this.setState(runId, 'running', { pid: child.pid ?? null });
    const tail: string[] = [];
    readline.createInterface({ input: child.stderr }).on('line', (l) => {
      tail.push(l);
      if (tail.length > STDERR_TAIL) tail.shift();
    });
    let final: { status: RunStatus; error: unknown; result: unknown } | null = null;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let e: TrainerEvent;
      try {
        e = JSON.parse(line) as TrainerEvent;
      } catch {
        return;
      }
      const outcome = this.onEvent(runId, e);
      if (outcome) final = outcome;
    });
    child.on('close', (code) => {
      this.live.delete(runId);
      const f = final as { status: RunStatus; error: unknown; result: unknown } | null;
      const outcome = f ?? { status: 'interrupted' as const, error: { code: 'trainer_exited', message: `The trainer exited (code ${code}) without finishing.`, hint: 'Read the log below; resume from the latest checkpoint.' }, result: null };
      this.setState(runId, outcome.status, { pid: null, error: outcome.error, result: outcome.result, stderrTail: tail.join('\n') });
      if (this.ctx.audit) {
        this.ctx.events.emit('audit.appended', this.ctx.audit.append({ actor: this.ctx.actor, action: `run.${outcome.status}`, objectType: 'run', objectId: runId, details: { code, result: outcome.result, error: outcome.error } }));
      }
    });
  }

  private onEvent(runId: string, e: TrainerEvent): { status: RunStatus; error: unknown; result: unknown } | null {
    const q = runQueries(requireDb(this.ctx).db);
    if (e.type === 'metrics' || e.type === 'eval') {
      const { v: _v, type: _t, step, ...rest } = e;
      const values = Object.fromEntries(Object.entries(rest).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
      q.addMetrics(runId, Number(step), values);
      this.ctx.events.emit('run.metrics', { runId, step: Number(step), values });
    } else if (e.type === 'checkpoint') {
      q.addCheckpoint(runId, Number(e.step), String(e.path), String(e.sha256));
      this.ctx.events.emit('run.updated', this.summary(runId));
    } else if (e.type === 'done') {
      return { status: 'completed', error: null, result: e.payload ?? {} };
    } else if (e.type === 'error') {
      const error = { code: String(e.code), message: String(e.message), hint: String(e.hint ?? '') };
      return { status: e.code === 'cancelled' ? 'stopped' : 'failed', error, result: null };
    }
    return null;
  }

  private setState(runId: string, status: RunStatus, p: { pid?: number | null; error?: unknown; result?: unknown; stderrTail?: string }): void {
    const run = this.row(runId);
    runQueries(requireDb(this.ctx).db).setState({
      id: runId, status, pid: p.pid === undefined ? run.pid : p.pid,
      error: p.error === undefined ? run.error : p.error === null ? null : JSON.stringify(p.error),
      stderr_tail: p.stderrTail ?? run.stderr_tail, result: p.result ? JSON.stringify(p.result) : null, updated_at: new Date().toISOString(),
    });
    this.ctx.events.emit('run.updated', this.summary(runId));
  }

  private row(runId: string): RunRow {
    const run = runQueries(requireDb(this.ctx).db).get(runId);
    if (!run) throw new LatheError('NOT_FOUND', `There is no run ${runId}.`, 'Refresh the Runs page.');
    return run;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
