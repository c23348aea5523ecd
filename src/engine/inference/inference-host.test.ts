import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ForkedInferenceHost } from './inference-process.js';
import { ensureTestLora } from './test-lora.js';

/**
 * The inference host's generation features on real llama.cpp in a real forked child: adapters, sampling,
 * stop strings, JSON-schema grammar, multi-turn history, cancel, and the resident set's memory budget.
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
    const plain = await c.send('inference.chat', { ...base(), requestId: rid() });
    const tuned = await c.send('inference.chat', { ...base(), requestId: rid(), adapters: [{ path: lora, scale: 1 }] });
    const off = await c.send('inference.chat', { ...base(), requestId: rid(), adapters: [{ path: lora, scale: 0 }] });
    expect(tuned.text).not.toBe(plain.text);
    expect(off.text).toBe(plain.text);
  });

  it('reports tokens/s, time to first token and prompt tokens; maxTokens caps the answer', async () => {
    const r = await host.client().send('inference.chat', { ...base(), requestId: rid(), maxTokens: 5 });
    expect(r.tokens).toBeLessThanOrEqual(5);
    expect(r.promptTokens).toBeGreaterThan(3);
    expect(r.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(r.tokensPerSecond).toBeGreaterThanOrEqual(0);
  });

  it('stops at a stop string and reports why', async () => {
    const c = host.client();
    const full = await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 40 });
    const word = full.text.trim().split(/\s+/)[1];
    expect(word).toBeTruthy();
    const cut = await c.send('inference.chat', { ...base(), requestId: rid(), maxTokens: 40, stop: [word!] });
    expect(cut.stopReason).toBe('customStopTrigger');
    expect(cut.text).not.toContain(word);
    expect(full.text.startsWith(cut.text.trimEnd())).toBe(true);
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
    const r = await host.client().send('inference.complete', { requestId: rid(), modelPath: inject('tinyGguf'), prompt: 'The transformer', maxTokens: 8, temperature: 0, seed: 0 });
    expect(r.tokens).toBeGreaterThan(0);
  });

  it('cancels a running generation and returns what it had', async () => {
    const c = host.client();
    const id = rid();
    const stop = c.listen('inference.token', (t) => t.requestId === id && void c.send('inference.cancel', { requestId: id }));
    const r = await c.send('inference.chat', { ...base(), requestId: id, maxTokens: 4000, temperature: 1, seed: 5 });
    stop();
    expect(r.stopReason).toBe('abort');
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
