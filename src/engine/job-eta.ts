/** How long a job must have been measured before its ETA is shown: a shorter window is mostly start-up noise. */
export const ETA_MIN_MEASURED_MS = 3_000;

/** The first fraction a job reported, and when: throughput is measured from here (a resumed job starts above 0). */
export interface EtaBaseline {
  at: number;
  fraction: number;
}

/**
 * Time left from measured throughput: progress gained since the baseline over the time it took, applied to what
 * remains. Null until at least ETA_MIN_MEASURED_MS have passed and some progress was made, and for jobs of
 * unknown length (fraction null). A job that stalls sees its ETA grow, since the rate is taken up to `now`.
 */
export function estimateEtaMs(fraction: number | null, baseline: EtaBaseline | null, now: number): number | null {
  if (fraction === null || baseline === null) return null;
  if (fraction >= 1) return 0;
  const measuredMs = now - baseline.at;
  const gained = fraction - baseline.fraction;
  if (measuredMs < ETA_MIN_MEASURED_MS || gained <= 0) return null;
  return Math.round(((1 - fraction) * measuredMs) / gained);
}
