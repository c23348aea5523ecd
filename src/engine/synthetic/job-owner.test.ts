import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { syntheticQueries, type SyntheticJobRow } from '../db/queries/synthetic.js';
import { Engine } from '../engine.js';
import { currentOwner, ownerGone } from './job-owner.js';

/** Start-up reconciliation of generations left 'running': only those whose owner process is gone (real processes, real SQLite). */
let engines: Engine[] = [];
const children: Array<{ kill(): void }> = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
  for (const c of children.splice(0)) c.kill();
});

const sample = path.resolve('resources/samples/corpus/northwind-05-lockout-tagout.txt');

function row(id: string, sourceVersionId: string): SyntheticJobRow {
  return {
    id, source_version_id: sourceVersionId, model_id: 'm', model_sha256: 'x', adapter_ids: '[]', template: '{"kind":"qa","version":"builtin:qa@1"}',
    sampling: '{}', chunk_limit: 3, status: 'running', error: null, target_version_id: null, created_at: new Date().toISOString(), created_by: 'test', finished_at: null,
  };
}

describe('synthetic job owners', () => {
  it('marks jobs of dead or unknown owners interrupted (resumable) at engine start and leaves a live owner’s job running', async () => {
    const dataDir = path.join(tempDir(), 'data');
    let engine = Engine.open({ dataDir, mode: 'test' });
    engines.push(engine);
    const docs = await engine.call('datasets.importDocuments', { path: sample, datasetName: 'manual', chunkSize: 60, overlap: 6 });
    const q = syntheticQueries(engine.ctx.db!);
    const boot = currentOwner().boot;
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid is gone
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }); // a CLI engine, say
    children.push(live);
    for (const id of ['dead', 'live', 'legacy', 'rebooted']) q.insertJob(row(id, docs.versionId));
    q.setOwner('dead', dead, boot);
    q.setOwner('live', live.pid!, boot);
    q.setOwner('rebooted', live.pid!, 'another-boot'); // same pid number, but from before a reboot
    await engine.dispose();
    engines = [];

    engine = Engine.open({ dataDir, mode: 'test' });
    engines.push(engine);
    const jobs = new Map((await engine.call('synthetic.list', {})).jobs.map((j) => [j.id, j]));
    expect(jobs.get('live')!.status).toBe('running');
    for (const id of ['dead', 'legacy', 'rebooted']) {
      expect(jobs.get(id)!.status, id).toBe('cancelled');
      expect(jobs.get(id)!.error).toMatch(/Interrupted.*Resume/);
    }
    const audit = await engine.call('audit.list', {});
    const interrupted = (audit as { entries: Array<{ action: string; objectId: string | null }> }).entries.filter((e) => e.action === 'synthetic.interrupted');
    expect(interrupted.map((e) => e.objectId).sort()).toEqual(['dead', 'legacy', 'rebooted']);
  }, 30_000);

  it('treats its own pid as not running anything yet', () => {
    const self = currentOwner();
    expect(ownerGone(self.pid, self.boot, self)).toBe(true);
    expect(ownerGone(1, self.boot, self)).toBe(false); // pid 1 always exists
    expect(ownerGone(null, null, self)).toBe(true);
  });
});
