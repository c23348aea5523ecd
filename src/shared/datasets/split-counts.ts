/**
 * How many examples a split gives each part: the requested shares, rounded as integer counts allow, and always
 * adding up to the total (test and validation rounded to the nearest whole example, train the rest). The engine
 * splits to exactly these counts (per source file when stratified) and the Curate dialog previews them, so the
 * preview is the result.
 */
export function splitCounts(total: number, validation: number, test: number): { train: number; validation: number; test: number } {
  const t = Math.min(total, Math.round(total * test));
  const v = Math.min(total - t, Math.round(total * validation));
  return { train: total - t - v, validation: v, test: t };
}
