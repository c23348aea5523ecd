import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);

/** `npm run demo` end to end in a fresh data folder: real trainer, real llama.cpp, real SQLite. */
describe('the demo (main job on the bundled sample)', () => {
  it('imports, splits, fine-tunes, beats the base on held-out loss and exact match, and leaves a verified audit trail', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--data-dir', dataDir], { timeout: 600_000 });
    expect(stdout).toMatch(/6\/6 Asking the base model/);
    const em = /exact match\s+(\d+)\/(\d+) → (\d+)\/(\d+) on held-out test questions/.exec(stdout);
    expect(em).not.toBeNull();
    const [base, n, tuned] = [Number(em![1]), Number(em![2]), Number(em![3])];
    expect(n).toBeGreaterThanOrEqual(20);
    // Measurably better: the base model answers none of the held-out questions exactly; the adapter a fair share.
    expect(tuned).toBeGreaterThanOrEqual(base + Math.ceil(n / 5));
    expect(stdout).toMatch(/run\s+[0-9a-f-]{36}/);
    expect(stdout).toMatch(/adapter\s+\S+adapter/);
    const m = /val loss\s+([\d.]+) → ([\d.]+)/.exec(stdout);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeLessThan(Number(m![1]));
    const db = new Database(path.join(dataDir, 'lathe.db'), { readonly: true });
    const actions = (db.prepare('SELECT action FROM audit_log ORDER BY seq').all() as Array<{ action: string }>).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['dataset.import', 'dataset.curate.split', 'run.start', 'run.completed', 'run.evaluate']));
    // The Playground has base and tuned ready: the base GGUF and the adapter as a GGUF LoRA, named for people.
    const models = db.prepare('SELECT id, name, kind, parent_id AS parentId FROM models').all() as Array<{ id: string; name: string; kind: string; parentId: string | null }>;
    const byKind = (kind: string) => models.filter((m) => m.kind === kind);
    expect(byKind('base').map((m) => m.name)).toEqual(['Northwind tiny Llama']);
    expect(byKind('gguf').map((m) => [m.name, m.parentId])).toEqual([['Northwind tiny Llama · F16', byKind('base')[0]!.id]]);
    expect(byKind('adapter').map((m) => [m.name, m.parentId])).toEqual([['Northwind demo LoRA', byKind('base')[0]!.id]]);
    expect(byKind('gguf-lora').map((m) => m.parentId)).toEqual([byKind('adapter')[0]!.id]);
    expect(stdout).toMatch(/ready: Northwind tiny Llama · F16 \+ Northwind demo LoRA · F16/);
    db.close();
    const verify = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify', '--data-dir', dataDir]);
    expect(verify.stdout).toMatch(/Audit log intact/);
  }, 660_000);
});
