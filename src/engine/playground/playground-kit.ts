import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import type { Engine } from '../engine.js';

/**
 * Test and bench support: registers GGUF files in the model registry directly, the way the registry's import
 * would, so playground and serving tests do not depend on the import code path.
 */
export function registerGguf(engine: Engine, file: string, name: string, kind: 'gguf' | 'gguf-lora' = 'gguf', parentId: string | null = null): ModelRow {
  const row: ModelRow = {
    id: randomUUID(),
    name,
    kind,
    format: 'gguf',
    path: file,
    sha256: `test-${randomUUID()}`,
    size_bytes: fs.statSync(file).size,
    architecture: 'llama',
    parameters: null,
    context_length: null,
    quantization: kind === 'gguf' ? 'F32' : null,
    chat_template: null,
    license: null,
    details: JSON.stringify(parentId && kind === 'gguf-lora' ? { baseModelId: parentId } : {}),
    parent_id: parentId,
    run_id: null,
    copied: 0,
    created_at: new Date().toISOString(),
    created_by: 'test',
  };
  modelQueries(engine.ctx.db!).insert(row);
  return row;
}

/** A small chat dataset (3 examples) imported through the real import path. */
export async function importChatDataset(engine: Engine, dir: string, name = 'Grid QA') {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.jsonl`);
  const line = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });
  fs.writeFileSync(file, [line('What is a feeder?', 'A line from a substation.'), line('What is LOTO?', 'Lock-out/tag-out.'), line('What is a relay?', 'A switch.')].join('\n') + '\n');
  return engine.call('datasets.import', { path: file, datasetName: name });
}
