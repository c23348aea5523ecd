import type { Migration } from './types.js';

/**
 * Exports: one folder per export (merged safetensors, GGUFs, Ollama Modelfile, model card, SHA256SUMS) and the
 * verification that each artefact loads. `status` is 'running' while it is written, then 'draft' (no release
 * gate has approved it yet) or 'failed'. `export_files` holds every file's sha256 — the same lines as the
 * folder's SHA256SUMS — so a copy can be checked against the library without the folder.
 */
export const migration010: Migration = {
  version: 10,
  name: 'model conversions and exports',
  up(db) {
    db.exec(`
      CREATE TABLE exports (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        model_id        TEXT NOT NULL REFERENCES models(id),
        base_model_id   TEXT REFERENCES models(id),
        run_id          TEXT REFERENCES runs(id),
        path            TEXT NOT NULL,
        formats         TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('running', 'draft', 'failed')),
        manifest_sha256 TEXT,
        verification    TEXT NOT NULL DEFAULT '{}',
        error           TEXT,
        created_at      TEXT NOT NULL,
        finished_at     TEXT,
        created_by      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX exports_model ON exports(model_id);

      CREATE TABLE export_files (
        export_id TEXT NOT NULL REFERENCES exports(id),
        path      TEXT NOT NULL,
        format    TEXT NOT NULL,
        quant     TEXT,
        sha256    TEXT NOT NULL,
        bytes     INTEGER NOT NULL,
        PRIMARY KEY (export_id, path)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
