/**
 * Wilson score interval for a proportion: successes out of n at ~95% (z = 1.96). Ties count as half a win, the
 * usual convention for preference data; the interval is then an approximation on the effective win count.
 * Wilson rather than the normal approximation because it stays inside [0, 1] and behaves at small n — a domain
 * expert labels tens of pairs, not thousands.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959964): { rate: number; low: number; high: number } | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
