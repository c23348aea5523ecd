import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { atLeastTokens, FIXED_ANSWER_TEXT, fixedAnswer } from '../../../tests/support/forced-output.js';
import { ForkedInferenceHost } from './inference-process.js';
import { ensureTestLora } from './test-lora.js';

/**
 * The inference host's generation features on real llama.cpp in a real forked child: adapters, sampling,
 * stop strings, JSON-schema grammar, multi-turn history, cancel, and the resident set's memory budget.
 * The tiny model may answer anything, including nothing at all (end-of-sequence first); where a test needs it
 * to talk, a grammar holds it to a length (atLeastTokens) or to one known answer (fixedAnswer) instead.
 */
const host = new ForkedInferenceHost();
let lora = '';
beforeAll(() => {
  lora = ensureTestLora(inject('tinyGguf'));
}, 120_000);
afterAll(() => host.dispose());

const base = () => ({ modelPath: inject('tinyGguf'), prompt: 'What is a substation?', maxTokens: 24, temperature: 0, seed: 1 });
let n = 0;
const rid = () => `t${++n}`;

describe('inference host generation (real llama.cpp, tiny model)', () => {
  it('a LoRA adapter changes the answer; scale 0 gives the base answer back', async () => {
    const c = host.client();
    // 24 tokens from each (the grammar allows no early end), so the answers are compared on what the models chose.
    const talk = { ...base(), jsonSchema: atLeastTokens(24) };
    const plain = await c.send('inference.chat', { ...talk, requestId: rid() });
    const tuned = await c.send('inference.chat', { ...talk, requestId: rid(), adapters: [{ path: lora, scale: 1 }] });
    const off = await c.send('inference.chat', { ...talk, requestId: rid(), adapters: [{ path: lora, scale: 0 }] });
    expect([plain, tuned, off].map((r) => r.stopReason)).toEqual(['maxTokens', 'maxTokens', 'maxTokens']);
    expect(tuned.text).not.toBe(plain.text);
    expect(off.text).toBe(plain.text);
  });

  it('reports tokens/s, time to first token and prompt tokens; maxTokens caps the answer', async () => {
    const c = host.client();
    const r = await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 5, jsonSchema: fixedAnswer(5) });
    expect(r).toMatchObject({ tokens: 5, stopReason: 'maxTokens', text: expect.stringMatching(FIXED_ANSWER_TEXT) });
    expect(r.promptTokens).toBeGreaterThan(3);
    expect(r.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    // Unconstrained, the tiny model says what it says (possibly nothing), but never more than maxTokens.
    const free = await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 5 });
    expect(free.tokens).toBeLessThanOrEqual(5);
  });

  it('stops at a stop string and reports why', async () => {
    const c = host.client();
    const talk = { ...base(), maxTokens: 40, jsonSchema: atLeastTokens(40) };
    const full = await c.send('inference.chat', { ...talk, requestId: rid() });
    expect(full.stopReason).toBe('maxTokens');
    // A stop string the answer is known to contain: two characters from its middle.
    const at = Math.floor(full.text.length / 2);
    const stop = full.text.slice(at, at + 2);
    const cut = await c.send('inference.chat', { ...talk, requestId: rid(), stop: [stop] });
    expect(cut.stopReason).toBe('customStopTrigger');
    expect(cut.text).not.toContain(stop);
    expect(cut.text.length).toBeLessThanOrEqual(at);
    expect(full.text.startsWith(cut.text.trimEnd())).toBe(true);
    expect(cut.tokens).toBeLessThan(40);
  });

  it('constrains the answer to a JSON schema', async () => {
    const schema = { type: 'object', properties: { answer: { enum: ['yes', 'no', 'maybe'] }, sure: { type: 'boolean' } }, required: ['answer', 'sure'] };
    const r = await host.client().send('inference.chat', { ...base(), requestId: rid(), maxTokens: 200, temperature: 0.8, seed: 3, jsonSchema: schema });
    const parsed = JSON.parse(r.text) as { answer: unknown; sure: unknown };
    expect(['yes', 'no', 'maybe']).toContain(parsed.answer);
    expect(typeof parsed.sure).toBe('boolean');
  });

  it('refuses an unusable JSON schema with a clear error', async () => {
    const err = await host.client().send('inference.chat', { ...base(), requestId: rid(), jsonSchema: { type: 'no-such-type' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/JSON schema/) });
  });

  it('same seed, same sampled answer; the system prompt and history reach the template', async () => {
    const c = host.client();
    const args = { ...base(), temperature: 1, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1 };
    const a = await c.send('inference.chat', { ...args, requestId: rid(), seed: 7 });
    const b = await c.send('inference.chat', { ...args, requestId: rid(), seed: 7 });
    expect(b.text).toBe(a.text);
    const plain = await c.send('inference.chat', { ...base(), requestId: rid() });
    const withHistory = await c.send('inference.chat', {
      ...base(),
      requestId: rid(),
      system: 'You are a grid engineer.',
      history: [{ role: 'user', content: 'Define a feeder.' }, { role: 'assistant', content: 'A line from a substation.' }],
    });
    expect(withHistory.promptTokens).toBeGreaterThan(plain.promptTokens + 10);
  });

  it('continues raw text without a chat template', async () => {
    const c = host.client();
    const args = { modelPath: inject('tinyGguf'), prompt: 'The transformer', maxTokens: 8, temperature: 0, seed: 0 };
    const streamed: string[] = [];
    const stop = c.listen('inference.token', (t) => t.requestId === 'raw' && streamed.push(t.text));
    const r = await c.send('inference.complete', { ...args, requestId: 'raw', jsonSchema: fixedAnswer(8) });
    stop();
    expect(r).toMatchObject({ tokens: 8, stopReason: 'maxTokens', text: expect.stringMatching(FIXED_ANSWER_TEXT) });
    expect(streamed.join('')).toBe(r.text);
    // The raw prompt has no template around it: fewer prompt tokens than the same words as a chat message.
    const chat = await c.send('inference.chat', { ...args, requestId: rid(), jsonSchema: fixedAnswer(8) });
    expect(r.promptTokens).toBeGreaterThan(0);
    expect(r.promptTokens).toBeLessThan(chat.promptTokens);
    const free = await c.send('inference.complete', { ...args, requestId: rid() });
    expect(free.tokens).toBeLessThanOrEqual(8);
  });

  it('cancels a running generation and returns what it had', async () => {
    const c = host.client();
    const id = rid();
    const stop = c.listen('inference.token', (t) => t.requestId === id && void c.send('inference.cancel', { requestId: id }));
    // The grammar rules out an early end: thousands of tokens to go when the cancel arrives after the first.
    const r = await c.send('inference.chat', { ...base(), requestId: id, maxTokens: 4000, temperature: 1, seed: 5, jsonSchema: atLeastTokens(4000) });
    stop();
    expect(r.stopReason).toBe('abort');
    expect(r.tokens).toBeGreaterThanOrEqual(1);
    expect(r.tokens).toBeLessThan(4000);
  });
});

describe('resident model set', () => {
  it('keeps models loaded within the budget and unloads the least recently used first', async () => {
    const prev = process.env.LATHE_INFERENCE_BUDGET_MB;
    process.env.LATHE_INFERENCE_BUDGET_MB = '0.001';
    const tight = new ForkedInferenceHost();
    try {
      const c = tight.client();
      await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 2 });
      await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 2, adapters: [{ path: lora }] });
      const s = await c.send('inference.status', {});
      expect(s.models).toHaveLength(1);
      expect(s.models[0]!.adapters).toEqual([lora]);
    } finally {
      await tight.dispose();
      if (prev === undefined) delete process.env.LATHE_INFERENCE_BUDGET_MB;
      else process.env.LATHE_INFERENCE_BUDGET_MB = prev;
    }
    const c = host.client();
    await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 2 });
    await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 2, adapters: [{ path: lora }] });
    const roomy = await c.send('inference.status', {});
    expect(roomy.models.length).toBeGreaterThanOrEqual(2);
    expect(roomy.usedBytes).toBeLessThanOrEqual(roomy.budgetBytes);
  });

  it('measures prompt processing and generation speed like llama-bench', async () => {
    const r = await host.client().send('inference.bench', { modelPath: inject('tinyGguf'), promptTokens: 32, genTokens: 16, repetitions: 1 });
    expect(r.ppTokensPerSecond).toBeGreaterThan(0);
    expect(r.tgTokensPerSecond).toBeGreaterThan(0);
  });
});
