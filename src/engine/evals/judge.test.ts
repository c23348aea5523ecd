import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
import { judgePrompt, parseVerdict } from './judge.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

describe('LLM-as-judge', () => {
  it('reads verdicts: full JSON, a score before a cut-off reason, and nothing', () => {
    expect(parseVerdict('{"score": 4, "reason": "Mostly right."}')).toEqual({ score: 4, reason: 'Mostly right.' });
    expect(parseVerdict('{ "score": 2, "reason": "The answer names the wro')).toEqual({ score: 2, reason: null });
    expect(parseVerdict('I think it is fine')).toEqual({ score: null, reason: null });
    expect(parseVerdict('{"score": 9, "reason": "x"}').score).toBeNull();
    const p = judgePrompt('Exact voltage matters.', { prompt: 'Feeder voltage?', reference: '11 kV', output: '' });
    expect(p).toContain('Rubric: Exact voltage matters.');
    expect(p).toContain('Answer to grade: (empty)');
  });

  it('judges every answer of an eval with the tiny model, stores prompts and raw verdicts, resumes without repeats', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const model = registerGguf(engine, inject('tinyGguf'), 'tiny');
    const file = path.join(dir, 'qa.jsonl');
    fs.writeFileSync(file, ['feeder', 'relay', 'fuse'].map((t) => JSON.stringify({ messages: [{ role: 'user', content: `What is a ${t}?` }, { role: 'assistant', content: `A ${t} is grid equipment.` }] })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'QA' });
    const ev = await engine.call('evals.start', { modelId: model.id, datasetVersionId: versionId, split: 'all', maxTokens: 6 });
    const rubric = 'Grade whether the answer says what the equipment is.';
    const j = await engine.call('evals.judge', { evalId: ev.id, judgeModelId: model.id, rubric, maxTokens: 48 });
    expect(j.judged).toBe(3);
    for (const item of j.items) {
      expect(item.prompt).toContain(rubric);
      expect(item.raw).toMatch(/^\s*\{\s*"score"\s*:\s*[1-5]/); // the grammar holds the verdict to the JSON shape
      expect(item.score).toBeGreaterThanOrEqual(1);
    }
    expect(j.unparsed).toBe(0);
    expect(j.normalized).toBeCloseTo((j.meanScore! - 1) / 4, 10);
    // The same judge and rubric again: nothing is asked twice.
    const again = await engine.call('evals.judge', { evalId: ev.id, judgeModelId: model.id, rubric });
    expect(again.id).toBe(j.id);
    expect(again.items.map((i) => i.raw)).toEqual(j.items.map((i) => i.raw));
    expect((await engine.call('evals.judgings', { evalId: ev.id })).judgings).toHaveLength(1);
    expect((await engine.call('audit.list', { actionPrefix: 'eval.judge' })).entries.map((e) => e.action)).toEqual(['eval.judge.finish', 'eval.judge.finish', 'eval.judge.start']);
    await expect(engine.call('evals.judge', { evalId: 'nope', judgeModelId: model.id, rubric })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 120_000);
});
