import type Database from 'better-sqlite3';

export type RunStatus = 'running' | 'completed' | 'failed' | 'stopped' | 'interrupted';
export interface RunRow {
  id: string; name: string; status: RunStatus; config: string; base_model: string; dataset_version_id: string | null;
  output_dir: string; pid: number | null; error: string | null; stderr_tail: string | null; result: string | null;
  created_at: string; updated_at: string; created_by: string;
}

export function runQueries(db: Database.Database) {
  const insert = db.prepare<[RunRow]>(
    `INSERT INTO runs VALUES (@id, @name, @status, @config, @base_model, @dataset_version_id, @output_dir, @pid, @error,
     @stderr_tail, @result, @created_at, @updated_at, @created_by)`,
  );
  const setState = db.prepare<{ id: string; status: RunStatus; pid: number | null; error: string | null; stderr_tail: string | null; result: string | null; updated_at: string }>(
    `UPDATE runs SET status = @status, pid = @pid, error = @error, stderr_tail = @stderr_tail,
     result = coalesce(@result, result), updated_at = @updated_at WHERE id = @id`,
  );
  const get = db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?');
  const list = db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY created_at DESC');
  const running = db.prepare<[], RunRow>("SELECT * FROM runs WHERE status = 'running'");
  const metric = db.prepare<[string, string, number, number]>('INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?)');
  const metrics = db.prepare<[string], { name: string; step: number; value: number }>('SELECT name, step, value FROM metrics WHERE run_id = ? ORDER BY name, step');
  const checkpoint = db.prepare<[string, number, string, string, string]>('INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?)');
  const checkpoints = db.prepare<[string], { step: number; path: string; sha256: string; created_at: string }>(
    'SELECT step, path, sha256, created_at FROM checkpoints WHERE run_id = ? ORDER BY step',
  );
  return {
    insert: (row: RunRow) => void insert.run(row),
    setState: (row: Parameters<typeof setState.run>[0]) => void setState.run(row),
    get: (id: string) => get.get(id),
    list: () => list.all(),
    running: () => running.all(),
    addMetrics: db.transaction((runId: string, step: number, values: Record<string, number>) => {
      for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) metric.run(runId, name, step, value);
    }),
    metrics: (runId: string) => metrics.all(runId),
    addCheckpoint: (runId: string, step: number, path: string, sha256: string) => void checkpoint.run(runId, step, path, sha256, new Date().toISOString()),
    checkpoints: (runId: string) => checkpoints.all(runId),
  };
}
