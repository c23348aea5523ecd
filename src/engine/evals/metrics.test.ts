import { describe, expect, it } from 'vitest';
import { pairedBootstrap, seededRandom } from './bootstrap.js';
import { exactMatch, lcsLength, normalizeAnswer, rougeL, scoreAnswer, tokenF1 } from './metrics.js';

describe('generation metrics', () => {
  it('normalises like SQuAD: case, punctuation, articles, white space', () => {
    expect(normalizeAnswer('  The  Relay!  ')).toBe('relay');
    expect(normalizeAnswer('Lock-out/tag-out.')).toBe('lock out tag out');
    expect(exactMatch('The relay.', 'relay')).toBe(1);
    expect(exactMatch('A relay switch', 'relay')).toBe(0);
  });

  it('token F1 counts overlap with multiplicity', () => {
    // prediction 4 tokens, reference 3, 2 shared: P = 1/2, R = 2/3, F1 = 4/7
    expect(tokenF1('the cat sat on mat', 'cat on a rug')).toBeCloseTo(2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3), 10);
    expect(tokenF1('red red red', 'red')).toBeCloseTo(2 * (1 / 3) * 1 / (1 / 3 + 1), 10);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('something', '')).toBe(0);
    expect(tokenF1('alpha', 'beta')).toBe(0);
  });

  it('ROUGE-L uses the longest common subsequence', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'b'])).toBe(3);
    // "police killed gunman" vs "police kill gunman": LCS = 2 (police, gunman) of 3 and 3 → 2/3
    expect(rougeL('police killed the gunman', 'police kill the gunman')).toBeCloseTo(2 / 3, 10);
    expect(rougeL('x y z', 'x y z')).toBe(1);
    expect(scoreAnswer('The breaker opens.', 'the breaker opens')).toEqual({ exact: 1, f1: 1, rougeL: 1 });
  });
});

describe('paired bootstrap', () => {
  it('a constant difference gives a zero-width interval at that difference', () => {
    const a = [0.1, 0.5, 0.9, 0.3, 0.7];
    const ci = pairedBootstrap(a, a.map((x) => x + 0.25), { seed: 3 });
    expect(ci.delta).toBeCloseTo(0.25, 12);
    expect(ci.low).toBeCloseTo(0.25, 12);
    expect(ci.high).toBeCloseTo(0.25, 12);
  });

  it('a symmetric difference brackets zero', () => {
    const a = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const b = a.map((x) => 1 - x); // half the items better by 1, half worse by 1
    const ci = pairedBootstrap(a, b, { seed: 1 });
    expect(ci.delta).toBe(0);
    expect(ci.low).toBeLessThan(0);
    expect(ci.high).toBeGreaterThan(0);
  });

  it('matches the normal approximation mean ± 1.96·sd/√n on a large sample', () => {
    const rand = seededRandom(42);
    const n = 2000;
    const a = Array.from({ length: n }, () => rand());
    const b = a.map((x) => x + 0.05 + (rand() - 0.5) * 0.6); // differences uniform on [-0.25, 0.35]
    const d = a.map((x, i) => b[i]! - x);
    const mean = d.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    const half = (1.96 * sd) / Math.sqrt(n);
    const ci = pairedBootstrap(a, b, { seed: 7, resamples: 4000 });
    expect(ci.delta).toBeCloseTo(mean, 12);
    expect(Math.abs(ci.low - (mean - half))).toBeLessThan(half * 0.1);
    expect(Math.abs(ci.high - (mean + half))).toBeLessThan(half * 0.1);
  });

  it('is deterministic for a seed and refuses unpaired inputs', () => {
    const a = [0, 1, 0, 1, 1, 0, 0, 1];
    const b = [1, 1, 0, 1, 0, 1, 1, 1];
    expect(pairedBootstrap(a, b, { seed: 5 })).toEqual(pairedBootstrap(a, b, { seed: 5 }));
    expect(() => pairedBootstrap(a, b.slice(1))).toThrow(/equal lengths/);
  });
});
