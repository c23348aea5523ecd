import type Database from 'better-sqlite3';

/** Read-only look-ups the release report needs beyond the feature queries. */
export function reportQueries(db: Database.Database) {
  const splitCounts = db.prepare<[string], { split: string | null; n: number }>(
    'SELECT split, count(*) AS n FROM version_examples WHERE version_id = ? GROUP BY split',
  );
  const metricSeries = db.prepare<[string, string], { step: number; value: number }>(
    'SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step',
  );
  return {
    splitCounts: (versionId: string) => Object.fromEntries(splitCounts.all(versionId).map((r) => [r.split ?? 'unsplit', r.n])) as Record<string, number>,
    metricSeries: (runId: string, name: string) => metricSeries.all(runId, name).map((r) => [r.step, r.value] as [number, number]),
  };
}
