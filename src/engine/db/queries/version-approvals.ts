import type Database from 'better-sqlite3';

export interface VersionApprovalRow {
  id: string;
  version_id: string;
  content_hash: string;
  approved_by: string;
  approved_at: string;
  note: string | null;
}

/** Approvals of dataset versions for training (migration 031): inserted once, never changed. */
export function versionApprovalQueries(db: Database.Database) {
  const insert = db.prepare<[VersionApprovalRow]>('INSERT INTO version_approvals (id, version_id, content_hash, approved_by, approved_at, note) VALUES (@id, @version_id, @content_hash, @approved_by, @approved_at, @note)');
  const forVersion = db.prepare<[string], VersionApprovalRow>('SELECT * FROM version_approvals WHERE version_id = ? ORDER BY approved_at, id');
  return {
    insert: (row: VersionApprovalRow) => void insert.run(row),
    forVersion: (versionId: string) => forVersion.all(versionId),
  };
}
