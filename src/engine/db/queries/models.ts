import type Database from 'better-sqlite3';

export type ModelKind = 'base' | 'adapter' | 'merged' | 'gguf' | 'gguf-lora';
export type ModelFormat = 'hf' | 'gguf' | 'peft';
export interface ModelRow {
  id: string; name: string; kind: ModelKind; format: ModelFormat; path: string; sha256: string; size_bytes: number;
  architecture: string | null; parameters: number | null; context_length: number | null; quantization: string | null;
  chat_template: string | null; license: string | null; details: string; parent_id: string | null; run_id: string | null;
  copied: 0 | 1; created_at: string; created_by: string;
}

/** All SQL on the model registry. */
export function modelQueries(db: Database.Database) {
  const insert = db.prepare<[ModelRow]>(
    `INSERT INTO models VALUES (@id, @name, @kind, @format, @path, @sha256, @size_bytes, @architecture, @parameters,
     @context_length, @quantization, @chat_template, @license, @details, @parent_id, @run_id, @copied, @created_at, @created_by)`,
  );
  const get = db.prepare<[string], ModelRow>('SELECT * FROM models WHERE id = ?');
  const list = db.prepare<[], ModelRow>('SELECT * FROM models ORDER BY created_at DESC, rowid DESC');
  const children = db.prepare<[string], ModelRow>('SELECT * FROM models WHERE parent_id = ? ORDER BY created_at');
  const bySha = db.prepare<[string, string], ModelRow>('SELECT * FROM models WHERE sha256 = ? AND kind = ? LIMIT 1');
  const byRun = db.prepare<[string], ModelRow>('SELECT * FROM models WHERE run_id = ? ORDER BY created_at');
  const rename = db.prepare<[string, string]>('UPDATE models SET name = ? WHERE id = ?');
  const markCrashed = db.prepare<{ path: string; crash: string }>(
    "UPDATE models SET details = json_set(details, '$.llamaCppCrash', json(@crash)) WHERE path = @path",
  );
  return {
    insert: (row: ModelRow) => void insert.run(row),
    /** Every registered model stored at `path` is marked as one llama.cpp crashed on (when and what it said). */
    markCrashed: (path: string, message: string) => void markCrashed.run({ path, crash: JSON.stringify({ at: new Date().toISOString(), message }) }),
    get: (id: string) => get.get(id),
    list: () => list.all(),
    children: (id: string) => children.all(id),
    findBySha: (sha256: string, kind: ModelKind) => bySha.get(sha256, kind),
    byRun: (runId: string) => byRun.all(runId),
    rename: (id: string, name: string) => void rename.run(name, id),
  };
}
