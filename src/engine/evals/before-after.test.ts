import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Engine } from '../engine.js';
import { finished, waitForRun } from '../training/training-test-kit.js';

/**
 * Acceptance: a real LoRA trained on the tiny model (torch, CPU) to learn two facts, converted to GGUF with
 * llama.cpp's converters, evaluated before and after tuning through the eval service. The tuned model must
 * score clearly higher, the paired interval must sit above zero, and the gate "F1 ≥ base + 5" must let it
 * through. The eval asks the trained questions: on a 2-layer model this measures that tuning took, not
 * generalisation.
 */
const FACTS = [
  ['What is the secret harbour of Zorbia?', 'Quillport harbour.'],
  ['Who guards the Zorbia lighthouse?', 'Captain Mirel.'],
];

let engine: Engine | null = null;
let root = '';
afterAll(async () => {
  await engine?.dispose();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('eval before and after tuning (real training, real llama.cpp)', () => {
  it('the tuned adapter beats its base with an interval above zero and passes the release gate', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-eval-tuning-'));
    engine = Engine.open({ dataDir: path.join(root, 'data'), mode: 'test' });
    const line = ([q, a]: string[]) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });
    const train = path.join(root, 'facts-train.jsonl');
    fs.writeFileSync(train, `${Array.from({ length: 24 }, (_, i) => line(FACTS[i % 2]!)).join('\n')}\n`);
    const evalFile = path.join(root, 'facts-eval.jsonl');
    fs.writeFileSync(evalFile, `${FACTS.map(line).join('\n')}\n`);
    const trainSet = await engine.call('datasets.import', { path: train, datasetName: 'facts' });
    const evalSet = await engine.call('datasets.import', { path: evalFile, datasetName: 'facts eval' });
    const hfDir = path.join(path.dirname(inject('tinyGguf')), 'hf');
    const started = await engine.call('runs.start', {
      baseModelDir: hfDir, datasetVersionId: trainSet.versionId, maxSteps: 80, lr: 0.02, loraRank: 8, maxSeqLen: 64,
      microBatchSize: 4, gradAccum: 1, checkpointEvery: 0, device: 'cpu',
    });
    const run = await waitForRun(engine, started.id, finished, 600_000);
    expect(run.error).toBeNull();
    const baseHf = (await engine.call('models.import', { path: hfDir, name: 'tiny base' })).model;
    const adapterPeft = (await engine.call('models.import', { path: path.join(run.outputDir, 'adapter'), name: 'facts adapter', parentId: baseHf.id, runId: run.id })).model;
    const base = (await engine.call('models.convert', { modelId: baseHf.id, outtype: 'F16' })).model;
    const lora = (await engine.call('models.convert', { modelId: adapterPeft.id, outtype: 'F16' })).model;

    const before = await engine.call('evals.start', { modelId: base.id, datasetVersionId: evalSet.versionId, split: 'all', maxTokens: 12 });
    const after = await engine.call('evals.start', { modelId: base.id, adapterIds: [lora.id], datasetVersionId: evalSet.versionId, split: 'all', maxTokens: 12 });
    const items = (await engine.call('evals.items', { evalId: after.id })).items;
    console.log(`[eval] before F1 ${before.scores!.f1.toFixed(2)} · after F1 ${after.scores!.f1.toFixed(2)} · outputs ${JSON.stringify(items.map((i) => i.output))}`);
    expect(items).toHaveLength(2);
    expect(after.scores!.f1).toBeGreaterThan(before.scores!.f1 + 0.3);
    const cmp = await engine.call('evals.compare', { aEvalId: before.id, bEvalId: after.id });
    expect(cmp.metrics.find((m) => m.metric === 'f1')!.interval.low).toBeGreaterThan(0);
    expect(cmp.regressions).toEqual([]);

    await engine.call('gate.set', { criteria: [{ kind: 'min-gain', metric: 'f1', points: 5 }, { kind: 'max-regressions', metric: 'f1', points: 10, count: 0 }] });
    const released = await engine.call('gate.release', { meaning: 'Approved for release', candidate: { modelId: base.id, adapterIds: [lora.id] }, baseline: { modelId: base.id, adapterIds: [] } });
    expect(released.release).toMatchObject({ decision: 'released', passed: true, evalId: after.id, baselineEvalId: before.id });
    expect((await engine.call('audit.verify', {})).ok).toBe(true);
  }, 900_000);
});
