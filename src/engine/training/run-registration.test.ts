import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/contract/index.js';
import type { Engine } from '../engine.js';
import { hashModelFiles } from '../models/model-hash.js';
import { inspectModelPath } from '../models/model-inspect.js';
import { quick, trainingEngine, waitForRun } from './training-test-kit.js';

/** A completed run's adapter joins the model registry by itself (real trainer, tiny model, CPU). */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

// "completed" is announced only after the registration: waiting for it must be enough to find the model.
const registered = (r: RunSummary) => r.status === 'completed' || r.status === 'failed' || r.status === 'interrupted';

async function expectedSha(dir: string): Promise<string> {
  const i = inspectModelPath(dir);
  return (await hashModelFiles(i.path, i.files)).sha256;
}

describe('registering a finished run in the model registry', () => {
  it('registers the adapter under an already registered base, with run_id, sha256 and an audit entry', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    // Registered as a copy: matched through the folder it was imported from, not only its stored path.
    const base = (await engine.call('models.import', { path: baseModelDir, copy: true, name: 'tiny base' })).model;
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 2, checkpointEvery: 0, name: 'reg run' });
    const run = await waitForRun(engine, started.id, registered, 180_000);
    expect(run.status).toBe('completed');
    const event = run.events.find((e) => e.kind === 'adapter_registered');
    expect(event?.message).toBe('Registered as model reg run.');
    const { models } = await engine.call('models.list', {});
    const adapter = models.find((m) => m.runId === run.id);
    expect(adapter).toMatchObject({ kind: 'adapter', format: 'peft', parentId: base.id, name: 'reg run', path: path.join(run.outputDir, 'adapter') });
    expect(adapter!.sha256).toBe(await expectedSha(path.join(run.outputDir, 'adapter')));
    expect((event!.data as { modelId: string }).modelId).toBe(adapter!.id);
    expect(models.filter((m) => m.kind === 'base')).toHaveLength(1);
    const audit = (await engine.call('audit.list', { actionPrefix: 'model.' })).entries;
    expect(audit.map((e) => e.objectId)).toContain(adapter!.id);
  }, 240_000);

  it('registers an unregistered base model too, so the adapter has a parent', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 2, checkpointEvery: 0 });
    const run = await waitForRun(engine, started.id, registered, 180_000);
    const { models } = await engine.call('models.list', {});
    const base = models.find((m) => m.kind === 'base');
    expect(base).toMatchObject({ format: 'hf', sha256: await expectedSha(baseModelDir) });
    expect(models.find((m) => m.runId === run.id)).toMatchObject({ kind: 'adapter', parentId: base!.id });
  }, 240_000);

  it('a failed run registers nothing', async () => {
    const { engine, versionId } = await trainingEngine(engines);
    const bad = await engine.call('runs.start', { baseModelDir: '/no/such/model', datasetVersionId: versionId, ...quick });
    const run = await waitForRun(engine, bad.id, (r) => r.status !== 'running' && r.status !== 'queued');
    expect(run.status).toBe('failed');
    expect((await engine.call('models.list', {})).models).toEqual([]);
  }, 120_000);
});
