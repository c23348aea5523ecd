import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce, newestBy } from './coalesce.js';

describe('coalesce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies everything pushed within the period once, in order, then starts a new period', () => {
    const batches: number[][] = [];
    const c = coalesce<number>((b) => batches.push(b), 250);
    for (let i = 1; i <= 12; i++) c.push(i); // a dozen steps in one burst
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(249);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]);
    c.push(13);
    vi.advanceTimersByTime(250);
    expect(batches).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [13]]);
    vi.advanceTimersByTime(10_000);
    expect(batches).toHaveLength(2); // nothing waiting, nothing applied
  });

  it('flush applies what waits now and cancel drops it', () => {
    const batches: string[][] = [];
    const c = coalesce<string>((b) => batches.push(b), 250);
    c.push('a');
    c.flush();
    expect(batches).toEqual([['a']]);
    c.push('b');
    c.cancel();
    vi.advanceTimersByTime(1000);
    expect(batches).toEqual([['a']]);
  });
});

describe('newestBy', () => {
  it('keeps the last item of each key, in the order keys first appeared', () => {
    const items = [{ id: 'a', v: 1 }, { id: 'b', v: 1 }, { id: 'a', v: 2 }];
    expect(newestBy(items, (i) => i.id)).toEqual([{ id: 'a', v: 2 }, { id: 'b', v: 1 }]);
  });
});
