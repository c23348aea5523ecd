import type { Migration } from './types.js';

/**
 * The model registry: base models (HF safetensors folders or GGUF files), adapters from runs, merged models and
 * conversions. Files stay where the user keeps them unless copied; the row holds the path and the sha256 so a
 * later run, eval or export can prove which bytes it used. `parent_id` links a conversion or adapter to its base.
 */
export const migration006: Migration = {
  version: 6,
  name: 'model registry',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('base', 'adapter', 'merged', 'gguf', 'gguf-lora')),
        format         TEXT NOT NULL CHECK (format IN ('hf', 'gguf', 'peft')),
        path           TEXT NOT NULL,
        sha256         TEXT NOT NULL,
        size_bytes     INTEGER NOT NULL,
        architecture   TEXT,
        parameters     INTEGER,
        context_length INTEGER,
        quantization   TEXT,
        chat_template  TEXT,
        license        TEXT,
        details        TEXT NOT NULL DEFAULT '{}',
        parent_id      TEXT REFERENCES models(id),
        run_id         TEXT REFERENCES runs(id),
        copied         INTEGER NOT NULL DEFAULT 0 CHECK (copied IN (0, 1)),
        created_at     TEXT NOT NULL,
        created_by     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX models_parent ON models(parent_id);
      CREATE INDEX models_sha ON models(sha256);
    `);
  },
};
