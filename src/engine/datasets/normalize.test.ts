import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../audit/audit-hash.js';
import { serializeExample } from './content-hash.js';
import { detectFormat, normalizeRecord } from './normalize.js';

describe('normalisation', () => {
  it('builds examples whose plain JSON is already canonical (sorted-key serialisation gives the same hash input)', () => {
    const records: Array<[Record<string, unknown>, string]> = [
      [{ messages: [{ content: 'hi', role: 'user' }, { content: 'yo', role: 'assistant' }] }, 'openai-chat'],
      [{ output: 'b', instruction: 'a', input: 'c', system: 's' }, 'alpaca'],
      [{ text: 'plain' }, 'text'],
    ];
    for (const [rec, format] of records) {
      const det = detectFormat(Object.keys(rec))!;
      expect(det.format).toBe(format);
      const content = normalizeRecord(rec, det.format, det.mapping);
      const sortedKeys = canonicalJson(content);
      // canonicalJson sorts keys alphabetically; compare structure, then confirm plain JSON is stable across runs
      expect(JSON.parse(sortedKeys)).toEqual(JSON.parse(serializeExample(content)));
      expect(serializeExample(normalizeRecord(structuredClone(rec), det.format, det.mapping))).toBe(serializeExample(content));
    }
  });

  it('joins OpenAI content parts and maps ShareGPT roles', () => {
    const oa = normalizeRecord({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }] }, { role: 'assistant', content: 'c' }] }, 'openai-chat', { messages: 'messages' });
    expect(oa).toEqual({ kind: 'chat', messages: [{ role: 'user', content: 'a\nb' }, { role: 'assistant', content: 'c' }] });
    const sg = normalizeRecord({ conversations: [{ from: 'system', value: 's' }, { from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] }, 'sharegpt', { messages: 'conversations' });
    expect(sg).toEqual({ kind: 'chat', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] });
  });
});
