import type Database from 'better-sqlite3';
import type { VersionRow } from './datasets.js';

export interface ImportSourceRow { source_path: string; source_sha256: string; source_bytes: number; format: string; rows_imported: number; created_at: string }

/** What an export's manifest needs: a version's lineage and the files its root was imported from. */
export function exportQueries(db: Database.Database) {
  const lineage = db.prepare<[string], VersionRow>(
    `WITH RECURSIVE chain(id, depth) AS (SELECT ?, 0 UNION ALL SELECT v.parent_id, c.depth + 1 FROM chain c JOIN dataset_versions v ON v.id = c.id WHERE v.parent_id IS NOT NULL)
     SELECT v.* FROM chain c JOIN dataset_versions v ON v.id = c.id ORDER BY c.depth DESC`,
  );
  const importsOf = db.prepare<[string], ImportSourceRow>(
    'SELECT source_path, source_sha256, source_bytes, format, rows_imported, created_at FROM imports WHERE version_id = ? ORDER BY created_at',
  );
  const splitCounts = db.prepare<[string], { split: string | null; n: number }>('SELECT split, count(*) AS n FROM version_examples WHERE version_id = ? GROUP BY split');
  return {
    /** Oldest first: the imported root, then each step down to the version itself. */
    lineage: (versionId: string) => lineage.all(versionId),
    importsOf: (versionId: string) => importsOf.all(versionId),
    splitCounts: (versionId: string) => splitCounts.all(versionId),
  };
}
