import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { evalQueries } from '../db/queries/evals.js';
import { exportQueries } from '../db/queries/exports.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { playgroundQueries } from '../db/queries/playground.js';
import { runQueries } from '../db/queries/runs.js';
import { Engine } from '../engine.js';

/** app.firstSteps: the getting-started checklist reads real progress through the main job from the database. */
const SAMPLE = path.resolve(import.meta.dirname, '../../../resources/samples/northwind-qa.jsonl');
const now = () => new Date().toISOString();

async function doneIds(engine: Engine): Promise<string[]> {
  const { steps } = await engine.call('app.firstSteps', {});
  expect(steps.map((s) => s.id)).toEqual(['import', 'base', 'train', 'compare', 'evaluate', 'export']);
  return steps.filter((s) => s.done).map((s) => s.id);
}

function model(kind: ModelRow['kind'], format: ModelRow['format']): ModelRow {
  return {
    id: randomUUID(), name: `${kind}-${format}`, kind, format, path: '/models/x', sha256: randomUUID(), size_bytes: 1,
    architecture: 'llama', parameters: null, context_length: null, quantization: null, chat_template: null, license: null,
    details: '{}', parent_id: null, run_id: null, copied: 0, created_at: now(), created_by: 'test',
  };
}

describe('app.firstSteps', () => {
  it('starts with nothing done, marks an import done through the real handler, and each later step by its own rows', async () => {
    const engine = Engine.open({ dataDir: tempDir(), mode: 'test' });
    try {
      expect(await doneIds(engine)).toEqual([]);

      const imported = await engine.call('datasets.import', { path: SAMPLE, datasetName: 'Northwind QA' });
      expect(await doneIds(engine)).toEqual(['import']);

      const db = engine.ctx.db!;
      // A GGUF (chat only) or an adapter is no trainable base; an HF folder registered as a base is.
      const models = modelQueries(db);
      models.insert(model('gguf', 'gguf'));
      models.insert(model('base', 'gguf'));
      models.insert(model('adapter', 'peft'));
      expect(await doneIds(engine)).toEqual(['import']);
      const base = model('base', 'hf');
      models.insert(base);
      expect(await doneIds(engine)).toEqual(['import', 'base']);

      // Only a completed run counts: not one that failed or is still running.
      const runs = runQueries(db);
      const run = (status: 'running' | 'failed' | 'completed') => {
        const id = randomUUID();
        runs.insert({
          id, name: `run-${status}`, status, config: '{}', base_model: base.path, dataset_version_id: imported.versionId, output_dir: '/runs/x',
          pid: null, error: null, stderr_tail: null, result: null, created_at: now(), updated_at: now(), created_by: 'test',
          retry_of: null, start_args: null, slot: null,
        });
        return id;
      };
      run('running');
      run('failed');
      expect(await doneIds(engine)).toEqual(['import', 'base']);
      const completed = run('completed');
      expect(await doneIds(engine)).toEqual(['import', 'base', 'train']);

      playgroundQueries(db).insertConversation({
        id: randomUUID(), title: 'What is a feeder?', mode: 'side-by-side', system: '', settings: '{}', targets: '[]',
        created_at: now(), updated_at: now(), created_by: 'test',
      });
      expect(await doneIds(engine)).toEqual(['import', 'base', 'train', 'compare']);

      const evals = evalQueries(db);
      const evalRow = (status: 'running' | 'failed' | 'cancelled' | 'done') => evals.insertEval({
        id: randomUUID(), label: `eval-${status}`, model_id: base.id, adapter_ids: '[]', dataset_version_id: imported.versionId, split: 'all',
        settings: '{}', status, item_count: 1, error: null, created_at: now(), finished_at: null, created_by: 'test',
      });
      evalRow('running');
      evalRow('failed');
      evalRow('cancelled');
      expect(await doneIds(engine)).toEqual(['import', 'base', 'train', 'compare']);
      evalRow('done');
      expect(await doneIds(engine)).toEqual(['import', 'base', 'train', 'compare', 'evaluate']);

      const exports = exportQueries(db);
      const exportRow = (status: 'running' | 'failed') => {
        const id = randomUUID();
        exports.insert({
          id, name: `export-${status}`, model_id: base.id, base_model_id: base.id, run_id: completed, path: '/exports/x', formats: '[]', status,
          manifest_sha256: null, verification: '{}', error: null, created_at: now(), finished_at: null, created_by: 'test',
          owner_pid: null, owner_boot: null, owner_start: null,
        });
        return id;
      };
      exportRow('failed');
      const running = exportRow('running');
      expect(await doneIds(engine)).toEqual(['import', 'base', 'train', 'compare', 'evaluate']);
      exports.finish(running, 'draft', [], null, {}, null);
      expect(await doneIds(engine)).toEqual(['import', 'base', 'train', 'compare', 'evaluate', 'export']);
    } finally {
      await engine.dispose();
    }
  });

  it('answers all false, without throwing, when the database failed its start-up check', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'lathe.db'), 'this is not a SQLite database, and never was'.repeat(200));
    const engine = Engine.open({ dataDir, mode: 'test' });
    try {
      expect(engine.ctx.db).toBeNull();
      expect(await doneIds(engine)).toEqual([]);
    } finally {
      await engine.dispose();
    }
  });
});
