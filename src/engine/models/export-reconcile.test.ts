import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { exportQueries, type ExportRow } from '../db/queries/exports.js';
import { modelQueries } from '../db/queries/models.js';
import { Engine } from '../engine.js';
import { identify, type ProcessIdentity } from '../process-identity.js';
import { ownerColumns } from './export-reconcile.js';

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

/** The identity of a process that has exited: what a killed engine leaves in the table. */
async function deadProcess(): Promise<ProcessIdentity> {
  const child = spawn('sleep', ['30']);
  await new Promise((r) => child.once('spawn', r));
  const who = identify(child.pid!);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return who;
}

describe('exports left running by an engine that died', () => {
  it('are failed as interrupted at the next start, partial folder removed and audited; a live engine\'s export is left alone', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const first = Engine.open({ dataDir, mode: 'test' });
    engines.push(first);
    const db = first.ctx.db!;
    const modelId = 'model-1';
    modelQueries(db).insert({
      id: modelId, name: 'm', kind: 'base', format: 'hf', path: dataDir, sha256: 'x', size_bytes: 1, architecture: null, parameters: null, context_length: null,
      quantization: null, chat_template: null, license: null, details: '{}', parent_id: null, run_id: null, copied: 0, created_at: new Date().toISOString(), created_by: 'test',
    });
    const row = (id: string, owner: ProcessIdentity): ExportRow => ({
      id, name: id, model_id: modelId, base_model_id: null, run_id: null, path: path.join(dataDir, 'exports', id), formats: '["gguf-q8_0"]',
      status: 'running', manifest_sha256: null, verification: '{}', error: null, created_at: new Date().toISOString(), finished_at: null, created_by: 'test', ...ownerColumns(owner),
    });
    const orphan = row('killed-mid-export', await deadProcess());
    const live = row('still-exporting', identify(process.pid));
    for (const r of [orphan, live]) {
      exportQueries(db).insert(r);
      fs.mkdirSync(r.path, { recursive: true });
      fs.writeFileSync(path.join(r.path, 'half.gguf.tmp'), 'partial');
    }

    const next = Engine.open({ dataDir, mode: 'test' });
    engines.push(next);
    const after = exportQueries(next.ctx.db!);
    expect(after.get(orphan.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Interrupted: .*partial folder was removed/) });
    expect(fs.existsSync(orphan.path)).toBe(false);
    expect(after.get(live.id)?.status).toBe('running');
    expect(fs.existsSync(path.join(live.path, 'half.gguf.tmp'))).toBe(true);
    const { entries } = await next.call('audit.list', { family: 'export' });
    expect(entries.filter((e) => e.action === 'export.interrupted').map((e) => e.objectId)).toEqual([orphan.id]);
  });
});
