/**
 * Inter-annotator agreement on categorical labels (issue 15, shared labelling): Cohen's kappa for two labellers and
 * Krippendorff's alpha (nominal) for any number, with missing values. Pure arithmetic on what each labeller said per
 * unit (an example); the review data is gathered in `review-agreement.ts`.
 */

export interface KappaResult {
  /** Units both labellers labelled. */
  n: number;
  /** Observed agreement p_o and chance agreement p_e (from each labeller's own label frequencies). */
  observed: number;
  expected: number;
  /** (p_o - p_e) / (1 - p_e); null when undefined (no units, or p_e = 1: both always gave the same one label). */
  kappa: number | null;
}

/** Cohen's kappa over the units both labellers labelled: `pairs` is [label of the first, label of the second]. */
export function cohensKappa(pairs: ReadonlyArray<readonly [string, string]>): KappaResult {
  const n = pairs.length;
  if (n === 0) return { n, observed: 0, expected: 0, kappa: null };
  const first = new Map<string, number>();
  const second = new Map<string, number>();
  let same = 0;
  for (const [a, b] of pairs) {
    if (a === b) same += 1;
    first.set(a, (first.get(a) ?? 0) + 1);
    second.set(b, (second.get(b) ?? 0) + 1);
  }
  const observed = same / n;
  let expected = 0;
  for (const [label, count] of first) expected += (count / n) * ((second.get(label) ?? 0) / n);
  return { n, observed, expected, kappa: expected === 1 ? null : (observed - expected) / (1 - expected) };
}

export interface AlphaResult {
  /** Units with at least two values (the others carry no information about agreement). */
  units: number;
  /** Pairable values: the values in those units. */
  values: number;
  /** 1 - D_o / D_e; null when undefined (fewer than two pairable values, or every value the same label). */
  alpha: number | null;
}

/**
 * Krippendorff's alpha for nominal data. `units` holds, per unit, the values the labellers gave (missing ones left
 * out). From the coincidence matrix o (each ordered pair of values within a unit of m values counts 1/(m-1)):
 * alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k, with n_c the row sums and n the pairable values.
 */
export function krippendorffAlpha(units: ReadonlyArray<readonly string[]>): AlphaResult {
  const coincidences = new Map<string, Map<string, number>>();
  let pairable = 0;
  let unitCount = 0;
  for (const values of units) {
    const m = values.length;
    if (m < 2) continue;
    unitCount += 1;
    pairable += m;
    for (let i = 0; i < m; i += 1) {
      for (let j = 0; j < m; j += 1) {
        if (i === j) continue;
        const row = coincidences.get(values[i]!) ?? new Map<string, number>();
        row.set(values[j]!, (row.get(values[j]!) ?? 0) + 1 / (m - 1));
        coincidences.set(values[i]!, row);
      }
    }
  }
  if (pairable < 2) return { units: unitCount, values: pairable, alpha: null };
  const totals = new Map<string, number>();
  let disagreeing = 0;
  for (const [c, row] of coincidences) {
    for (const [k, o] of row) {
      totals.set(c, (totals.get(c) ?? 0) + o);
      if (c !== k) disagreeing += o;
    }
  }
  let expectedDisagreeing = 0;
  for (const [c, nc] of totals) for (const [k, nk] of totals) if (c !== k) expectedDisagreeing += nc * nk;
  if (expectedDisagreeing === 0) return { units: unitCount, values: pairable, alpha: null };
  return { units: unitCount, values: pairable, alpha: 1 - ((pairable - 1) * disagreeing) / expectedDisagreeing };
}
