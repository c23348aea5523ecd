import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/temp-dir.js';
import type { ExampleContent } from '../../../shared/contract/features/datasets.js';
import { ROLE_PERMISSIONS } from '../../../shared/contract/roles.js';
import { runInScope, type Principal } from '../../auth/call-scope.js';
import { evalQueries } from '../../db/queries/evals.js';
import { playgroundQueries } from '../../db/queries/playground.js';
import { Engine } from '../../engine.js';
import { toTrainerLines } from '../../training/materialize.js';

/**
 * Feedback made inside Lathe becomes preference pairs with provenance (real SQLite, real handlers). The two evals'
 * answers and the playground's model answer are written with the queries: no model is needed to test the pairing.
 */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

async function setup() {
  const dir = tempDir();
  const e = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  engine = e;
  const file = path.join(dir, 'qa.jsonl');
  fs.writeFileSync(file, Array.from({ length: 4 }, (_, i) => JSON.stringify({ messages: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: `Feeder ${i} voltage?` }, { role: 'assistant', content: `Feeder ${i} runs at 11 kV.` }] })).join('\n') + '\n');
  const qa = await e.call('datasets.import', { path: file, datasetName: 'QA' });
  const hashes = (await e.call('datasets.examples', { versionId: qa.versionId })).examples.map((x) => x.contentHash);
  const q = evalQueries(e.ctx.db!);
  const now = new Date().toISOString();
  for (const [id, good] of [['eval-a', false], ['eval-b', true]] as const) {
    q.insertEval({ id, label: id, model_id: `m-${id}`, adapter_ids: '[]', dataset_version_id: qa.versionId, split: 'all', settings: '{}', status: 'done', item_count: 4, error: null, created_at: now, finished_at: now, created_by: 'test' });
    for (let i = 0; i < 4; i++) {
      q.insertItem({ eval_id: id, position: i, example_hash: hashes[i]!, prompt: `Feeder ${i} voltage?`, reference: '', output: good ? `Feeder ${i} runs at 11 kV.` : `Feeder ${i} runs at 400 V.`, exact: 0, f1: 0, rouge_l: 0, latency_ms: 1, tokens: 3, prompt_tokens: 4, created_at: now });
    }
  }
  return { e, qa };
}

/** Judges every pair of a fresh session: B wins items 0-1, a tie on 2, and item 3 as `last`. */
async function judgeAll(e: Engine, last: 'b' | 'a' | 'tie') {
  const session = await e.call('prefs.create', { aEvalId: 'eval-a', bEvalId: 'eval-b', seed: 1 });
  let next = await e.call('prefs.next', { sessionId: session.id });
  while (next.pair) {
    const p = next.pair;
    const want = p.position < 2 ? 'b' : p.position === 2 ? 'tie' : last;
    const bIsLeft = p.left.includes('11 kV');
    const choice = want === 'tie' ? 'tie' : (want === 'b') === bIsLeft ? 'left' : 'right';
    next = await e.call('prefs.judge', { sessionId: session.id, position: p.position, choice });
  }
  return session.id;
}

describe('preference pairs from feedback', () => {
  it('turns A/B winners, a playground correction and a review edit into a preference version with provenance', async () => {
    const { e, qa } = await setup();
    const sessionId = await judgeAll(e, 'b');

    // A playground answer, corrected through the real handler.
    const pq = playgroundQueries(e.ctx.db!);
    const now = new Date().toISOString();
    pq.insertConversation({ id: 'conv-1', title: 't', mode: 'single', system: 'Be exact.', settings: '{}', targets: '[]', created_at: now, updated_at: now, created_by: 'test' });
    pq.appendMessage({ id: 'm-user', conversation_id: 'conv-1', lane: null, role: 'user', content: 'Who signs a permit?', model_id: null, adapter_ids: '[]', stats: null, corrected_version_id: null, created_at: now });
    pq.appendMessage({ id: 'm-answer', conversation_id: 'conv-1', lane: 0, role: 'assistant', content: 'Anyone on shift.', model_id: 'm', adapter_ids: '[]', stats: null, corrected_version_id: null, created_at: now });
    await e.call('playground.saveCorrection', { conversationId: 'conv-1', messageId: 'm-answer', correctedText: 'The shift supervisor.', datasetId: qa.datasetId });

    // A review edit of the last answer of example 0.
    await e.call('reviews.act', { versionId: qa.versionId, position: 0, action: 'edit', content: { kind: 'chat', messages: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: 'Feeder 0 voltage?' }, { role: 'assistant', content: 'Feeder 0 runs at 11 kV (measured 2026).' }] } });

    expect(await e.call('prefs.feedback', {})).toEqual({ abJudgements: 3, corrections: 1, reviewEdits: 1, ties: 1, disagreements: 0, unusable: 0 });
    const made = await e.call('prefs.makeDataset', { datasetName: 'Northwind preferences' });
    expect(made.added).toBe(5);
    expect(made.version).toMatchObject({ number: 1, parentId: null, operation: 'preferences-from-feedback', exampleCount: 5, params: { counts: { abJudgements: 3, corrections: 1, reviewEdits: 1, ties: 1 } } });
    const rows = (await e.call('datasets.examples', { versionId: made.version.id })).examples;
    const bySource = Object.fromEntries(rows.map((r) => [r.source.split(':')[0]!, r.content as ExampleContent]));
    expect(rows.filter((r) => r.source.startsWith(`ab:${sessionId}:`)).length).toBe(3);
    // The A/B pair keeps the source conversation's system prompt; the winner (B) is chosen.
    expect(rows.find((r) => r.source === `ab:${sessionId}:item 1`)!.content).toEqual({
      kind: 'preference',
      prompt: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: 'Feeder 0 voltage?' }],
      chosen: [{ role: 'assistant', content: 'Feeder 0 runs at 11 kV.' }],
      rejected: [{ role: 'assistant', content: 'Feeder 0 runs at 400 V.' }],
    });
    expect(bySource.playground).toEqual({
      kind: 'preference',
      prompt: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: 'Who signs a permit?' }],
      chosen: [{ role: 'assistant', content: 'The shift supervisor.' }],
      rejected: [{ role: 'assistant', content: 'Anyone on shift.' }],
    });
    expect(bySource.review).toMatchObject({ chosen: [{ content: 'Feeder 0 runs at 11 kV (measured 2026).' }], rejected: [{ content: 'Feeder 0 runs at 11 kV.' }] });
    expect((await e.call('audit.list', { actionPrefix: 'dataset.preferences' })).entries[0]).toMatchObject({ objectId: made.version.id, details: { dataset: 'Northwind preferences', examples: 5 } });
    // The version trains DPO directly.
    const line = JSON.parse(toTrainerLines(bySource.playground!, 'dpo', 'x')[0]!);
    expect(line).toEqual({ prompt: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: 'Who signs a permit?' }], chosen: [{ role: 'assistant', content: 'The shift supervisor.' }], rejected: [{ role: 'assistant', content: 'Anyone on shift.' }] });
  });

  it('skips items whose judges disagree, says when there is nothing new, and adds only new pairs to an existing dataset', async () => {
    const { e } = await setup();
    const sessionId = await judgeAll(e, 'b');
    const first = await e.call('prefs.makeDataset', { datasetName: 'prefs', corrections: false, reviewEdits: false });
    expect(first.added).toBe(3);
    // A second judge on the same session prefers A on item 0: the two disagree, so that item gives no pair.
    // The engine knows who calls from the call's scope (team mode's session), never from its arguments.
    const secondJudge: Principal = { userId: 2, name: 'second-judge', role: 'labeller', permissions: new Set(ROLE_PERMISSIONS.labeller) };
    const asSecondJudge = <T>(call: () => Promise<T>) => runInScope(() => secondJudge, call);
    const pair0 = (await asSecondJudge(() => e.call('prefs.next', { sessionId }))).pair!;
    expect(pair0.position).toBeGreaterThanOrEqual(0);
    let next = { pair: pair0 } as { pair: typeof pair0 | null };
    while (next.pair && next.pair.position !== 0) next = await asSecondJudge(() => e.call('prefs.judge', { sessionId, position: next.pair!.position, choice: 'tie' }));
    await asSecondJudge(() => e.call('prefs.judge', { sessionId, position: 0, choice: next.pair!.left.includes('400 V') ? 'left' : 'right' }));
    expect(await e.call('prefs.feedback', { sessionIds: [sessionId] })).toMatchObject({ abJudgements: 2, disagreements: 1 });
    await expect(e.call('prefs.makeDataset', { datasetName: 'prefs' })).rejects.toMatchObject({ message: expect.stringMatching(/already holds all 2 pairs/) });
    // A second session where item 3 goes the other way gives one new pair (the opposite preference); the rest
    // are pairs the dataset already holds.
    await judgeAll(e, 'a');
    const second = await e.call('prefs.makeDataset', { datasetName: 'prefs' });
    expect(second.added).toBe(1);
    expect(second.version).toMatchObject({ number: 2, exampleCount: 4, parentId: first.version.id });
    expect(await e.call('prefs.feedback', { abJudgements: false, corrections: true, reviewEdits: true })).toMatchObject({ abJudgements: 0, corrections: 0, reviewEdits: 0 });
  });

  it('refuses an empty start with a hint about where feedback comes from', async () => {
    const { e } = await setup();
    await expect(e.call('prefs.makeDataset', { datasetName: 'nothing' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: 'There is no feedback to turn into preference pairs yet.', hint: expect.stringMatching(/Blind A\/B/) });
    expect((await e.call('datasets.list', {})).datasets.map((d) => d.name)).toEqual(['QA']);
  });
});
