import { describe, expect, it } from 'vitest';
import { cohensKappa, krippendorffAlpha } from './agreement.js';

/** Agreement figures against cases computed by hand (and one published example). */
describe("Cohen's kappa", () => {
  it('matches a hand computation: 3 units, raters (a,a) (a,b) (b,b)', () => {
    // p_o = 2/3; rater 1 says a 2/3, b 1/3; rater 2 says a 1/3, b 2/3; p_e = 2/9 + 2/9 = 4/9; kappa = (2/9) / (5/9) = 0.4
    const r = cohensKappa([['a', 'a'], ['a', 'b'], ['b', 'b']]);
    expect(r.n).toBe(3);
    expect(r.observed).toBeCloseTo(2 / 3, 12);
    expect(r.expected).toBeCloseTo(4 / 9, 12);
    expect(r.kappa).toBeCloseTo(0.4, 12);
  });

  it('matches the 2×2 textbook case: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → p_o 0.7, p_e 0.5, kappa 0.4', () => {
    const pairs: Array<[string, string]> = [
      ...Array.from({ length: 20 }, () => ['yes', 'yes'] as [string, string]),
      ...Array.from({ length: 5 }, () => ['yes', 'no'] as [string, string]),
      ...Array.from({ length: 10 }, () => ['no', 'yes'] as [string, string]),
      ...Array.from({ length: 15 }, () => ['no', 'no'] as [string, string]),
    ];
    const r = cohensKappa(pairs);
    expect(r.observed).toBeCloseTo(0.7, 12);
    expect(r.expected).toBeCloseTo(0.5, 12);
    expect(r.kappa).toBeCloseTo(0.4, 12);
  });

  it('is 1 for perfect agreement, undefined with no units or one label throughout', () => {
    expect(cohensKappa([['a', 'a'], ['b', 'b']]).kappa).toBe(1);
    expect(cohensKappa([]).kappa).toBeNull();
    expect(cohensKappa([['a', 'a'], ['a', 'a']]).kappa).toBeNull();
  });
});

describe("Krippendorff's alpha (nominal)", () => {
  it('matches a hand computation: 3 units of two values (a,a) (a,b) (b,b)', () => {
    // o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n_a = n_b = 3, n = 6; alpha = 1 - (6 - 1) * 2 / (3*3 + 3*3) = 1 - 10/18
    const r = krippendorffAlpha([['a', 'a'], ['a', 'b'], ['b', 'b']]);
    expect(r).toMatchObject({ units: 3, values: 6 });
    expect(r.alpha).toBeCloseTo(1 - 10 / 18, 12);
  });

  it('matches a hand computation with a unit of three values and a unit with one (left out)', () => {
    // Units (a,a,b), (b,b), (c); the last has no pair. Unit 1 (m = 3), each ordered pair weighs 1/2:
    // a1→a2 and a2→a1 give o_aa = 1; a1→b and a2→b give o_ab = 1; b→a1 and b→a2 give o_ba = 1.
    // Unit 2 (m = 2): o_bb = 2. So n_a = 2, n_b = 3, n = 5; sum_{c≠k} o_ck = 2; sum_{c≠k} n_c n_k = 2·3 + 3·2 = 12.
    // alpha = 1 - (5 - 1) · 2 / 12 = 1/3.
    const r = krippendorffAlpha([['a', 'a', 'b'], ['b', 'b'], ['c']]);
    expect(r).toMatchObject({ units: 2, values: 5 });
    expect(r.alpha).toBeCloseTo(1 / 3, 12);
  });

  it("reproduces Krippendorff's published nominal example (4 observers, 12 units, missing values): alpha = 0.743", () => {
    const obs: Array<Array<number | null>> = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
      [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];
    const units = obs[0]!.map((_, u) => obs.map((row) => row[u]).filter((v): v is number => v !== null).map(String));
    expect(krippendorffAlpha(units).alpha).toBeCloseTo(0.743, 3);
  });

  it('is undefined without pairs, or when every value is the same label', () => {
    expect(krippendorffAlpha([['a']]).alpha).toBeNull();
    expect(krippendorffAlpha([['a', 'a'], ['a', 'a']]).alpha).toBeNull();
  });
});
