import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/contract/index.js';
import type { Engine } from '../engine.js';
import { quick, trainingEngine, waitForRun } from './training-test-kit.js';

/** "Reproduce this run" with the real trainer on the tiny model, CPU: the adapter's sha256 must be identical. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

const checked = (r: RunSummary) => r.status === 'failed' || r.events.some((e) => e.kind === 'reproduction_checked');
const done = (r: RunSummary) => r.status === 'completed' || r.status === 'failed';

describe('reproducing a run (real trainer, tiny model, CPU)', () => {
  it('gives a byte-identical adapter, recorded on both runs and in the audit log; another seed does not', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    const started = await engine.call('runs.start', { baseModelDir, datasetVersionId: versionId, ...quick, maxSteps: 3, checkpointEvery: 0, seed: 7, name: 'original' });
    const original = await waitForRun(engine, started.id, done, 180_000);
    expect(original.status).toBe('completed');

    const again = await engine.call('runs.reproduce', { runId: original.id });
    expect(again.config).toMatchObject({ seed: 7 });
    const reproduced = await waitForRun(engine, again.id, checked, 180_000);
    expect(reproduced.status).toBe('completed');
    const verdict = reproduced.events.find((e) => e.kind === 'reproduction_checked')!.data as { identical: boolean; originalSha256: string; reproducedSha256: string };
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ identical: true });
    expect(verdict.reproducedSha256).toBe(verdict.originalSha256);
    expect((await engine.call('runs.get', { runId: original.id })).events.map((e) => e.kind)).toEqual(expect.arrayContaining(['reproduced', 'reproduction_checked']));
    const audit = (await engine.call('audit.list', { actionPrefix: 'run.reproduce' })).entries;
    expect(audit[0]).toMatchObject({ objectId: reproduced.id, details: { identical: true, reproduces: original.id } });

    // Negative control: the same settings with another seed give other weights (the hash can tell them apart).
    const other = await engine.call('runs.retry', { runId: original.id, changes: { seed: 8 } });
    await waitForRun(engine, other.id, (r) => r.status === 'failed' || r.events.some((e) => e.kind === 'adapter_registered'), 180_000);
    const { models } = await engine.call('models.list', {});
    const sha = (runId: string) => models.find((m) => m.runId === runId)?.sha256;
    expect(sha(other.id)).toBeTruthy();
    expect(sha(other.id)).not.toBe(verdict.originalSha256);
  }, 480_000);

  it('refuses to reproduce a run that did not complete, saying why', async () => {
    const { engine, versionId } = await trainingEngine(engines);
    const bad = await engine.call('runs.start', { baseModelDir: '/no/such/model', datasetVersionId: versionId, ...quick });
    await waitForRun(engine, bad.id, (r) => r.status !== 'running' && r.status !== 'queued');
    await expect(engine.call('runs.reproduce', { runId: bad.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/only a completed run/) });
  }, 120_000);
});
