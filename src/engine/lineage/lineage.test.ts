import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
import { quick, trainingEngine, waitForRun } from '../training/training-test-kit.js';

/** Lineage over a real chain: import → curate → CPU training run → adapter → GGUF → eval → release. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

describe('lineage', () => {
  it('walks upstream to the base model, data versions and run, and downstream to evals and releases, with hashes', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const split = await engine.call('datasets.curate', { versionId, operation: { op: 'split', seed: 0, validation: 0, test: 0.25 } });
    const base = (await engine.call('models.import', { path: baseModelDir, name: 'tiny base' })).model;
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: split.version.id, ...quick, maxSteps: 2, checkpointEvery: 0, name: 'lineage run' });
    const run = await waitForRun(engine, started.id, (r) => r.status === 'completed' || r.status === 'failed', 180_000);
    expect(run.status).toBe('completed');
    const adapter = (await engine.call('models.list', {})).models.find((m) => m.runId === run.id)!;
    const gguf = registerGguf(engine, inject('tinyGguf'), 'lineage run · Q8_0', 'gguf', adapter.id);
    const ev = await engine.call('evals.start', { modelId: gguf.id, datasetVersionId: split.version.id, split: 'test', limit: 2, maxTokens: 4 });
    await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });
    const { release } = await engine.call('gate.release', { meaning: 'Approved for release', candidate: { modelId: gguf.id, adapterIds: [] }, baseline: { modelId: gguf.id, adapterIds: [] } });

    // From the adapter (a middle node): its run, the base and both data versions upstream; GGUF, eval, release downstream.
    const g = await engine.call('lineage.get', { kind: 'model', id: adapter.id });
    const find = (kind: string, id: string) => g.nodes.find((n) => n.kind === kind && n.id === id);
    expect(find('run', run.id)).toMatchObject({ depth: -1, facts: expect.arrayContaining([{ label: 'Seed', value: '0' }]) });
    expect(find('model', base.id)).toMatchObject({ depth: -2, hash: base.sha256, sub: 'base' });
    expect(find('version', split.version.id)).toMatchObject({ depth: -2, sub: 'split' });
    expect(find('version', versionId)).toMatchObject({ depth: -3, sub: 'import' });
    expect(find('model', gguf.id)?.depth).toBe(1);
    expect(find('eval', ev.id)?.depth).toBe(2);
    expect(find('release', release.id)?.depth).toBe(3);
    expect(g.edges, JSON.stringify(g.edges)).toEqual(expect.arrayContaining([
      { from: `version:${versionId}`, to: `version:${split.version.id}`, label: 'split' },
      { from: `run:${run.id}`, to: `model:${adapter.id}`, label: 'produced' },
      { from: `model:${base.id}`, to: `run:${run.id}`, label: 'base model' },
    ]));
    // Not sideways: the import version's other descendants (e.g. the base model's evals) are not in the adapter's lineage.
    expect(g.nodes.every((n) => n.kind !== 'version' || n.depth < 0)).toBe(true);

    // Clicking through: from the import version, the run and the adapter are downstream.
    const fromData = await engine.call('lineage.get', { kind: 'version', id: versionId });
    expect(fromData.nodes.find((n) => n.id === adapter.id)?.depth).toBeGreaterThan(0);
    expect(fromData.nodes.find((n) => n.id === release.id)).toBeTruthy();
    await expect(engine.call('lineage.get', { kind: 'run', id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const small = await engine.call('lineage.get', { kind: 'version', id: versionId, limit: 10 });
    expect(small.nodes.length).toBeLessThanOrEqual(10);
  }, 240_000);
});
