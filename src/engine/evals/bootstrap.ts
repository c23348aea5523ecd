/**
 * Paired bootstrap confidence interval for the difference of two models' mean scores on the same items.
 * Pairing matters: both models answered the same questions, so resampling item indices (not each model's
 * scores separately) keeps per-item difficulty out of the interval. Seeded, so the same inputs always give
 * the same interval — a reviewer re-running the comparison gets the numbers in the report.
 */

/** mulberry32: small, fast, good enough for resampling; deterministic for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PairedInterval {
  /** Mean of b − a over the items. */
  delta: number;
  low: number;
  high: number;
  confidence: number;
  resamples: number;
  n: number;
}

/** Percentile interval of mean(b − a) over `resamples` resamples of the item indices. */
export function pairedBootstrap(a: readonly number[], b: readonly number[], opts: { resamples?: number; confidence?: number; seed?: number } = {}): PairedInterval {
  if (a.length !== b.length) throw new Error(`paired bootstrap needs equal lengths (${a.length} vs ${b.length})`);
  const n = a.length;
  const resamples = opts.resamples ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  if (n === 0) return { delta: 0, low: 0, high: 0, confidence, resamples, n };
  const d = a.map((x, i) => b[i]! - x);
  const delta = d.reduce((s, x) => s + x, 0) / n;
  const rand = seededRandom(opts.seed ?? 0);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[Math.floor(rand() * n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const tail = (1 - confidence) / 2;
  return { delta, low: quantile(means, tail), high: quantile(means, 1 - tail), confidence, resamples, n };
}

/** Linear-interpolated quantile of sorted values (type 7, as numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
