import { describe, expect, it } from 'vitest';
import { jaccard, nearDuplicateClusters } from './minhash.js';

describe('MinHash near-duplicate clusters', () => {
  it('groups light edits together and keeps distinct texts apart', () => {
    const texts = [
      'Before opening a breaker cabinet, apply lock-out/tag-out and verify zero energy with a tested meter.',
      'Before opening a breaker cabinet, apply lock-out/tag-out and verify zero energy with a tested meter!',
      'before opening a breaker cabinet apply lock-out/tag-out and verify zero energy with a tested meter.',
      'Transformer oil samples are taken every quarter and tested for dissolved gases.',
      'Outage reports go to the regulator within 24 hours of restoration.',
    ];
    expect(jaccard(texts[0]!, texts[1]!)).toBeGreaterThan(0.8);
    expect(nearDuplicateClusters(texts)).toEqual([[0, 1, 2]]);
  });

  it('finds at least 90% of the pairs a brute-force check finds at Jaccard 0.8', () => {
    const base = Array.from({ length: 150 }, (_, i) => `Substation ${i} inspection: check bushings, oil level ${i % 7}, relay settings ${i * 3}, and the grounding grid near bay ${i % 11}.`);
    const texts = [...base, ...base.slice(0, 60).map((t, i) => (i % 2 ? t.replace('check', 'Check') + ' ' : t.replace('.', ' today.')))];
    let truePairs = 0;
    let found = 0;
    const clusters = nearDuplicateClusters(texts);
    const clusterOf = new Map<number, number>();
    clusters.forEach((c, k) => c.forEach((i) => clusterOf.set(i, k)));
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (jaccard(texts[i]!, texts[j]!) >= 0.8) {
          truePairs += 1;
          if (clusterOf.has(i) && clusterOf.get(i) === clusterOf.get(j)) found += 1;
        }
      }
    }
    expect(truePairs).toBeGreaterThanOrEqual(60);
    expect(found / truePairs).toBeGreaterThanOrEqual(0.9);
  });
});
