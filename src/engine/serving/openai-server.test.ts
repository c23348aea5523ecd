import OpenAI from 'openai';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { FIXED_ANSWER_TEXT, fixedAnswer } from '../../../tests/support/forced-output.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';

/**
 * The local OpenAI-compatible endpoint, driven by the official `openai` npm client against the tiny GGUF. What the
 * tiny model says is its own business (it may say nothing); where a test counts tokens, response_format holds it
 * to a JSON schema with one answer, longer than max_tokens.
 */
const talk = (maxTokens: number) => ({ type: 'json_schema' as const, json_schema: { name: 'talk', schema: fixedAnswer(maxTokens) } });
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

async function setup() {
  engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
  registerGguf(engine, inject('tinyGguf'), 'tiny-base');
  const status = await engine.call('serving.start', { port: 0 });
  const client = new OpenAI({ baseURL: status.url!, apiKey: status.apiKey, maxRetries: 0 });
  return { engine, status, client };
}

describe('OpenAI-compatible endpoint (official openai client)', () => {
  it('listens on 127.0.0.1 only, with a stored key, and lists the registered models', async () => {
    const { engine, status, client } = await setup();
    expect(status).toMatchObject({ running: true, host: '127.0.0.1' });
    expect(status.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(status.apiKey).toMatch(/^lathe-/);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([expect.stringMatching(/^tiny-base-[0-9a-f]{8}$/)]);
    expect((await engine.call('serving.status', {})).apiKey).toBe(status.apiKey);
    await expect(engine.call('serving.start', { host: '0.0.0.0', port: 0 })).resolves.toMatchObject({ host: '127.0.0.1' }); // already running: unchanged
    await engine.call('serving.stop', {});
    await expect(engine.call('serving.start', { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  });

  it('answers a chat completion with usage, and streams one as SSE chunks', async () => {
    const { client } = await setup();
    const ask = { model: 'tiny-base', messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'What is a substation?' }], max_tokens: 12, temperature: 0, seed: 1, response_format: talk(12) };
    const r = await client.chat.completions.create(ask);
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message.content).toMatch(FIXED_ANSWER_TEXT); // held to the JSON schema
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage!.completion_tokens).toBe(12);
    expect(r.usage!.prompt_tokens).toBeGreaterThan(5);
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);

    const stream = await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const c of stream) {
      chunks += 1;
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      usage = c.usage ?? usage;
    }
    // The role, the text (the first token at once, the rest coalesced every 16 ms by the inference host), the finish
    // reason, the usage.
    expect(chunks).toBeGreaterThanOrEqual(1 + 1 + 2);
    expect(text).toBe(r.choices[0]!.message.content);
    expect(finish).toBe('length');
    expect(usage).toMatchObject({ completion_tokens: 12, prompt_tokens: r.usage!.prompt_tokens });
  });

  it('without a schema the answer is whatever the model says; streamed or not it is the same answer', async () => {
    const { client } = await setup();
    const ask = { model: 'tiny-base', messages: [{ role: 'user' as const, content: 'What is a substation?' }], max_tokens: 12, temperature: 0, seed: 1 };
    const r = await client.chat.completions.create(ask);
    const finish = r.choices[0]!.finish_reason;
    expect(['stop', 'length']).toContain(finish);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(12);
    expect(typeof r.choices[0]!.message.content).toBe('string');
    let text = '';
    let last: string | null = null;
    for await (const c of await client.chat.completions.create({ ...ask, stream: true })) {
      text += c.choices[0]?.delta.content ?? '';
      last = c.choices[0]?.finish_reason ?? last;
    }
    expect(text).toBe(r.choices[0]!.message.content);
    expect(last).toBe(finish);
  });

  it('serves /v1/completions, streaming and not', async () => {
    const { client } = await setup();
    const ask = { model: 'tiny-base', prompt: 'The transformer', max_tokens: 8, temperature: 0, response_format: talk(8) };
    // response_format is not in the openai client's completions types (it passes it through); the endpoint honours it on both routes.
    const r = await client.completions.create(ask);
    expect(r.choices[0]!.text).toMatch(FIXED_ANSWER_TEXT);
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage!.completion_tokens).toBe(8);
    const stream = await client.completions.create({ ...ask, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe(r.choices[0]!.text);
  });

  it('lists URL- and client-safe model ids (slug + id suffix) that round-trip through chat completions; older forms still work', async () => {
    const { engine, client } = await setup();
    const tiny = inject('tinyGguf');
    const q8 = registerGguf(engine, tiny, 'Zorbia facts · Q8_0');
    const twin = registerGguf(engine, tiny, 'Zorbia facts · Q8_0');
    registerGguf(engine, tiny, ' Ünïcode: model/v2 (beta) · Ǆ ');
    registerGguf(engine, tiny, '···');
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    expect(ids).toContain(`zorbia-facts-q8_0-${q8.id.slice(0, 8)}`);
    expect(ids).toContain(`zorbia-facts-q8_0-${twin.id.slice(0, 8)}`);
    expect(ids).toContainEqual(expect.stringMatching(/^unicode-model-v2-beta-dz-[0-9a-f]{8}$/));
    expect(ids).toContainEqual(expect.stringMatching(/^model-[0-9a-f]{8}$/));
    for (const id of ids) {
      const r = await client.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, temperature: 0 });
      expect(r.model).toBe(id);
      expect(r.choices).toHaveLength(1);
    }
    const stable = (await client.models.list()).data.map((m) => m.id);
    expect(stable).toEqual(ids);
    // What earlier versions listed still works: the registry id, and a registry name that is unique.
    const q8Id = `zorbia-facts-q8_0-${q8.id.slice(0, 8)}`;
    await expect(client.completions.create({ model: q8.id, prompt: 'The', max_tokens: 1 })).resolves.toMatchObject({ model: q8Id });
    await expect(client.completions.create({ model: q8Id.toUpperCase(), prompt: 'The', max_tokens: 1 })).resolves.toMatchObject({ model: q8Id });
    await expect(client.completions.create({ model: 'tiny-base', prompt: 'The', max_tokens: 1 })).resolves.toMatchObject({ model: expect.stringMatching(/^tiny-base-/) });
    await expect(client.completions.create({ model: 'Zorbia facts · Q8_0', prompt: 'The', max_tokens: 1 })).rejects.toMatchObject({ status: 404 }); // two models share it
  });

  it('refuses a wrong or missing key with 401, an unknown model with 404, bad input with 400', async () => {
    const { status, client } = await setup();
    const wrong = new OpenAI({ baseURL: status.url!, apiKey: 'lathe-wrong', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    const raw = await fetch(`${status.url}/models`);
    expect(raw.status).toBe(401);
    await expect(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });
    await expect(client.chat.completions.create({ model: 'tiny-base', messages: [{ role: 'assistant', content: 'hi' }] })).rejects.toMatchObject({ status: 400 });
    const broken = await fetch(`${status.url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${status.apiKey}` }, body: '{not json' });
    expect(broken.status).toBe(400);
  });
});
