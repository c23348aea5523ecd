import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './win-rate.js';

describe('Wilson score interval', () => {
  it('matches hand-computed values', () => {
    // 8 of 10: p = 0.8, z = 1.96 → centre 0.7167, half-width 0.2265 → [0.4902, 0.9433] (textbook value).
    const r = wilsonInterval(8, 10)!;
    expect(r.rate).toBe(0.8);
    expect(r.low).toBeCloseTo(0.4902, 3);
    expect(r.high).toBeCloseTo(0.9433, 3);
    // 0 of 5 stays inside [0, 1]: [0, 0.4345].
    const zero = wilsonInterval(0, 5)!;
    expect(zero.low).toBeCloseTo(0, 12);
    expect(zero.high).toBeCloseTo(0.4345, 3);
    // 2.5 of 5 (a tie counted half) is centred at one half.
    const half = wilsonInterval(2.5, 5)!;
    expect((half.low + half.high) / 2).toBeCloseTo(0.5, 10);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});
