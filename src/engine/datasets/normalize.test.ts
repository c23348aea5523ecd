import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../audit/audit-hash.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { canonicalExample, serializeExample } from './content-hash.js';
import { detectFormat, normalizeRecord } from './normalize.js';

describe('normalisation', () => {
  it('builds examples whose plain JSON is already canonical (sorted-key serialisation gives the same hash input)', () => {
    const records: Array<[Record<string, unknown>, string]> = [
      [{ messages: [{ content: 'hi', role: 'user' }, { content: 'yo', role: 'assistant' }] }, 'openai-chat'],
      [{ output: 'b', instruction: 'a', input: 'c', system: 's' }, 'alpaca'],
      [{ text: 'plain' }, 'text'],
      [{ id: 9, messages: [{ weight: 0, content: 'x', role: 'assistant' }, { role: 'user', content: 'q' }, { tool_calls: [{ function: { arguments: { b: 1, a: 2 }, name: 'f' }, type: 'function', id: 'c1' }], role: 'assistant', content: null }, { name: 'f', content: '3', tool_call_id: 'c1', role: 'tool' }, { role: 'assistant', content: 'ok', thinking: 't', zeta: 1, alpha: 2 }], tools: '[{"name": "f", "parameters": {}}]' }, 'openai-chat'],
      [{ score: 1, rejected: 'b', chosen: 'a', prompt: 'q' }, 'preference'],
      [{ label: false, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }, 'kto'],
    ];
    for (const [rec, format] of records) {
      const det = detectFormat(Object.keys(rec))!;
      expect(det.format).toBe(format);
      const content = normalizeRecord(rec, det.format, det.mapping);
      const sortedKeys = canonicalJson(content);
      // canonicalJson sorts keys alphabetically; compare structure, then confirm plain JSON is stable across runs
      expect(JSON.parse(sortedKeys)).toEqual(JSON.parse(serializeExample(content)));
      expect(serializeExample(normalizeRecord(structuredClone(rec), det.format, det.mapping))).toBe(serializeExample(content));
      // An edit or a correction rebuilt by canonicalExample hashes like the import did.
      expect(serializeExample(canonicalExample(JSON.parse(sortedKeys) as ExampleContent))).toBe(serializeExample(content));
    }
  });

  it('joins OpenAI content parts and maps ShareGPT roles', () => {
    const oa = normalizeRecord({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, { role: 'assistant', content: 'c' }] }, 'openai-chat', { messages: 'messages' });
    expect(oa).toEqual({ kind: 'chat', messages: [{ role: 'user', content: 'a\nb' }, { role: 'assistant', content: 'c' }] });
    // An image part is refused by name, never dropped: the question would lose what it is about.
    expect(() => normalizeRecord({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url' }] }, { role: 'assistant', content: 'c' }] }, 'openai-chat', { messages: 'messages' })).toThrow(/content part of type "image_url"; Lathe trains on text only/);
    const sg = normalizeRecord({ conversations: [{ from: 'system', value: 's' }, { from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] }, 'sharegpt', { messages: 'conversations' });
    expect(sg).toEqual({ kind: 'chat', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] });
  });
});
