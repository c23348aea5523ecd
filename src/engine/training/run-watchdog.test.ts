import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../engine.js';
import { finished, firstMetrics, quick, trainingEngine, waitForRun } from './training-test-kit.js';
import { groupAlive } from './trainer-process.js';

/** Hang and crash detection against the real trainer (torch on CPU, tiny model). */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

const pidOf = (engine: Engine, runId: string) => (engine.ctx.db!.prepare('SELECT pid FROM runs WHERE id = ?').get(runId) as { pid: number }).pid;

describe('trainer watchdog', () => {
  it('kills a trainer that stops talking (SIGSTOP = a hang), marks the run interrupted, and leaves no process behind', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 5000, checkpointEvery: 1, hangTimeoutS: 8 });
    const ready = await waitForRun(engine, started.id, (r) => r.checkpoints.length > 0 || finished(r));
    expect(ready.error, 'the run ended before its first checkpoint').toBeNull();
    const pid = pidOf(engine, started.id);
    const frozenAt = Date.now();
    process.kill(pid, 'SIGSTOP');
    const run = await waitForRun(engine, started.id, finished, 60_000);
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(7_000);
    expect(run.status).toBe('interrupted');
    expect(run.error?.code).toBe('trainer_hung');
    expect(run.error?.message).toMatch(/sent nothing for \d+ s/);
    expect(run.stderrTail).toBeTruthy();
    expect(run.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['started', 'heartbeat_lost']));
    expect(groupAlive(pid)).toBe(false);
    // A hung run keeps its checkpoints and resumes from the last one.
    expect(run.checkpoints.length).toBeGreaterThan(0);
    const resumed = await engine.call('runs.resume', { runId: run.id });
    expect(resumed.status).toBe('running');
    await firstMetrics(engine, run.id);
    await engine.call('runs.stop', { runId: run.id });
    const stopped = await waitForRun(engine, run.id, finished);
    expect(stopped.status).toBe('stopped');
  }, 180_000);

  it('a trainer killed with -9 becomes interrupted with the reason, and its process group is gone', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 5000 });
    await firstMetrics(engine, started.id);
    const pid = pidOf(engine, started.id);
    process.kill(pid, 'SIGKILL');
    const run = await waitForRun(engine, started.id, finished);
    expect(run.status).toBe('interrupted');
    expect(run.error).toMatchObject({ code: 'trainer_exited' });
    expect(run.error?.hint).toMatch(/resume/i);
    expect(groupAlive(pid)).toBe(false);
    const audit = (await engine.call('audit.list', { actionPrefix: 'run.' })).entries.map((e) => e.action);
    expect(audit).toContain('run.interrupted');
  }, 180_000);

  it('records the trainer\'s out-of-memory fallback as a run event (fake OOM at step 2, via the trainer\'s test hook)', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    process.env.LATHE_TRAINER_FAKE_OOM_AT_STEP = '2';
    let started;
    try {
      started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 3, microBatchSize: 4, checkpointEvery: 0 });
    } finally {
      delete process.env.LATHE_TRAINER_FAKE_OOM_AT_STEP;
    }
    const run = await waitForRun(engine, started.id, finished);
    expect(run.status).toBe('completed');
    const oom = run.events.find((e) => e.kind === 'oom_fallback');
    expect(oom?.message).toMatch(/micro-batch of 4/);
    expect(oom?.data).toMatchObject({ step: 2, micro_batch: 2, grad_accum: 2 });
  }, 120_000);
});
