import { describe, expect, it } from 'vitest';
import { checkGrounding, contentWords } from './grounding.js';
import { parseLocator } from './chunks.js';
import { renderPrompt, resolveTemplate, schemaWithin, toExample } from './templates.js';

const chunk =
  'Circuit breakers at Northwind substations are inspected every six months. Inspectors check the trip coil, ' +
  'the contact wear and the SF6 gas pressure, and record readings in the maintenance log.';

describe('grounding', () => {
  it('passes an answer built from the chunk’s own words, plurals and case included', () => {
    const g = checkGrounding('Breakers are inspected every six months; inspectors check the trip coil and SF6 gas pressure.', chunk);
    expect(g.grounded).toBe(true);
    expect(g.wordCoverage).toBeGreaterThanOrEqual(0.9);
    expect(g.missing).toEqual([]);
  });

  it('flags an answer about things the chunk never mentions and names the missing words', () => {
    const g = checkGrounding('Transformers are replaced annually by the vendor under warranty.', chunk);
    expect(g.grounded).toBe(false);
    expect(g.missing).toEqual(expect.arrayContaining(['transformer', 'replac', 'vendor', 'warranty']));
    expect(g.reason).toMatch(/check/);
  });

  it('flags a shuffle of chunk words that says something else (word pairs do not match)', () => {
    const g = checkGrounding('pressure gas wear contact months six coil trip', chunk);
    expect(g.wordCoverage).toBe(1);
    expect(g.grounded).toBe(false);
  });

  it('flags an answer with no content words at all', () => {
    expect(checkGrounding('Yes, it is.', chunk)).toMatchObject({ grounded: false, wordCoverage: 0 });
  });

  it('ignores stopwords and keeps numbers', () => {
    expect(contentWords('The 6 breakers of the yard')).toEqual(['6', 'breaker', 'yard']);
  });
});

describe('templates', () => {
  it('resolves defaults with a builtin version and edits with a content-derived version', () => {
    const d = resolveTemplate({ kind: 'qa' });
    expect(d.version).toBe('builtin:qa@1');
    const e1 = resolveTemplate({ kind: 'qa', prompt: 'Ask about: {{chunk}}' });
    const e2 = resolveTemplate({ kind: 'qa', prompt: 'Ask about: {{chunk}}' });
    expect(e1.version).toMatch(/^custom:qa:[0-9a-f]{12}$/);
    expect(e1.version).toBe(e2.version);
    expect(renderPrompt(e1, 'X')).toBe('Ask about: X');
  });

  it('refuses a prompt without {{chunk}} and a classification without labels', () => {
    expect(() => resolveTemplate({ kind: 'qa', prompt: 'Ask something' })).toThrow(/\{\{chunk\}\}/);
    expect(() => resolveTemplate({ kind: 'classification', labels: ['one'] })).toThrow(/two labels/);
  });

  it('bounds string lengths by the token budget so the JSON closes in time', () => {
    const t = resolveTemplate({ kind: 'qa' });
    const s = schemaWithin(t, 96) as { properties: { answer: { maxLength: number }; question: { maxLength: number } } };
    expect(s.properties.answer.maxLength * 2 * 2 + 48).toBeLessThanOrEqual(96);
    expect((schemaWithin(t, 100_000) as typeof s).properties.answer.maxLength).toBe(1200);
  });

  it('turns each kind’s JSON into a chat example and refuses output that does not parse', () => {
    expect(toExample(resolveTemplate({ kind: 'qa' }), chunk, '{"question":"Q?","answer":"A."}').messages).toEqual([{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.' }]);
    expect(toExample(resolveTemplate({ kind: 'summary' }), chunk, '{"summary":"S."}').messages[0]!.content).toContain(chunk);
    expect(toExample(resolveTemplate({ kind: 'extraction' }), chunk, '{"facts":[{"field":"interval","value":"six months"}]}').messages[1]!.content).toBe('interval: six months');
    expect(toExample(resolveTemplate({ kind: 'classification' }), chunk, '{"label":"procedure","evidence":"inspected"}').claim).toBe('inspected');
    expect(() => toExample(resolveTemplate({ kind: 'qa' }), chunk, '{"question":"Q?","ans')).toThrow();
    expect(() => toExample(resolveTemplate({ kind: 'qa' }), chunk, '{"question":"  ","answer":"A"}')).toThrow(/question/);
  });

  it('reads document, pages and offsets out of a chunk locator', () => {
    expect(parseLocator('manual.pdf:p.3-4:chars 1200-3391')).toEqual({ document: 'manual.pdf', pages: [3, 4], chars: [1200, 3391] });
    expect(parseLocator('a/b.txt:chars 0-10')).toEqual({ document: 'a/b.txt', pages: null, chars: [0, 10] });
    expect(parseLocator('odd')).toEqual({ document: 'odd', pages: null, chars: null });
  });
});
