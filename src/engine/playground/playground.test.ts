import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { atLeastTokens, FIXED_ANSWER_TEXT, fixedAnswer } from '../../../tests/support/forced-output.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import type { ForkedInferenceHost } from '../inference/inference-process.js';
import { ensureTestLora } from '../inference/test-lora.js';
import { importChatDataset, registerGguf } from './playground-kit.js';

/** The playground through the engine: real SQLite, a real forked inference host, the tiny GGUF and a GGUF LoRA. */
let engine: Engine | null = null;
let lora = '';
beforeAll(() => {
  lora = ensureTestLora(inject('tinyGguf'));
}, 120_000);
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const settings = { maxTokens: 16, temperature: 0, seed: 1 };
/**
 * The tiny model may end an answer at once (0 tokens), and two lanes may then agree on saying nothing. Where a test
 * needs streamed tokens, a JSON schema that no shorter answer satisfies holds each lane to maxTokens tokens: of its
 * own words (talking), or of one known answer when the test counts them (fixed).
 */
const talking = (maxTokens: number, more: Record<string, unknown> = {}) => ({ ...settings, ...more, maxTokens, jsonSchema: atLeastTokens(maxTokens) });
const fixed = (maxTokens: number) => ({ ...settings, maxTokens, jsonSchema: fixedAnswer(maxTokens) });

function setup() {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const base = registerGguf(engine, inject('tinyGguf'), 'tiny base');
  const adapter = registerGguf(engine, lora, 'tiny tuned', 'gguf-lora', base.id);
  return { dir, engine, base, adapter };
}
const count = (e: Engine, sql: string) => (e.ctx.db!.prepare(sql).get() as { n: number }).n;

describe('playground (engine + forked inference host + SQLite)', () => {
  it('lists GGUF models and adapters with the adapter’s base', async () => {
    const { engine, base, adapter } = setup();
    const { models } = await engine.call('playground.models', {});
    expect(models.map((m) => m.name).sort()).toEqual(['tiny base', 'tiny tuned']);
    expect(models.find((m) => m.id === adapter.id)?.baseModelId).toBe(base.id);
  });

  it('streams base and tuned side by side, saves the conversation, and continues it with history', async () => {
    const { engine, base, adapter } = setup();
    const tokens: Record<number, string> = { 0: '', 1: '' };
    const order: number[] = [];
    engine.ctx.events.listen('playground.token', (t) => {
      if (t.requestId !== 'q1') return;
      tokens[t.lane] += t.text;
      if (order.at(-1) !== t.lane) order.push(t.lane);
    });
    const r = await engine.call('playground.chat', {
      requestId: 'q1',
      targets: [{ modelId: base.id }, { modelId: adapter.id }],
      system: 'You are a grid engineer.',
      settings: talking(16),
      content: 'What is a substation?',
    });
    expect(r.answers.map((a) => a.error)).toEqual([null, null]);
    const [a0, a1] = r.answers.map((a) => a.message!);
    expect(tokens[0]).toBe(a0!.content);
    expect(tokens[1]).toBe(a1!.content);
    expect(order).toEqual([0, 1]); // sequential lanes
    for (const a of [a0!, a1!]) expect(a.stats!.stopReason).toBe('maxTokens');
    expect(a0!.content).not.toBe(a1!.content); // the adapter changes the answer
    expect(a0!.adapterIds).toEqual([]);
    expect(a1!.adapterIds).toEqual([adapter.id]);
    expect(a0!.stats!.timeToFirstTokenMs).toBeGreaterThan(0);

    // The next turn, held to a known 8-token answer: exact stats, on top of the history of the first.
    const next = await engine.call('playground.chat', { requestId: 'q2', conversationId: r.conversationId, targets: [{ modelId: base.id }, { modelId: adapter.id }], system: 'You are a grid engineer.', settings: fixed(8), content: 'And a feeder?' });
    expect(next.answers.map((a) => a.error)).toEqual([null, null]);
    for (const a of next.answers) {
      expect(a.message!.content).toMatch(FIXED_ANSWER_TEXT);
      expect(a.message!.stats).toMatchObject({ tokens: 8, stopReason: 'maxTokens' });
      expect(a.message!.stats!.tokensPerSecond).toBeGreaterThan(0);
    }
    expect(next.answers[0]!.message!.stats!.promptTokens).toBeGreaterThan(a0!.stats!.promptTokens + a0!.stats!.tokens);
    const got = await engine.call('playground.conversation', { conversationId: r.conversationId });
    expect(got.messages.map((m) => [m.role, m.lane])).toEqual([['user', null], ['assistant', 0], ['assistant', 1], ['user', null], ['assistant', 0], ['assistant', 1]]);
    expect(got.conversation).toMatchObject({ mode: 'side-by-side', title: 'What is a substation?', system: 'You are a grid engineer.' });
    const list = await engine.call('playground.conversations', {});
    expect(list.conversations).toHaveLength(1);
    expect(list.conversations[0]!.messageCount).toBe(6);
  });

  it('saves a corrected answer as a new dataset version with an audit entry; the parent is untouched', async () => {
    const { engine, dir, base } = setup();
    const imported = await importChatDataset(engine, dir);
    const r = await engine.call('playground.chat', { requestId: 'c1', targets: [{ modelId: base.id }], system: 'Be brief.', settings, content: 'What is a breaker?' });
    const answer = r.answers[0]!.message!;
    const saved = await engine.call('playground.saveCorrection', { conversationId: r.conversationId, messageId: answer.id, correctedText: 'A switch that opens on a fault.', datasetId: imported.datasetId });
    expect(saved).toMatchObject({ versionNumber: 2, exampleCount: 4 });
    const versions = await engine.call('datasets.versions', { datasetId: imported.datasetId });
    expect(versions.versions.find((v) => v.id === saved.versionId)).toMatchObject({ parentId: imported.versionId, operation: 'playground-correction' });
    const page = await engine.call('datasets.examples', { versionId: saved.versionId, offset: 3, limit: 1 });
    expect(page.examples[0]!.content).toEqual({
      kind: 'chat',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is a breaker?' }, { role: 'assistant', content: 'A switch that opens on a fault.' }],
    });
    expect((await engine.call('datasets.examples', { versionId: imported.versionId, offset: 0, limit: 10 })).examples).toHaveLength(3);
    const audit = engine.ctx.db!.prepare("SELECT details FROM audit_log WHERE action = 'dataset.correction'").all() as Array<{ details: string }>;
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ parent: imported.versionId, params: { messageId: answer.id, originalAnswer: answer.content } });
    const got = await engine.call('playground.conversation', { conversationId: r.conversationId });
    expect(got.messages[1]!.correctedVersionId).toBe(saved.versionId);
    expect((await engine.call('audit.verify', {})).ok).toBe(true);
  });

  it('refuses bad input clearly and writes nothing', async () => {
    const { engine, dir, base } = setup();
    await expect(engine.call('playground.chat', { requestId: 'b1', targets: [{ modelId: 'nope' }], content: 'hi' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('playground.chat', { requestId: 'b2', targets: [{ modelId: base.id }], content: '   ' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    expect(count(engine, 'SELECT count(*) AS n FROM conversations')).toBe(0);
    const imported = await importChatDataset(engine, dir);
    const r = await engine.call('playground.chat', { requestId: 'b3', targets: [{ modelId: base.id }], settings, content: 'Hello' });
    await expect(engine.call('playground.saveCorrection', { conversationId: r.conversationId, messageId: r.userMessage.id, correctedText: 'x', datasetId: imported.datasetId })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(engine.call('playground.saveCorrection', { conversationId: r.conversationId, messageId: r.answers[0]!.message!.id, correctedText: 'x', datasetId: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(count(engine, 'SELECT count(*) AS n FROM dataset_versions')).toBe(1);
    const missing = registerGguf(engine, inject('tinyGguf'), 'moved');
    engine.ctx.db!.prepare('UPDATE models SET path = ? WHERE id = ?').run('/gone/model.gguf', missing.id);
    const gone = await engine.call('playground.chat', { requestId: 'b4', targets: [{ modelId: missing.id }, { modelId: base.id }], settings, content: 'Hello' });
    expect(gone.answers[0]!.error).toMatchObject({ code: 'MODEL_MISSING' });
    expect(gone.answers[1]!.message).not.toBeNull();
    // A registered file that was truncated on disk since import is refused before llama.cpp sees it.
    const cut = path.join(dir, 'cut.gguf');
    fs.writeFileSync(cut, fs.readFileSync(inject('tinyGguf')).subarray(0, 4096));
    const damaged = registerGguf(engine, cut, 'damaged');
    const refused = await engine.call('playground.chat', { requestId: 'b5', targets: [{ modelId: damaged.id }, { modelId: base.id }], settings, content: 'Hello' });
    expect(refused.answers[0]!.error?.message).toMatch(/cut\.gguf is not a valid GGUF file/);
    expect(refused.answers[1]!.message).not.toBeNull();
  });

  it('reports a killed inference host as an error event; the engine and DB carry on and the host restarts', async () => {
    const { engine, base, adapter } = setup();
    await engine.call('playground.chat', { requestId: 'w', targets: [{ modelId: base.id }], settings, content: 'warm up' });
    const host = engine.ctx.inference as ForkedInferenceHost;
    const child = (host as unknown as { child: import('node:child_process').ChildProcess }).child;
    const errors: unknown[] = [];
    engine.ctx.events.listen('playground.error', (e) => errors.push(e));
    let killed = false;
    engine.ctx.events.listen('playground.token', (t) => {
      if (t.requestId === 'k' && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    // Lane 0 cannot end before the kill (the grammar rules out an early end); lane 1 then talks on a fresh host.
    const r = await engine.call('playground.chat', { requestId: 'k', targets: [{ modelId: base.id }, { modelId: adapter.id }], settings: talking(200, { temperature: 1 }), content: 'Tell me everything.' });
    expect(killed).toBe(true);
    expect(r.answers[0]!.error).toMatchObject({ code: 'INFERENCE_FAILED', message: expect.stringMatching(/inference process was killed \(SIGKILL\) while running .*Your conversation is saved\./) });
    expect(errors).toContainEqual(expect.objectContaining({ requestId: 'k', lane: 0 }));
    // lane 1 ran on a fresh host
    expect(r.answers[1]!.message).not.toBeNull();
    expect(host.crashes).toBeGreaterThanOrEqual(1);
    expect(engine.ctx.db!.pragma('integrity_check', { simple: true })).toBe('ok');
    const after = await engine.call('playground.chat', { requestId: 'k2', conversationId: r.conversationId, targets: [{ modelId: base.id }], settings, content: 'Still there?' });
    expect(after.answers[0]!.message).not.toBeNull();
  });

  it('Esc stops the current answer and skips the other lane', async () => {
    const { engine, base, adapter } = setup();
    engine.ctx.events.listen('playground.token', (t) => t.requestId === 's' && void engine.call('playground.cancel', { requestId: 's' }));
    // The grammar rules out an early end: lane 0 is still answering when the first token's cancel arrives.
    const r = await engine.call('playground.chat', { requestId: 's', targets: [{ modelId: base.id }, { modelId: adapter.id }], settings: talking(200, { temperature: 1 }), content: 'Go on.' });
    expect(r.answers[0]!.message!.stats!.stopReason).toBe('abort');
    expect(r.answers[0]!.message!.stats!.tokens).toBeGreaterThanOrEqual(1);
    expect(r.answers[1]!.error).toMatchObject({ code: 'CANCELLED' });
  });

  it('deletes a conversation with an audit entry', async () => {
    const { engine, base } = setup();
    const r = await engine.call('playground.chat', { requestId: 'd', targets: [{ modelId: base.id }], settings, content: 'Bye' });
    expect(await engine.call('playground.deleteConversation', { conversationId: r.conversationId })).toEqual({ deleted: true });
    expect(count(engine, 'SELECT count(*) AS n FROM conversation_messages')).toBe(0);
    expect(count(engine, "SELECT count(*) AS n FROM audit_log WHERE action = 'playground.conversation.delete'")).toBe(1);
  });
});
