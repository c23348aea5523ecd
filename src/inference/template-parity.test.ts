import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runExportPython } from '../engine/models/export-python.js';
import { chat } from './chat-once.js';
import { LlamaRuntime } from './llama-runtime.js';
import { fitSystemToTemplate, trainedTemplate } from './trained-template.js';

/**
 * What llama.cpp is fed for a conversation must be exactly what the trainer trained on:
 * `apply_chat_template(messages, add_generation_prompt=True)` of the source HF folder, token for token. The chat
 * path is observed directly: after a one-token answer, the sequence's context holds the prompt it evaluated.
 * Real node-llama-cpp on the tiny GGUF, real transformers on its HF folder.
 */
type Msg = { role: 'system' | 'user' | 'assistant'; content: string };

const CONVERSATIONS: Record<string, Msg[]> = {
  'one user turn': [{ role: 'user', content: 'What does a field crew check before work on line 42?' }],
  'system + user': [{ role: 'system', content: 'You answer for Northwind Grid, briefly.' }, { role: 'user', content: 'Who inspects substations?' }],
  'multi-turn with system': [
    { role: 'system', content: 'You answer for Northwind Grid.' },
    { role: 'user', content: 'Hello' },
    { role: 'assistant', content: 'Hello! How can I help?' },
    { role: 'user', content: 'List two outage codes.' },
  ],
};

const runtime = new LlamaRuntime();
afterAll(() => runtime.dispose());

async function hfIds(hfDir: string, messages: Msg[]): Promise<number[]> {
  const r = await runExportPython(['render-chat', '--model', hfDir, '--messages', JSON.stringify(messages)]);
  return r.tokens as number[];
}

/** The tokens llama.cpp evaluated for the prompt, read back from the chat path's own sequence. */
async function fedIds(gguf: string, messages: Msg[]): Promise<{ ctx: number[]; generated: number }> {
  const system = messages.find((m) => m.role === 'system')?.content;
  const turns = messages.filter((m) => m.role !== 'system') as Array<{ role: 'user' | 'assistant'; content: string }>;
  const last = turns.pop()!;
  const answer = await chat(runtime, { modelPath: gguf, system, history: turns, prompt: last.content, maxTokens: 1, temperature: 0, seed: 0 }, () => undefined);
  return runtime.withSlot(gguf, [], {}, async (slot) => {
    // The one generated token may or may not have been evaluated into the context yet; nothing else may follow.
    const ctx = [...slot.sequence.contextTokens].map(Number);
    return { ctx, generated: answer.tokens };
  });
}

describe('inference renders the trained template (tiny ChatML model)', () => {
  for (const [name, messages] of Object.entries(CONVERSATIONS)) {
    it(`feeds llama.cpp exactly apply_chat_template's ids: ${name}`, async () => {
      const gguf = inject('tinyGguf');
      const expected = await hfIds(path.join(path.dirname(gguf), 'hf'), messages);
      const fed = await fedIds(gguf, messages);
      expect(fed.ctx.slice(0, expected.length)).toEqual(expected);
      expect(fed.ctx.length - expected.length).toBeGreaterThanOrEqual(0);
      expect(fed.ctx.length - expected.length).toBeLessThanOrEqual(fed.generated);
    }, 120_000);
  }

  it('uses the GGUF’s own Jinja template, not a substitute wrapper', async () => {
    const model = await runtime.model(inject('tinyGguf'));
    const tpl = trainedTemplate(model);
    expect(tpl?.wrapper.wrapperName).toBe('JinjaTemplate');
    expect(tpl?.supportsSystem).toBe(true);
  });
});

describe('system messages for templates without a system role', () => {
  const noSystem = { wrapper: null as never, supportsSystem: false };
  it('folds the system text into the first user turn of the history, as the trainer does', () => {
    const r = fitSystemToTemplate(noSystem, { system: 'S', history: [{ role: 'user', content: 'U1' }, { role: 'assistant', content: 'A1' }], prompt: 'U2' });
    expect(r).toEqual({ system: undefined, history: [{ role: 'user', content: 'S\n\nU1' }, { role: 'assistant', content: 'A1' }], prompt: 'U2' });
  });
  it('or into the new prompt when it is the first user turn; a template with a system role is left alone', () => {
    expect(fitSystemToTemplate(noSystem, { system: 'S', history: [], prompt: 'U' })).toEqual({ system: undefined, history: [], prompt: 'S\n\nU' });
    const withSystem = { wrapper: null as never, supportsSystem: true };
    expect(fitSystemToTemplate(withSystem, { system: 'S', history: [], prompt: 'U' })).toEqual({ system: 'S', history: [], prompt: 'U' });
  });
});
