import OpenAI from 'openai';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';

/** The local OpenAI-compatible endpoint, driven by the official `openai` npm client against the tiny GGUF. */
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
    expect(models.data.map((m) => m.id)).toEqual(['tiny-base']);
    expect((await engine.call('serving.status', {})).apiKey).toBe(status.apiKey);
    await expect(engine.call('serving.start', { host: '0.0.0.0', port: 0 })).resolves.toMatchObject({ host: '127.0.0.1' }); // already running: unchanged
    await engine.call('serving.stop', {});
    await expect(engine.call('serving.start', { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  });

  it('answers a chat completion with usage, and streams one as SSE chunks', async () => {
    const { client } = await setup();
    const r = await client.chat.completions.create({ model: 'tiny-base', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is a substation?' }], max_tokens: 12, temperature: 0, seed: 1 });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(r.choices[0]!.finish_reason);
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);

    const stream = await client.chat.completions.create({ model: 'tiny-base', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is a substation?' }], max_tokens: 12, temperature: 0, seed: 1, stream: true, stream_options: { include_usage: true } });
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
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(r.choices[0]!.message.content);
    expect(finish).toBe(r.choices[0]!.finish_reason);
    expect(usage).toMatchObject({ completion_tokens: r.usage!.completion_tokens });
  });

  it('serves /v1/completions, streaming and not', async () => {
    const { client } = await setup();
    const r = await client.completions.create({ model: 'tiny-base', prompt: 'The transformer', max_tokens: 8, temperature: 0 });
    expect(r.choices[0]!.text.length).toBeGreaterThan(0);
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    const stream = await client.completions.create({ model: 'tiny-base', prompt: 'The transformer', max_tokens: 8, temperature: 0, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe(r.choices[0]!.text);
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
