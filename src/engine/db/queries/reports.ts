import type Database from 'better-sqlite3';

/** Read-only look-ups the release report needs beyond the feature queries. */
export function reportQueries(db: Database.Database) {
  const splitCounts = db.prepare<[string], { split: string | null; n: number }>(
    'SELECT split, count(*) AS n FROM version_examples WHERE version_id = ? GROUP BY split',
  );
  const metricSeries = db.prepare<[string, string], { step: number; value: number }>(
    'SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step',
  );
  const latestRelease = db.prepare<{ exportId: string | null; modelId: string | null }, { id: string }>(
    'SELECT id FROM releases WHERE export_id = @exportId OR (@exportId IS NULL AND model_id = @modelId) ORDER BY created_at DESC, rowid DESC LIMIT 1',
  );
  return {
    /** The newest release decision naming the export, or (with no export given) the model. */
    latestReleaseId: (exportId: string | null, modelId: string | null) => latestRelease.get({ exportId, modelId })?.id ?? null,
    splitCounts: (versionId: string) => Object.fromEntries(splitCounts.all(versionId).map((r) => [r.split ?? 'unsplit', r.n])) as Record<string, number>,
    metricSeries: (runId: string, name: string) => metricSeries.all(runId, name).map((r) => [r.step, r.value] as [number, number]),
  };
}
