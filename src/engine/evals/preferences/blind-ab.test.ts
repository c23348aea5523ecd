import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/temp-dir.js';
import { evalQueries } from '../../db/queries/evals.js';
import { Engine } from '../../engine.js';

/**
 * Blind A/B labelling through the engine (real SQLite). The two evals' answers are written with the eval queries
 * (no model needed: what is tested is pairing, blinding, sides, supersession and the win rate).
 */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

async function twoEvals(n: number) {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const file = path.join(dir, 'qa.jsonl');
  fs.writeFileSync(file, Array.from({ length: n }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `Question ${i}?` }, { role: 'assistant', content: `Answer ${i}.` }] })).join('\n') + '\n');
  const versionId = (await engine.call('datasets.import', { path: file, datasetName: 'QA' })).versionId;
  const q = evalQueries(engine.ctx.db!);
  const now = new Date().toISOString();
  for (const [id, good] of [['eval-a', false], ['eval-b', true]] as const) {
    q.insertEval({ id, label: id === 'eval-a' ? 'base' : 'tuned', model_id: `m-${id}`, adapter_ids: '[]', dataset_version_id: versionId, split: 'all', settings: JSON.stringify({ maxTokens: 8, seed: 0, temperature: 0, limit: null }), status: 'done', item_count: n, error: null, created_at: now, finished_at: now, created_by: 'test' });
    for (let i = 0; i < n; i++) {
      q.insertItem({ eval_id: id, position: i, example_hash: `h${i}`, prompt: `Question ${i}?`, reference: `Answer ${i}.`, output: good ? `Answer ${i}.` : `No idea ${i}`, exact: good ? 1 : 0, f1: good ? 1 : 0, rouge_l: good ? 1 : 0, latency_ms: 1, tokens: 3, prompt_tokens: 4, created_at: now });
    }
  }
  return engine;
}

describe('blind A/B preference labelling', () => {
  it('hides the sides, randomises them, supersedes a changed mind, and reports B’s win rate with a Wilson interval', async () => {
    const e = await twoEvals(10);
    const session = await e.call('prefs.create', { aEvalId: 'eval-a', bEvalId: 'eval-b', seed: 3 });
    expect(session).toMatchObject({ total: 10, judged: 0, revealed: false, aEvalId: null, bEvalId: null, label: 'Blind comparison' });
    const sides: string[] = [];
    let next = await e.call('prefs.next', { sessionId: session.id });
    const seen = new Set<number>();
    while (next.pair) {
      const pair = next.pair;
      expect(JSON.stringify(pair)).not.toMatch(/eval-|tuned|base/); // nothing in the pair names a model
      seen.add(pair.position);
      const bIsLeft = pair.left.startsWith('Answer');
      sides.push(bIsLeft ? 'left' : 'right');
      next = await e.call('prefs.judge', { sessionId: session.id, position: pair.position, choice: bIsLeft ? 'left' : 'right' });
    }
    expect(seen.size).toBe(10);
    expect(next.session.judged).toBe(10);
    // Seeded randomisation: B is on both sides, and the same seed gives the same order and sides.
    expect(new Set(sides).size).toBe(2);
    const again = await e.call('prefs.create', { aEvalId: 'eval-a', bEvalId: 'eval-b', seed: 3 });
    expect((await e.call('prefs.next', { sessionId: again.id })).pair!.position).toBe([...seen][0]);

    // A changed mind on one pair: a tie now; still 10 judgements, the newest counts.
    await e.call('prefs.judge', { sessionId: session.id, position: [...seen][0]!, choice: 'tie' });
    const r = await e.call('prefs.results', { sessionId: session.id });
    expect(r).toMatchObject({ n: 10, bWins: 9, aWins: 0, ties: 1, aLabel: 'base', bLabel: 'tuned' });
    expect(r.winRateB).toBeCloseTo(0.95, 10);
    expect(r.low!).toBeGreaterThan(0.6);
    expect(r.high!).toBeLessThanOrEqual(1);
    const listed = (await e.call('prefs.list', {})).sessions.find((s) => s.id === session.id)!;
    expect(listed).toMatchObject({ revealed: true, aEvalId: 'eval-a', bEvalId: 'eval-b' });
    // Judgements are append-only, and the reveal is audited once.
    expect(() => e.ctx.db!.prepare('DELETE FROM preferences').run()).toThrow(/append-only/);
    await e.call('prefs.results', { sessionId: session.id });
    expect((await e.call('audit.list', { actionPrefix: 'preference.session.reveal' })).total).toBe(1);
  });

  it('refuses evals of different data, the same eval twice, and unknown items, with hints', async () => {
    const e = await twoEvals(3);
    await expect(e.call('prefs.create', { aEvalId: 'eval-a', bEvalId: 'eval-a' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    const s = await e.call('prefs.create', { aEvalId: 'eval-a', bEvalId: 'eval-b' });
    await expect(e.call('prefs.judge', { sessionId: s.id, position: 99, choice: 'left' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(e.call('prefs.next', { sessionId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
