import type Database from 'better-sqlite3';

export interface ExportRow {
  id: string; name: string; model_id: string; base_model_id: string | null; run_id: string | null; path: string;
  formats: string; status: 'running' | 'draft' | 'failed'; manifest_sha256: string | null; verification: string;
  error: string | null; created_at: string; finished_at: string | null; created_by: string;
  /** The engine process running it (src/engine/process-identity.ts); null once finished or from before owners. */
  owner_pid: number | null; owner_boot: string | null; owner_start: string | null;
}
export interface ExportFileRow { export_id: string; path: string; format: string; quant: string | null; sha256: string; bytes: number }
export interface RunFacts {
  id: string; name: string; config: string; base_model: string; dataset_version_id: string | null; result: string | null; created_at: string;
  dataset_name: string | null; version_number: number | null; content_hash: string | null; example_count: number | null;
}

/** All SQL on exports, plus the read-only look-ups the model card needs (run, dataset version). */
export function exportQueries(db: Database.Database) {
  const insert = db.prepare<[ExportRow]>(
    `INSERT INTO exports (id, name, model_id, base_model_id, run_id, path, formats, status, manifest_sha256, verification, error,
       created_at, finished_at, created_by, owner_pid, owner_boot, owner_start)
     VALUES (@id, @name, @model_id, @base_model_id, @run_id, @path, @formats, @status, @manifest_sha256,
     @verification, @error, @created_at, @finished_at, @created_by, @owner_pid, @owner_boot, @owner_start)`,
  );
  const finish = db.prepare<{ id: string; status: string; manifest_sha256: string | null; verification: string; error: string | null; finished_at: string }>(
    `UPDATE exports SET status = @status, manifest_sha256 = @manifest_sha256, verification = @verification, error = @error,
     finished_at = @finished_at WHERE id = @id`,
  );
  const insertFile = db.prepare<[ExportFileRow]>('INSERT INTO export_files VALUES (@export_id, @path, @format, @quant, @sha256, @bytes)');
  const get = db.prepare<[string], ExportRow>('SELECT * FROM exports WHERE id = ?');
  const fileBySha = db.prepare<[string], ExportFileRow>(
    `SELECT f.* FROM export_files f JOIN exports e ON e.id = f.export_id WHERE f.sha256 = ? AND e.status = 'draft' ORDER BY e.created_at DESC LIMIT 1`,
  );
  const list = db.prepare<[], ExportRow>('SELECT * FROM exports ORDER BY created_at DESC, rowid DESC');
  const running = db.prepare<[], ExportRow>("SELECT * FROM exports WHERE status = 'running'");
  const interrupt = db.prepare<{ id: string; error: string; finished_at: string }>(
    "UPDATE exports SET status = 'failed', error = @error, finished_at = @finished_at, owner_pid = NULL WHERE id = @id AND status = 'running'",
  );
  const files = db.prepare<[string], ExportFileRow>('SELECT * FROM export_files WHERE export_id = ? ORDER BY path');
  const runFacts = db.prepare<[string], RunFacts>(
    `SELECT r.id, r.name, r.config, r.base_model, r.dataset_version_id, r.result, r.created_at,
            d.name AS dataset_name, v.number AS version_number, v.content_hash, v.example_count
       FROM runs r LEFT JOIN dataset_versions v ON v.id = r.dataset_version_id LEFT JOIN datasets d ON d.id = v.dataset_id
      WHERE r.id = ?`,
  );
  const versionFacts = db.prepare<[string], { id: string; dataset_name: string; number: number; content_hash: string; example_count: number }>(
    `SELECT v.id, d.name AS dataset_name, v.number, v.content_hash, v.example_count
       FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?`,
  );
  const lastMetric = db.prepare<[string, string], { step: number; value: number }>(
    'SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step DESC LIMIT 1',
  );
  return {
    insert: (row: ExportRow) => void insert.run(row),
    /** The final state and the file list, in one transaction: a draft always has its files. */
    finish: db.transaction((id: string, status: 'draft' | 'failed', fileRows: ExportFileRow[], manifest: string | null, verification: unknown, error: string | null) => {
      for (const f of fileRows) insertFile.run(f);
      finish.run({ id, status, manifest_sha256: manifest, verification: JSON.stringify(verification ?? {}), error, finished_at: new Date().toISOString() });
    }),
    get: (id: string) => get.get(id),
    /** The newest finished export that holds a file with these bytes. */
    fileBySha: (sha256: string) => fileBySha.get(sha256),
    list: () => list.all(),
    running: () => running.all(),
    /** A running export whose engine is gone becomes failed with `error`; false if it had finished meanwhile. */
    interrupt: (id: string, error: string) => interrupt.run({ id, error, finished_at: new Date().toISOString() }).changes === 1,
    files: (id: string) => files.all(id),
    runFacts: (runId: string) => runFacts.get(runId),
    versionFacts: (versionId: string) => versionFacts.get(versionId),
    lastMetric: (runId: string, name: string) => lastMetric.get(runId, name),
  };
}
