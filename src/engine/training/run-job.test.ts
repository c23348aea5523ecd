import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../engine.js';
import { finished, quick, trainingEngine, waitForRun } from './training-test-kit.js';

/** A training run in the job list (real trainer, tiny model, CPU): its steps are the bar, and Cancel is Stop. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

describe('training run as a job', () => {
  it('shows in jobs.list with its step progress and subject; jobs.cancel stops it with a checkpoint', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const run = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 400, checkpointEvery: 0 });
    await new Promise<void>((resolve) => engine.ctx.events.listen('job.progress', (p) => p.jobId === run.id && (p.fraction ?? 0) >= 2 / 400 && resolve()));

    const { running } = await engine.call('jobs.list', {});
    const job = running.find((j) => j.jobId === run.id);
    expect(job).toMatchObject({ kind: 'training.run', state: 'running', cancellable: true, subject: { type: 'run', id: run.id }, message: expect.stringMatching(/^Step \d+ of 400/) });
    expect(job!.fraction).toBeGreaterThan(0);

    await expect(engine.call('jobs.cancel', { jobId: run.id })).resolves.toEqual({ cancelled: true });
    const stopped = await waitForRun(engine, run.id, finished);
    expect(stopped.status).toBe('stopped');
    expect(stopped.checkpoints.length).toBe(1); // Stop's checkpoint: the run can be resumed
    const after = await engine.call('jobs.list', {});
    expect(after.running.map((j) => j.jobId)).not.toContain(run.id);
    expect(after.finished.find((j) => j.jobId === run.id)).toMatchObject({ state: 'cancelled', durationMs: expect.any(Number) });
  }, 180_000);
});
