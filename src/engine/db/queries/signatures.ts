import type Database from 'better-sqlite3';

export interface SignatureRow {
  id: string;
  record_type: 'release' | 'dataset_version';
  record_id: string;
  record_sha256: string;
  user_id: number;
  printed_name: string;
  meaning: string;
  signed_at: string;
  binding_sha256: string;
}

/** Electronic signatures (migration 028): inserted once, never changed. */
export function signatureQueries(db: Database.Database) {
  const insert = db.prepare<[SignatureRow]>(
    `INSERT INTO signatures (id, record_type, record_id, record_sha256, user_id, printed_name, meaning, signed_at, binding_sha256)
     VALUES (@id, @record_type, @record_id, @record_sha256, @user_id, @printed_name, @meaning, @signed_at, @binding_sha256)`,
  );
  const forRecord = db.prepare<[string, string], SignatureRow>('SELECT * FROM signatures WHERE record_type = ? AND record_id = ? ORDER BY signed_at, id');
  return {
    insert: (row: SignatureRow) => void insert.run(row),
    forRecord: (type: SignatureRow['record_type'], id: string) => forRecord.all(type, id),
  };
}
