import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { atLeastTokens } from '../../../tests/support/forced-output.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

/**
 * What quantisation cost, with real evals on the tiny GGUF: a file registered as a child of the reference model
 * (as an export or conversion registers its quants) is paired item by item with the reference; an unrelated
 * model's eval, and an eval on other data, are left out.
 */
describe('quantisation cost', () => {
  it('pairs the quant evals derived from the reference model and reports deltas, size and speed', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const reference = registerGguf(engine, inject('tinyGguf'), 'tuned · F32');
    const quant = registerGguf(engine, inject('tinyGguf'), 'tuned · Q8_0', 'gguf', reference.id);
    const unrelated = registerGguf(engine, inject('tinyGguf'), 'someone else');
    const file = path.join(dir, 'qa.jsonl');
    fs.writeFileSync(file, ['feeder', 'relay', 'fuse'].map((t) => JSON.stringify({ messages: [{ role: 'user', content: `What is a ${t}?` }, { role: 'assistant', content: `A ${t} is grid equipment.` }] })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'QA' });
    // Answers held to 6 tokens each (the tiny model may otherwise answer with nothing, leaving no speed to report).
    const args = { datasetVersionId: versionId, split: 'all' as const, maxTokens: 6, task: 'structured' as const, jsonSchema: atLeastTokens(6) };
    const ref = await engine.call('evals.start', { modelId: reference.id, ...args });
    const q = await engine.call('evals.start', { modelId: quant.id, ...args });
    await engine.call('evals.start', { modelId: unrelated.id, ...args });

    const cost = await engine.call('evals.quantCost', { referenceEvalId: ref.id });
    expect(cost.reference).toMatchObject({ evalId: ref.id, bytes: fs.statSync(inject('tinyGguf')).size });
    expect(cost.quants.map((x) => x.evalId)).toEqual([q.id]);
    const row = cost.quants[0]!;
    expect(row).toMatchObject({ modelId: quant.id, n: 3, bytes: fs.statSync(inject('tinyGguf')).size });
    expect(row.tokensPerSecond).toBeGreaterThan(0);
    const items = (await engine.call('evals.items', { evalId: q.id })).items;
    expect(items.every((i) => i.tokens >= 1 && i.tokens <= 6)).toBe(true); // ≥ the opening quote; trailing spaces are not reported
    const tokens = items.reduce((s, i) => s + i.tokens, 0);
    expect(row.tokensPerSecond).toBeCloseTo((tokens * 1000) / items.reduce((s, i) => s + i.latencyMs, 0), 6);
    // Same weights, greedy decoding: no quality was lost, and the interval says so.
    for (const m of row.metrics) expect(m).toMatchObject({ delta: 0, low: 0, high: 0 });
    expect(row.metrics.map((m) => m.metric)).toEqual(['exact', 'f1', 'rougeL']);
  }, 120_000);
});
