import path from 'node:path';
import { afterEach, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { ensureTeacherLora } from '../../../tests/support/teacher-lora.js';
import type { EventPayload } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
let engine: Engine | null = null;
afterEach(async () => { await engine?.dispose(); engine = null; });
function finished(e: Engine, jobId: string) {
  return new Promise<EventPayload<'job.progress'>>((resolve) => {
    const stop = e.ctx.events.listen('job.progress', (p) => { if (p.jobId !== jobId || p.state === 'running') return; stop(); resolve(p); });
  });
}
it('debug', async () => {
  engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
  const base = registerGguf(engine, inject('tinyGguf'), 'tiny');
  const lora = registerGguf(engine, ensureTeacherLora(inject('tinyGguf')), 'teacher', 'gguf-lora', base.id);
  const docs = await engine.call('datasets.importDocuments', { path: path.resolve('resources/samples/corpus/northwind-05-lockout-tagout.txt'), datasetName: 'manual', chunkSize: 60, overlap: 6 });
  for (const adapterIds of [[], [lora.id]]) for (const [kind, maxTokens] of [['qa', 96], ['chat', 200]] as const) {
    const start = await engine.call('synthetic.start', { sourceVersionId: docs.versionId, modelId: base.id, adapterIds, template: { kind }, sampling: { temperature: 0.8, maxTokens, seed: 7 }, chunkLimit: 10, parallel: 2 });
    await finished(engine, start.jobId);
    const job = await engine.call('synthetic.status', { jobId: start.jobId });
    const rows = engine.ctx.db!.prepare('SELECT content FROM synthetic_items WHERE job_id = ?').all(start.jobId) as Array<{ content: string }>;
    console.log(adapterIds.length ? 'LORA' : 'BASE', kind, JSON.stringify({ items: job.items, dup: job.duplicates, problems: job.problems }), rows.slice(0, 4).map((r) => r.content.slice(0, 160)).join(' || '));
  }
  expect(1).toBe(1);
}, 600_000);
