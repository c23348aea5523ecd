import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AUDIT_FAMILIES, type AuditFamily } from '../../shared/contract/features/audit.js';
import type { Engine } from '../engine.js';
import { finished, quick, trainingEngine, waitForRun } from '../training/training-test-kit.js';

const run = promisify(execFile);
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

/**
 * The audit log covers the whole product, not a demo: a real flow through the engine's handlers (real SQLite, the
 * forked inference host on the tiny GGUF, the Python trainer) must leave entries of every family the Audit page
 * offers, under the action names the features really write. A feature that stops auditing, or renames its
 * actions away from its family, fails here.
 */
describe('audit coverage of a real flow', () => {
  it('imports, edits, reviews, a run, an eval, a refusal, an override and exports are all recorded and found by family', async () => {
    const { engine, dataDir, versionId, baseModelDir } = await trainingEngine(engines); // dataset.import
    const model = (await engine.call('models.import', { path: inject('tinyGguf'), name: 'tiny base' })).model; // model.import
    const split = await engine.call('datasets.curate', { versionId, operation: { op: 'split', seed: 0, validation: 0, test: 0.3 } });
    const v = split.version.id;
    await engine.call('reviews.act', { versionId: v, position: 0, action: 'accept', reviewer: 'ana' });
    const first = (await engine.call('datasets.examples', { versionId: v, offset: 0, limit: 1 })).examples[0]!;
    const edited = JSON.parse(JSON.stringify(first.content).replace(/\.(?=")/, ' (reviewed).')) as typeof first.content;
    await engine.call('reviews.act', { versionId: v, position: 0, action: 'edit', content: edited, reviewer: 'ana', reason: 'house style' });

    // Training: one run starts, a second waits and is cancelled, the first is stopped.
    const a = await engine.call('runs.start', { baseModelDir, datasetVersionId: v, ...quick, maxSteps: 5000, checkpointEvery: 0 });
    const b = await engine.call('runs.start', { baseModelDir, datasetVersionId: v, ...quick });
    await engine.call('runs.cancel', { runId: b.id });
    await engine.call('runs.stop', { runId: a.id });
    await waitForRun(engine, a.id, finished);

    // An eval, then the gate: refused with no criteria, then an override with a written reason.
    await engine.call('evals.start', { modelId: model.id, datasetVersionId: v, limit: 2, maxTokens: 4 });
    const target = { candidate: { modelId: model.id }, baseline: { modelId: model.id } };
    await expect(engine.call('gate.release', { ...target, meaning: 'Approved for release' })).rejects.toMatchObject({ code: 'GATE_FAILED' });
    await engine.call('gate.set', { criteria: [{ kind: 'min-gain', metric: 'f1', points: 5 }] });
    await engine.call('gate.override', { ...target, reason: 'Pilot only: every answer is read by a human.', reviewer: 'R. Diaz' });

    await engine.call('datasets.export', { versionId: v, format: 'openai-chat' });
    const exported = await engine.call('audit.export', { format: 'json' });

    const actions = (family: AuditFamily) => engine.call('audit.list', { family, limit: 1000 }).then((r) => r.entries.map((e) => e.action));
    const expected: Record<AuditFamily, string[]> = {
      import: ['dataset.import', 'model.import'],
      edit: ['dataset.curate.split', 'dataset.review.edit'],
      review: ['dataset.review.accept', 'dataset.review.edit'],
      run: ['run.start', 'run.cancel'],
      eval: ['eval.start', 'eval.finish'],
      release: ['release.refuse', 'gate.criteria.set', 'release.override'],
      override: ['release.override'],
      export: ['dataset.export', 'audit.export'],
      model: ['model.import'],
    };
    expect(Object.keys(expected).sort()).toEqual(Object.keys(AUDIT_FAMILIES).sort()); // a new family needs a case here
    for (const [family, names] of Object.entries(expected) as Array<[AuditFamily, string[]]>) {
      const found = await actions(family);
      expect(found, family).toEqual(expect.arrayContaining(names));
      for (const action of found) expect(AUDIT_FAMILIES[family].some((p) => action.startsWith(p)), `${action} in ${family}`).toBe(true);
    }
    // The run's end is recorded too, whichever way the stopped trainer exited.
    expect((await actions('run')).some((x) => /^run\.(stopped|failed|completed|interrupted)$/.test(x))).toBe(true);
    // The override names its reviewer and reason; the gate's refusal says why.
    const [override] = (await engine.call('audit.list', { family: 'override' })).entries;
    expect(override!.details).toMatchObject({ reviewer: 'R. Diaz', reason: expect.stringMatching(/Pilot only/) });

    // The whole record holds: in the engine, and in the exported file checked by the dependency-free script.
    expect(await engine.call('audit.verify', {})).toMatchObject({ ok: true, firstBroken: null });
    expect(exported.path.startsWith(path.join(dataDir, 'audit-exports'))).toBe(true);
    const script = await run(process.execPath, [path.resolve('scripts/verify-audit-export.mjs'), exported.path]);
    expect(script.stdout).toMatch(/^OK: \d+ entries verified, an unbroken chain from #1/);
  }, 180_000);
});
