import { describe, expect, it } from 'vitest';
import { DECISIVE, ggufTolerance, logitAgreement, type GgufReference, type GgufScores } from './gguf-verify.js';

/** A reference with the given top-K log-probs per position (ids 0..K-1 in order). */
function reference(positions: number[][]): GgufReference {
  return {
    text: 'x', tokens: positions.map((_, i) => i), dtype: 'float32', parameters: 1,
    config: { layers: 1, hidden: 1, vocab: 10, tokenizer_vocab: 10 },
    positions: positions.map((lps, index) => ({ index, top: lps.map((lp, id) => [id, lp] as [number, number]) })),
  };
}

function scores(positions: number[][], argmax: number[]): GgufScores {
  return { textTokens: null, positions: positions.map((logprobs, index) => ({ index, argmax: argmax[index]!, logprobs })) };
}

const ln = Math.log;

describe('GGUF next-token agreement with the source model', () => {
  it('is exact for identical distributions: KL 0 and every clear position agrees', () => {
    const p = [[ln(0.9), ln(0.05), ln(0.02)], [ln(0.5), ln(0.3), ln(0.1)]];
    const a = logitAgreement(reference(p), scores(p, [0, 0]));
    expect(a.meanKl).toBeCloseTo(0, 12);
    expect(a.maxKl).toBeCloseTo(0, 12);
    // position 0 leads by ln(0.9/0.05) ≈ 2.9 nats (clear); position 1 by ln(5/3) ≈ 0.51 (a near-tie, not judged)
    expect(a.decisivePositions).toBe(1);
    expect(a.top1Agreement).toBe(1);
  });

  it('measures KL over the top-K plus one bucket for the rest of the mass', () => {
    const ref = reference([[ln(0.6), ln(0.3)]]); // rest 0.1
    const got = scores([[ln(0.3), ln(0.6)]], [1]); // rest 0.1
    const expected = 0.6 * ln(0.6 / 0.3) + 0.3 * ln(0.3 / 0.6) + 0.1 * ln(1);
    expect(logitAgreement(ref, got).meanKl).toBeCloseTo(expected, 10);
  });

  it('flags a conversion that picks another token where the source is sure', () => {
    const p = [[ln(0.95), ln(0.01)], [ln(0.95), ln(0.01)], [ln(0.95), ln(0.01)]];
    const a = logitAgreement(reference(p), scores([[ln(0.01), ln(0.95)], [ln(0.95), ln(0.01)], [ln(0.01), ln(0.95)]], [1, 0, 1]));
    expect(a.decisivePositions).toBe(3);
    expect(a.top1Agreement).toBeCloseTo(1 / 3, 10);
    expect(a.meanKl).toBeGreaterThan(ggufTolerance('Q4_K_M').meanKl);
  });

  it('has no clear positions on a near-uniform model (a top-1 share is then not judged)', () => {
    const p = [[ln(0.11), ln(0.1), ln(0.1)]];
    const a = logitAgreement(reference(p), scores(p, [2]));
    expect(0.11 / 0.1).toBeLessThan(Math.exp(DECISIVE));
    expect(a.decisivePositions).toBe(0);
    expect(a.top1Agreement).toBeNull();
  });

  it('allows more change for lossier types, never less', () => {
    const order = ['F16', 'Q8_0', 'Q6_K', 'Q4_K_M', 'Q2_K'].map(ggufTolerance);
    for (let i = 1; i < order.length; i++) {
      expect(order[i]!.meanKl).toBeGreaterThanOrEqual(order[i - 1]!.meanKl);
      expect(order[i]!.top1).toBeLessThanOrEqual(order[i - 1]!.top1);
    }
  });
});
