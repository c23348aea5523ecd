import type Database from 'better-sqlite3';

export interface HeldoutRow {
  id: string; model_id: string; model_sha256: string; adapter_id: string | null; adapter_sha256: string | null; label: string;
  dataset_version_id: string; split: 'train' | 'validation' | 'test' | 'all'; documents: number; tokens: number; loss: number; ppl: number;
  max_seq_len: number; stride: number; device: string; precision: string; seconds: number; per_document: string;
  created_at: string; created_by: string;
}
/** A row with the name and number of the dataset version it was measured on, for display. */
export type HeldoutListRow = HeldoutRow & { dataset_name: string; version_number: number };
const SELECT = `SELECT h.*, d.name AS dataset_name, v.number AS version_number FROM heldout_results h
  JOIN dataset_versions v ON v.id = h.dataset_version_id JOIN datasets d ON d.id = v.dataset_id`;

/** All SQL on held-out loss/perplexity results (append-only: a result is a measurement, never edited). */
export function heldoutQueries(db: Database.Database) {
  const insert = db.prepare<[HeldoutRow]>(
    `INSERT INTO heldout_results VALUES (@id, @model_id, @model_sha256, @adapter_id, @adapter_sha256, @label, @dataset_version_id,
     @split, @documents, @tokens, @loss, @ppl, @max_seq_len, @stride, @device, @precision, @seconds, @per_document, @created_at, @created_by)`,
  );
  const get = db.prepare<[string], HeldoutListRow>(`${SELECT} WHERE h.id = ?`);
  const list = db.prepare<[], HeldoutListRow>(`${SELECT} ORDER BY h.created_at DESC, h.rowid DESC LIMIT 500`);
  const byVersion = db.prepare<[string], HeldoutListRow>(
    `${SELECT} WHERE h.dataset_version_id = ? ORDER BY h.created_at DESC, h.rowid DESC LIMIT 500`,
  );
  return {
    insert: (row: HeldoutRow) => void insert.run(row),
    get: (id: string) => get.get(id),
    list: (versionId?: string) => (versionId ? byVersion.all(versionId) : list.all()),
  };
}
