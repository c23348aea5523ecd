import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tokenStream } from './token-stream.js';

describe('tokenStream (coalesced token events)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first chunk at once, then at most one event per interval, and the rest on end', () => {
    const sent: string[] = [];
    const s = tokenStream((t) => sent.push(t), 16);
    s.push('Hel');
    expect(sent).toEqual(['Hel']);
    s.push('lo');
    s.push(',');
    s.push(' wor');
    expect(sent).toEqual(['Hel']);
    vi.advanceTimersByTime(15);
    expect(sent).toEqual(['Hel']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['Hel', 'lo, wor']);
    s.push('ld');
    s.end();
    expect(sent).toEqual(['Hel', 'lo, wor', 'ld']);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual(['Hel', 'lo, wor', 'ld']);
    expect(sent.join('')).toBe('Hello, world');
  });

  it('ignores empty chunks (they neither start the stream nor send an empty event)', () => {
    const sent: string[] = [];
    const s = tokenStream((t) => sent.push(t));
    s.push('');
    s.end();
    expect(sent).toEqual([]);
    s.push('a');
    expect(sent).toEqual(['a']);
    s.end();
    expect(sent).toEqual(['a']);
  });
});
