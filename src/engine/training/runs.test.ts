import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';
import { hostBoot, processStart } from '../process-identity.js';

/** The job manager against the real Python trainer (torch on CPU) and the tiny model. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

const sample = path.resolve('resources/samples/northwind-qa.jsonl');

async function setup(dataDir = path.join(tempDir(), 'data')) {
  const engine = Engine.open({ dataDir, mode: 'test' });
  engines.push(engine);
  const imported = await engine.call('datasets.import', { path: sample, datasetName: 'northwind' });
  const baseModelDir = path.join(path.dirname(inject('tinyGguf')), 'hf');
  return { engine, dataDir, versionId: imported.versionId, baseModelDir };
}

function waitFor(engine: Engine, runId: string, done: (r: RunSummary) => boolean, timeoutMs = 120_000): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not reach the state in time`)), timeoutMs);
    const check = (r: RunSummary) => {
      if (r.id === runId && done(r)) {
        clearTimeout(timer);
        stop();
        resolve(r);
      }
    };
    const stop = engine.ctx.events.listen('run.updated', check);
    void engine.call('runs.get', { runId }).then(check);
  });
}

const quick = { maxSteps: 6, lr: 0.01, loraRank: 4, maxSeqLen: 256, microBatchSize: 2, gradAccum: 1, checkpointEvery: 2, device: 'cpu' as const };

describe('training runs (real trainer, tiny model, CPU)', () => {
  it('runs to completion, storing metrics, checkpoints, the adapter and audit entries', async () => {
    const { engine, versionId, baseModelDir } = await setup();
    const live: number[] = [];
    engine.ctx.events.listen('run.metrics', (m) => live.push(m.step));
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, keepCheckpoints: 2 });
    expect(started.status).toBe('running');
    const run = await waitFor(engine, started.id, (r) => r.status !== 'running');
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    // Keep the newest 2 (no validation set here, so no "best" to spare): step 2 was pruned, on disk and in the list.
    expect(run.checkpoints.map((c) => c.step)).toEqual([4, 6]);
    expect(fs.readdirSync(path.join(run.outputDir, 'checkpoints')).sort()).toEqual(['step-000004', 'step-000006']);
    expect(run.events.find((e) => e.kind === 'checkpoints_pruned')?.message).toBe('Removed the checkpoint of step 2: keeping the newest 2.');
    expect(fs.existsSync(path.join(run.outputDir, 'adapter', 'adapter_model.safetensors'))).toBe(true);
    const { series } = await engine.call('runs.metrics', { runId: run.id });
    expect(series.loss!.map(([step]) => step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(live).toEqual([1, 2, 3, 4, 5, 6]);
    const actions = (await engine.call('audit.list', { actionPrefix: 'run.' })).entries.map((e) => e.action);
    expect(actions).toEqual(['run.completed', 'run.start']);
  }, 180_000);

  it('stops with a checkpoint on request and resumes to the end', async () => {
    const { engine, versionId, baseModelDir } = await setup();
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 400, checkpointEvery: 0 });
    await new Promise<void>((resolve) => engine.ctx.events.listen('run.metrics', (m) => m.runId === started.id && m.step >= 2 && resolve()));
    await expect(engine.call('runs.stop', { runId: started.id })).resolves.toEqual({ stopping: true });
    const stopped = await waitFor(engine, started.id, (r) => r.status !== 'running');
    expect(stopped.status).toBe('stopped');
    expect(stopped.checkpoints.length).toBe(1);
    const at = stopped.checkpoints[0]!.step;
    await engine.call('runs.resume', { runId: started.id });
    const resumed = await new Promise<number>((resolve) => engine.ctx.events.listen('run.metrics', (m) => m.runId === started.id && resolve(m.step)));
    expect(resumed).toBe(at + 1);
    await engine.call('runs.stop', { runId: started.id });
    await waitFor(engine, started.id, (r) => r.status !== 'running');
  }, 180_000);

  it('marks a run interrupted when its trainer dies, and reconciles a stale "running" run after a restart', async () => {
    const { engine, dataDir, versionId, baseModelDir } = await setup();
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 400 });
    await new Promise<void>((resolve) => engine.ctx.events.listen('run.metrics', (m) => m.runId === started.id && resolve()));
    const pid = (engine.ctx.db!.prepare('SELECT pid FROM runs WHERE id = ?').get(started.id) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL');
    const dead = await waitFor(engine, started.id, (r) => r.status !== 'running');
    expect(dead.status).toBe('interrupted');
    expect(dead.error?.message).toMatch(/killed by SIGKILL/);
    expect(dead.events.map((e) => e.kind)).toContain('crashed');

    // A run left "running" by an engine that died (no live pid) is marked interrupted by the next engine.
    engine.ctx.db!.prepare("UPDATE runs SET status = 'running', pid = 999999 WHERE id = ?").run(started.id);
    const next = Engine.open({ dataDir, mode: 'test' });
    engines.push(next);
    const run = await next.call('runs.get', { runId: started.id });
    expect(run.status).toBe('interrupted');
    expect(run.error?.hint).toMatch(/Resume/);
    expect(run.events.at(-1)?.kind).toBe('reconciled');
    const audited = next.ctx.db!.prepare("SELECT action FROM audit_log WHERE object_id = ? ORDER BY seq").all(started.id) as Array<{ action: string }>;
    // One for the killed trainer (seen by the live engine), one for the reconciliation by the next engine.
    expect(audited.filter((a) => a.action === 'run.interrupted')).toHaveLength(2);

    // A pid that is alive but is not the trainer (reused after a reboot, or after wrapping around): this test's own
    // process, recorded with another boot, then with another start time. kill(pid, 0) alone said "running".
    for (const [boot, start] of [['a-boot-before-the-reboot', processStart(process.pid)], [hostBoot(), 'another-start-time']]) {
      next.ctx.db!.prepare("UPDATE runs SET status = 'running', pid = ?, pid_boot = ?, pid_start = ? WHERE id = ?").run(process.pid, boot, start, started.id);
      const again = Engine.open({ dataDir, mode: 'test' });
      engines.push(again);
      expect((await again.call('runs.get', { runId: started.id })).status).toBe('interrupted');
    }
  }, 180_000);

  it('refuses a missing dataset version and reports trainer config errors as a failed run', async () => {
    const { engine, versionId } = await setup();
    await expect(engine.call('runs.start', { baseModelDir: '/nope', datasetVersionId: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = await engine.call('runs.start', { baseModelDir: '/no/such/model', datasetVersionId: versionId, ...quick });
    const run = await waitFor(engine, bad.id, (r) => r.status !== 'running');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'base_model_missing' });
  }, 120_000);

  it('trains on a recipe: a chat version and a document version mixed by ratio', async () => {
    const { engine, versionId, baseModelDir } = await setup();
    const docs = await engine.call('datasets.importDocuments', { path: path.resolve('resources/samples/corpus/northwind-01-company-and-grid.txt'), datasetName: 'manual' });
    const started = await engine.call('runs.start', {
      baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 3, checkpointEvery: 0,
      recipe: [{ datasetVersionId: versionId, ratio: 1 }, { datasetVersionId: docs.versionId, ratio: 1 }],
    });
    expect(started.config.recipe).toEqual([expect.objectContaining({ kind: 'chat', ratio: 1 }), expect.objectContaining({ kind: 'text', ratio: 1 })]);
    expect(started.config.data).toEqual({ validation: null });
    const run = await waitFor(engine, started.id, (r) => r.status !== 'running' && r.status !== 'queued');
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    await expect(engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, recipe: [{ datasetVersionId: 'missing', ratio: 1 }] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 120_000);
});
