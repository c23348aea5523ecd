import { describe, expect, it } from 'vitest';
import { diffExamples, diffWords, type DiffPart } from './text-diff.js';

const side = (parts: DiffPart[], keep: 'removed' | 'added') => parts.filter((p) => p.kind === 'same' || p.kind === keep).map((p) => p.text).join('');

describe('diffWords', () => {
  it('marks the changed words only, and both sides read back exactly', () => {
    const before = 'The breaker opens on a fault.';
    const after = 'The breaker trips open on a short fault.';
    const parts = diffWords(before, after);
    expect(side(parts, 'removed')).toBe(before);
    expect(side(parts, 'added')).toBe(after);
    expect(parts.filter((p) => p.kind === 'removed').map((p) => p.text.trim())).toEqual(['opens']);
    expect(parts.filter((p) => p.kind === 'added').map((p) => p.text.trim())).toEqual(['trips open', 'short']);
    expect(parts[0]).toEqual({ kind: 'same', text: 'The breaker ' });
  });

  it('handles empty sides, equal texts and line breaks', () => {
    expect(diffWords('', 'new text')).toEqual([{ kind: 'added', text: 'new text' }]);
    expect(diffWords('old text', '')).toEqual([{ kind: 'removed', text: 'old text' }]);
    expect(diffWords('same\nlines', 'same\nlines')).toEqual([{ kind: 'same', text: 'same\nlines' }]);
    const parts = diffWords('a\nb\nc', 'a\nB\nc');
    expect(parts).toEqual([{ kind: 'same', text: 'a\n' }, { kind: 'removed', text: 'b' }, { kind: 'added', text: 'B' }, { kind: 'same', text: '\nc' }]);
  });

  it('falls back to removed + added for a huge rewrite, still exact on both sides', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ');
    const after = Array.from({ length: 3000 }, (_, i) => `v${i}`).join(' ');
    const parts = diffWords(`start ${before} end`, `start ${after} end`);
    expect(side(parts, 'removed')).toBe(`start ${before} end`);
    expect(side(parts, 'added')).toBe(`start ${after} end`);
    expect(parts.map((p) => p.kind)).toEqual(['same', 'removed', 'added', 'same']);
  });
});

describe('diffExamples', () => {
  it('lists only the changed turns, labelled as the editor labels them', () => {
    const before = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'What is LOTO?' }, { role: 'assistant' as const, content: 'A lock.' }] };
    const after = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'What is LOTO?' }, { role: 'assistant' as const, content: 'Lock-out/tag-out.' }] };
    const d = diffExamples(before, after);
    expect(d).toHaveLength(1);
    expect(d[0]!.label).toBe('Assistant');
    expect(d[0]!.parts).toEqual([{ kind: 'removed', text: 'A lock.' }, { kind: 'added', text: 'Lock-out/tag-out.' }]);
  });

  it('labels text examples and preference sides', () => {
    expect(diffExamples({ kind: 'text', text: 'one two' }, { kind: 'text', text: 'one three' })[0]!.label).toBe('Text');
    const pref = (chosen: string) => ({ kind: 'preference' as const, prompt: [{ role: 'user' as const, content: 'Q' }], chosen: [{ role: 'assistant' as const, content: chosen }], rejected: [{ role: 'assistant' as const, content: 'bad' }] });
    expect(diffExamples(pref('good'), pref('better')).map((t) => t.label)).toEqual(['Chosen · assistant']);
  });
});
