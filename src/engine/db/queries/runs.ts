import type Database from 'better-sqlite3';

/** 'queued' is not stored in runs.status (see migration 011): a run with a run_queue row reads as queued. */
export type StoredRunStatus = 'running' | 'completed' | 'failed' | 'stopped' | 'interrupted';
export type RunStatus = StoredRunStatus | 'queued';
export interface RunRow {
  id: string; name: string; status: RunStatus; config: string; base_model: string; dataset_version_id: string | null;
  output_dir: string; pid: number | null; error: string | null; stderr_tail: string | null; result: string | null;
  created_at: string; updated_at: string; created_by: string; retry_of: string | null; start_args: string | null; slot: string | null;
  /** With pid: the host's boot id and the process's start time (src/engine/process-identity.ts). */
  pid_boot: string | null; pid_start: string | null;
}
export type NewRunRow = Omit<RunRow, 'status' | 'pid_boot' | 'pid_start'> & { status: StoredRunStatus };
export interface QueueRow { run_id: string; slot: string; trainer_args: string; enqueued_at: string; seq: number }
export interface RunTimingRow { estimated_seconds: number | null; raw_estimated_seconds: number | null; ran_seconds: number | null; processes: number }
export interface RunEventRow { run_id: string; seq: number; at: string; kind: string; message: string; data: string | null }

const SELECT_RUN = `SELECT r.id, r.name, CASE WHEN q.run_id IS NULL THEN r.status ELSE 'queued' END AS status, r.config, r.base_model,
  r.dataset_version_id, r.output_dir, r.pid, r.error, r.stderr_tail, r.result, r.created_at, r.updated_at, r.created_by,
  r.retry_of, r.start_args, r.slot, r.pid_boot, r.pid_start FROM runs r LEFT JOIN run_queue q ON q.run_id = r.id`;

export function runQueries(db: Database.Database) {
  const insert = db.prepare<[NewRunRow]>(
    `INSERT INTO runs (id, name, status, config, base_model, dataset_version_id, output_dir, pid, error, stderr_tail, result,
       created_at, updated_at, created_by, retry_of, start_args, slot)
     VALUES (@id, @name, @status, @config, @base_model, @dataset_version_id, @output_dir, @pid, @error, @stderr_tail, @result,
       @created_at, @updated_at, @created_by, @retry_of, @start_args, @slot)`,
  );
  const setState = db.prepare<{ id: string; status: StoredRunStatus; pid: number | null; pid_boot: string | null; pid_start: string | null; error: string | null; stderr_tail: string | null; result: string | null; updated_at: string }>(
    `UPDATE runs SET status = @status, pid = @pid, pid_boot = @pid_boot, pid_start = @pid_start, error = @error,
     stderr_tail = @stderr_tail, result = coalesce(@result, result), updated_at = @updated_at WHERE id = @id`,
  );
  const get = db.prepare<[string], RunRow>(`${SELECT_RUN} WHERE r.id = ?`);
  const list = db.prepare<[], RunRow>(`${SELECT_RUN} ORDER BY r.created_at DESC`);
  const running = db.prepare<[], RunRow>(`${SELECT_RUN} WHERE r.status = 'running' AND q.run_id IS NULL`);
  const active = db.prepare<[], RunRow>(`${SELECT_RUN} WHERE r.status = 'running' OR q.run_id IS NOT NULL`);
  const metric = db.prepare<[string, string, number, number]>('INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?)');
  const metrics = db.prepare<[string], { name: string; step: number; value: number }>('SELECT name, step, value FROM metrics WHERE run_id = ? ORDER BY name, step');
  const checkpoint = db.prepare<[string, number, string, string, string]>('INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?)');
  const removeCheckpoint = db.prepare<[string, number]>('DELETE FROM checkpoints WHERE run_id = ? AND step = ?');
  const checkpoints = db.prepare<[string], { step: number; path: string; sha256: string; created_at: string }>(
    'SELECT step, path, sha256, created_at FROM checkpoints WHERE run_id = ? ORDER BY step',
  );
  const enqueue = db.prepare<[string, string, string, string]>(
    'INSERT INTO run_queue (run_id, slot, trainer_args, enqueued_at, seq) VALUES (?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM run_queue))',
  );
  const dequeue = db.prepare<[string]>('DELETE FROM run_queue WHERE run_id = ?');
  const queue = db.prepare<[], QueueRow>('SELECT * FROM run_queue ORDER BY seq');
  const queued = db.prepare<[string], QueueRow>('SELECT * FROM run_queue WHERE run_id = ?');
  const addEvent = db.prepare<{ run: string; at: string; kind: string; message: string; data: string | null }>(
    'INSERT INTO run_events VALUES (@run, (SELECT coalesce(max(seq), 0) + 1 FROM run_events WHERE run_id = @run), @at, @kind, @message, @data)',
  );
  const events = db.prepare<[string, number], RunEventRow>('SELECT * FROM (SELECT * FROM run_events WHERE run_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq');
  // A run's `estimated` event (recorded when it was queued) and the seconds each of its trainer processes ran.
  const timing = db.prepare<{ run: string }, RunTimingRow>(`SELECT
    (SELECT json_extract(data, '$.seconds') FROM run_events WHERE run_id = @run AND kind = 'estimated' ORDER BY seq DESC LIMIT 1) AS estimated_seconds,
    (SELECT json_extract(data, '$.rawSeconds') FROM run_events WHERE run_id = @run AND kind = 'estimated' ORDER BY seq DESC LIMIT 1) AS raw_estimated_seconds,
    (SELECT sum(json_extract(data, '$.ranSeconds')) FROM run_events WHERE run_id = @run AND json_type(data, '$.ranSeconds') IN ('integer', 'real')) AS ran_seconds,
    (SELECT count(*) FROM run_events WHERE run_id = @run AND json_type(data, '$.ranSeconds') IN ('integer', 'real')) AS processes`);
  return {
    insert: (row: NewRunRow) => void insert.run(row),
    setState: (row: Parameters<typeof setState.run>[0]) => void setState.run(row),
    get: (id: string) => get.get(id),
    list: () => list.all(),
    running: () => running.all(),
    /** Running or queued. */
    active: () => active.all(),
    addMetrics: db.transaction((runId: string, step: number, values: Record<string, number>) => {
      for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) metric.run(runId, name, step, value);
    }),
    metrics: (runId: string) => metrics.all(runId),
    addCheckpoint: (runId: string, step: number, path: string, sha256: string) => void checkpoint.run(runId, step, path, sha256, new Date().toISOString()),
    checkpoints: (runId: string) => checkpoints.all(runId),
    /** The trainer deleted these checkpoint folders (keep-last-N): their rows go too. */
    removeCheckpoints: (runId: string, steps: number[]) => {
      for (const step of steps) removeCheckpoint.run(runId, step);
    },
    enqueue: (runId: string, slot: string, trainerArgs: string[]) => void enqueue.run(runId, slot, JSON.stringify(trainerArgs), new Date().toISOString()),
    dequeue: (runId: string) => dequeue.run(runId).changes > 0,
    queue: () => queue.all(),
    queued: (runId: string) => queued.get(runId),
    addEvent: (runId: string, kind: string, message: string, data?: unknown) =>
      void addEvent.run({ run: runId, at: new Date().toISOString(), kind, message, data: data === undefined ? null : JSON.stringify(data) }),
    events: (runId: string, limit = 200) => events.all(runId, limit),
    timing: (runId: string) => timing.get({ run: runId })!,
  };
}
