import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../engine.js';
import { finished, firstMetrics, quick, trainingEngine, waitForRun } from './training-test-kit.js';

/** The job queue against the real trainer: one CPU job at a time, cancel, retry with new settings, restart. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

describe('training job queue', () => {
  it('runs one CPU job at a time: the second waits as queued, then runs when the first is done', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const a = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, name: 'first' });
    const b = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, name: 'second' });
    expect(a.status).toBe('running');
    expect(b).toMatchObject({ status: 'queued', queuePosition: 1, slot: 'cpu' });
    expect(b.events.map((e) => e.kind)).toEqual(['estimated', 'queued']); // queued with its estimate (run-estimate.ts)
    const statuses: string[] = [];
    engine.ctx.events.listen('run.updated', (r) => r.id === b.id && statuses.at(-1) !== r.status && statuses.push(r.status));
    const doneA = await waitForRun(engine, a.id, finished);
    const doneB = await waitForRun(engine, b.id, finished);
    expect([doneA.status, doneB.status]).toEqual(['completed', 'completed']);
    expect(statuses).toEqual(expect.arrayContaining(['running', 'completed']));
    // B started only after A finished.
    const aDone = doneA.events.find((e) => e.kind === 'completed')!.at;
    const bStart = doneB.events.find((e) => e.kind === 'started')!.at;
    expect(bStart >= aDone).toBe(true);
  }, 240_000);

  it('cancels a queued run, and retries a stopped run with new settings as a linked new run', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const a = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 5000, checkpointEvery: 0 });
    const b = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick });
    expect(b.status).toBe('queued');
    const cancelled = await engine.call('runs.cancel', { runId: b.id });
    expect(cancelled.status).toBe('stopped');
    expect(cancelled.error?.code).toBe('cancelled');
    await expect(engine.call('runs.cancel', { runId: b.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(engine.call('runs.retry', { runId: a.id, changes: {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: /still running/ });

    await firstMetrics(engine, a.id);
    await engine.call('runs.stop', { runId: a.id });
    await waitForRun(engine, a.id, finished);
    await expect(engine.call('runs.retry', { runId: a.id, changes: { maxSteps: -3 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: /maxSteps/ });
    const retry = await engine.call('runs.retry', { runId: a.id, changes: { maxSteps: 3, lr: 0.02 } });
    expect(retry.retryOf).toBe(a.id);
    expect(retry.config).toMatchObject({ max_steps: 3, lr: 0.02, lora: { rank: 4 } });
    const done = await waitForRun(engine, retry.id, finished);
    expect(done.status).toBe('completed');
    const old = await engine.call('runs.get', { runId: a.id });
    expect(old.events.map((e) => e.kind)).toContain('retried');
    const actions = (await engine.call('audit.list', { actionPrefix: 'run.' })).entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['run.cancel', 'run.stopped', 'run.completed']));
  }, 240_000);

  it('retries a failed run with any setting changed, the base model and the data included; a null drops a setting', async () => {
    const { engine, dataDir, versionId, baseModelDir } = await trainingEngine(engines);
    const missing = path.join(dataDir, 'no-such-model');
    const failed = await waitForRun(engine, (await engine.call('runs.start', { baseModelDir: missing, datasetVersionId: versionId, ...quick, maxSteps: 2, packing: true, name: 'wrong folder' })).id, finished);
    expect(failed.status).toBe('failed');
    // The summary carries the settings it was started with: what the Train form fills in for a retry.
    expect(failed.startArgs).toMatchObject({ baseModelDir: missing, datasetVersionId: versionId, maxSteps: 2, packing: true, name: 'wrong folder' });
    const split = await engine.call('datasets.curate', { versionId, operation: { op: 'split', seed: 0, validation: 0.2, test: 0 } });
    const retry = await engine.call('runs.retry', { runId: failed.id, changes: { baseModelDir, datasetVersionId: split.version.id, packing: null } });
    expect(retry).toMatchObject({ retryOf: failed.id, name: 'wrong folder (retry)', datasetVersionId: split.version.id, baseModel: baseModelDir });
    expect(retry.startArgs).toMatchObject({ baseModelDir, datasetVersionId: split.version.id, maxSteps: 2 });
    expect(retry.startArgs).not.toHaveProperty('packing');
    expect((await waitForRun(engine, retry.id, finished)).status).toBe('completed');
  }, 240_000);

  it('keeps the queue across an engine restart and starts it again', async () => {
    const { engine, dataDir, versionId, baseModelDir } = await trainingEngine(engines);
    const a = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 5000 });
    const b = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 2, checkpointEvery: 0 });
    expect(b.status).toBe('queued');
    await firstMetrics(engine, a.id);
    await engine.dispose(); // stops A with a checkpoint; B stays queued on disk
    engines = [];
    const next = Engine.open({ dataDir, mode: 'test' });
    engines.push(next);
    expect((await next.call('runs.get', { runId: a.id })).status).toBe('stopped');
    const done = await waitForRun(next, b.id, finished);
    expect(done.status).toBe('completed');
  }, 240_000);
});
