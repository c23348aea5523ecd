import type Database from 'better-sqlite3';

export type SyntheticJobStatus = 'running' | 'cancelled' | 'failed' | 'done';
export interface SyntheticJobRow {
  id: string; source_version_id: string; model_id: string; model_sha256: string; adapter_ids: string; template: string;
  sampling: string; chunk_limit: number; status: SyntheticJobStatus; error: string | null; target_version_id: string | null;
  created_at: string; created_by: string; finished_at: string | null;
  /** The engine process running it (migration 020): pid and that host's boot time, null when none does. */
  owner_pid?: number | null; owner_boot?: string | null;
  /** JSON of the chunk filter the job was started with (migration 020); null: the whole version. */
  chunk_filter?: string | null;
}
export interface SyntheticChunkRow {
  job_id: string; chunk_position: number; chunk_hash: string; prompt_tokens: number; output_tokens: number;
  duration_ms: number; items: number; duplicates: number; problem: string | null;
}
export interface SyntheticItemRow {
  job_id: string; chunk_position: number; item_index: number; content_hash: string; content: string; source: string;
  provenance: string; grounded: number; grounding: string; pii: string; version_position: number | null;
}

/** All SQL of synthetic generation: jobs, finished chunks (the resume ledger) and generated items. */
export function syntheticQueries(db: Database.Database) {
  const insertJob = db.prepare<[SyntheticJobRow]>(
    `INSERT INTO synthetic_jobs (id, source_version_id, model_id, model_sha256, adapter_ids, template, sampling, chunk_limit, status,
      error, target_version_id, created_at, created_by, finished_at, chunk_filter)
     VALUES (@id, @source_version_id, @model_id, @model_sha256, @adapter_ids, @template, @sampling,
      @chunk_limit, @status, @error, @target_version_id, @created_at, @created_by, @finished_at, @chunk_filter)`,
  );
  const setOwner = db.prepare<[number | null, string | null, string]>('UPDATE synthetic_jobs SET owner_pid = ?, owner_boot = ? WHERE id = ?');
  const runningJobs = db.prepare<[], SyntheticJobRow>("SELECT * FROM synthetic_jobs WHERE status = 'running'");
  const job = db.prepare<[string], SyntheticJobRow>('SELECT * FROM synthetic_jobs WHERE id = ?');
  const jobs = db.prepare<[], SyntheticJobRow>('SELECT * FROM synthetic_jobs ORDER BY created_at DESC, id');
  const setStatus = db.prepare<[SyntheticJobStatus, string | null, string | null, string]>('UPDATE synthetic_jobs SET status = ?, error = ?, finished_at = ? WHERE id = ?');
  const setTarget = db.prepare<[string, string]>('UPDATE synthetic_jobs SET target_version_id = ? WHERE id = ?');
  const insertChunk = db.prepare<[SyntheticChunkRow]>(
    `INSERT INTO synthetic_chunks VALUES (@job_id, @chunk_position, @chunk_hash, @prompt_tokens, @output_tokens, @duration_ms, @items, @duplicates, @problem)`,
  );
  const doneChunks = db.prepare<[string], number>('SELECT chunk_position FROM synthetic_chunks WHERE job_id = ?').pluck();
  const totals = db.prepare<[string], { chunks: number; items: number; duplicates: number; output_tokens: number; prompt_tokens: number; duration_ms: number; problems: number }>(
    `SELECT count(*) AS chunks, coalesce(sum(items), 0) AS items, coalesce(sum(duplicates), 0) AS duplicates,
            coalesce(sum(output_tokens), 0) AS output_tokens, coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
            coalesce(sum(duration_ms), 0) AS duration_ms, count(problem) AS problems
       FROM synthetic_chunks WHERE job_id = ?`,
  );
  const insertItem = db.prepare<[SyntheticItemRow]>(
    `INSERT OR IGNORE INTO synthetic_items VALUES (@job_id, @chunk_position, @item_index, @content_hash, @content, @source,
      @provenance, @grounded, @grounding, @pii, @version_position)`,
  );
  const items = db.prepare<[string], SyntheticItemRow>('SELECT * FROM synthetic_items WHERE job_id = ? ORDER BY chunk_position, item_index');
  const setPosition = db.prepare<[number, string, number, number]>('UPDATE synthetic_items SET version_position = ? WHERE job_id = ? AND chunk_position = ? AND item_index = ?');
  const hashInJob = db.prepare<[string, string], number>('SELECT 1 FROM synthetic_items WHERE job_id = ? AND content_hash = ?').pluck();
  const hashInLibrary = db.prepare<[string], number>('SELECT 1 FROM examples WHERE content_hash = ?').pluck();
  const itemAt = db.prepare<[string, number], SyntheticItemRow>('SELECT i.* FROM synthetic_items i JOIN synthetic_jobs j ON j.id = i.job_id WHERE j.target_version_id = ? AND i.version_position = ?');
  // Fallback for versions derived from a generated one (e.g. the reviewed version): the unedited example keeps its hash.
  const itemByHash = db.prepare<[string], SyntheticItemRow>('SELECT * FROM synthetic_items WHERE content_hash = ? LIMIT 1');
  return {
    insertJob: (r: SyntheticJobRow) => void insertJob.run({ ...r, chunk_filter: r.chunk_filter ?? null }),
    setOwner: (id: string, pid: number | null, boot: string | null) => void setOwner.run(pid, boot, id),
    runningJobs: () => runningJobs.all(),
    job: (id: string) => job.get(id),
    jobs: () => jobs.all(),
    setStatus: (id: string, status: SyntheticJobStatus, error: string | null = null) =>
      void setStatus.run(status, error, status === 'running' ? null : new Date().toISOString(), id),
    setTarget: (id: string, versionId: string) => void setTarget.run(versionId, id),
    insertChunk: (r: SyntheticChunkRow) => void insertChunk.run(r),
    doneChunks: (jobId: string) => new Set(doneChunks.all(jobId)),
    totals: (jobId: string) => totals.get(jobId)!,
    /** Returns false when the job already holds this content (a duplicate answer to another chunk). */
    insertItem: (r: SyntheticItemRow) => insertItem.run(r).changes === 1,
    items: (jobId: string) => items.all(jobId),
    setPosition: (jobId: string, chunk: number, index: number, position: number) => void setPosition.run(position, jobId, chunk, index),
    isDuplicate: (jobId: string, hash: string) => hashInJob.get(jobId, hash) !== undefined || hashInLibrary.get(hash) !== undefined,
    itemAtVersionPosition: (versionId: string, position: number) => itemAt.get(versionId, position),
    itemByContentHash: (contentHash: string) => itemByHash.get(contentHash),
  };
}
