import { describe, expect, it } from 'vitest';
import { minGain } from './gate.js';

describe('release gate numbers', () => {
  it('states the required score rounded as people read it, and decides on the same number', () => {
    const r = minGain('token F1', 0.0056, 0.0556, 5); // base 0.56 points, candidate 5.56
    expect(r.required).toBe(5.56);
    expect(r.detail).toBe('token F1 5.56 vs base 0.56 (needs ≥ base + 5 = 5.56)');
    expect(r.passed).toBe(true);
    expect(minGain('token F1', 0.0056, 0.0555, 5).passed).toBe(false);
    expect(minGain('exact match', 0.123456, 0.2, 2.5).detail).toMatch(/= 14\.85\)$/);
  });
});
