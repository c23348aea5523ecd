import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
import { classificationReport, parseJsonAnswer, structuredReport } from './task-report.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

describe('task reports', () => {
  it('classification: per-label accuracy, precision, recall and macro F1 (hand-computed case)', () => {
    const items = [
      ['Billing', 'billing'], ['billing', 'Billing.'], ['outage', 'billing'], // billing: 2 of 3 right
      ['outage', 'outage'], ['billing', 'outage'], // outage: 1 of 2 right
      ['no idea', 'meter'], // meter: 0 of 1; "no idea" is outside the label set
    ].map(([output, reference]) => ({ output: output!, reference: reference! }));
    const r = classificationReport(items);
    expect(r.accuracy).toBeCloseTo(3 / 6, 10);
    expect(r.outsideLabelSet).toBe(1);
    const by = Object.fromEntries(r.labels.map((l) => [l.label, l]));
    expect(by.billing).toMatchObject({ n: 3, correct: 2, accuracy: 2 / 3, precision: 2 / 3, recall: 2 / 3 });
    expect(by.outage).toMatchObject({ n: 2, correct: 1, precision: 1 / 2, recall: 1 / 2 });
    expect(by.meter).toMatchObject({ n: 1, correct: 0, precision: null, recall: 0, f1: 0 });
    expect(r.macroF1).toBeCloseTo((2 / 3 + 1 / 2 + 0) / 3, 10);
  });

  it('structured: JSON parse rate, schema validity and field accuracy', () => {
    const schema = { type: 'object', properties: { asset: { type: 'string' }, volts: { type: 'number' } }, required: ['asset', 'volts'] };
    const ref = JSON.stringify({ asset: 'Feeder 12', volts: 11000 });
    const r = structuredReport([
      { output: '{"asset": "feeder 12", "volts": 11000}', reference: ref }, // both fields right (case-insensitive text)
      { output: 'Sure: {"asset": "Feeder 9", "volts": 11000} hope that helps', reference: ref }, // JSON inside prose; 1 of 2
      { output: '{"asset": "Feeder 12"}', reference: ref }, // parses, fails the schema; 1 of 2
      { output: 'not json at all', reference: ref },
    ], schema);
    expect(r.parseRate).toBe(3 / 4);
    expect(r.schemaValidRate).toBe(2 / 4);
    expect(r.fieldAccuracy).toBeCloseTo((1 + 0.5 + 0.5) / 3, 10);
    expect(r.fields).toEqual([{ field: 'asset', n: 3, accuracy: 2 / 3 }, { field: 'volts', n: 3, accuracy: 2 / 3 }]);
    expect(parseJsonAnswer('{broken').ok).toBe(false);
    expect(() => structuredReport([], { type: 'no-such-type' })).toThrow(/JSON schema is not valid/);
  });

  it('a structured eval with the schema as a decoding constraint: every answer of the tiny model parses and validates', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const model = registerGguf(engine, inject('tinyGguf'), 'tiny');
    const file = path.join(dir, 'extract.jsonl');
    fs.writeFileSync(file, ['Feeder 12 runs at 11 kV.', 'Relay R7 tripped at noon.', 'Bus B2 was de-energised.'].map((t, i) => JSON.stringify({ messages: [{ role: 'user', content: `Extract the asset: ${t}` }, { role: 'assistant', content: JSON.stringify({ asset: ['Feeder 12', 'Relay R7', 'Bus B2'][i] }) }] })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'Extraction' });
    // A closed set bounds every answer the grammar allows (at most ~40 characters with its whitespace), so even a
    // model that spends one token per character finishes inside maxTokens: parsing is then guaranteed, not lucky.
    const schema = { type: 'object', properties: { asset: { enum: ['Feeder 12', 'Relay R7', 'Bus B2'] } }, required: ['asset'] };
    await expect(engine.call('evals.start', { modelId: model.id, datasetVersionId: versionId, split: 'all', task: 'structured', jsonSchema: { type: 'nope' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect((await engine.call('evals.list', {})).evals).toHaveLength(0); // the bad schema wrote nothing
    const ev = await engine.call('evals.start', { modelId: model.id, datasetVersionId: versionId, split: 'all', task: 'structured', jsonSchema: schema, maxTokens: 64 });
    expect(ev.task).toBe('structured');
    const items = (await engine.call('evals.items', { evalId: ev.id })).items;
    const report = await engine.call('evals.taskReport', { evalId: ev.id });
    expect(report.structured, JSON.stringify(items.map((i) => i.output))).toBeTruthy();
    expect(report.structured, JSON.stringify(items.map((i) => i.output))).toMatchObject({ parseRate: 1, schemaValidRate: 1 });
    expect(report.classification).toBeNull();
  }, 120_000);
});
