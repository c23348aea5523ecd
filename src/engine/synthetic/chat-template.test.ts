import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { EventPayload } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
import { resolveTemplate, schemaFor, toExample } from './templates.js';

/** The multi-turn 'chat' template: schema-constrained 2–3 turn conversations, end to end on the tiny GGUF. */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const sample = path.resolve('resources/samples/corpus/northwind-05-lockout-tagout.txt');

function finished(e: Engine, jobId: string) {
  return new Promise<EventPayload<'job.progress'>>((resolve) => {
    const stop = e.ctx.events.listen('job.progress', (p) => {
      if (p.jobId !== jobId || p.state === 'running') return;
      stop();
      resolve(p);
    });
  });
}

describe('chat template', () => {
  it('parses 2–3 turns into alternating messages and refuses fewer', () => {
    const t = resolveTemplate({ kind: 'chat' });
    expect(t.version).toBe('builtin:chat@1');
    const schema = schemaFor(t, 256) as { properties: { turns: { minItems: number; maxItems: number } } };
    expect(schema.properties.turns).toMatchObject({ minItems: 2, maxItems: 3 });
    const ex = toExample(t, 'chunk', JSON.stringify({ turns: [{ user: 'What is LOTO?', assistant: 'Lock-out/tag-out.' }, { user: 'Who applies it?', assistant: 'The crew.' }] }));
    expect(ex.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(ex.claim).toBe('Lock-out/tag-out. The crew.');
    expect(() => toExample(t, 'chunk', JSON.stringify({ turns: [{ user: 'a', assistant: 'b' }] }))).toThrow(/at least 2 turns/);
  });

  it('generates multi-turn conversations from a document with the tiny GGUF; every one parses', async () => {
    engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    const teacher = registerGguf(engine, inject('tinyGguf'), 'tiny teacher');
    const docs = await engine.call('datasets.importDocuments', { path: sample, datasetName: 'manual', chunkSize: 60, overlap: 6 });
    const start = await engine.call('synthetic.start', { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'chat' }, sampling: { temperature: 0.8, maxTokens: 200, seed: 3 }, chunkLimit: 2, parallel: 2 });
    const end = await finished(engine, start.jobId);
    expect(end.state, end.message).toBe('done');
    const job = await engine.call('synthetic.status', { jobId: start.jobId });
    expect(job).toMatchObject({ templateKind: 'chat', templateVersion: 'builtin:chat@1', chunksDone: 2 });
    expect(job.problems).toBe(0); // the grammar closes the JSON within the token budget: every chunk parses
    const { examples } = await engine.call('datasets.examples', { versionId: job.targetVersionId!, offset: 0, limit: 10 });
    expect(examples.length).toBe(job.items);
    for (const e of examples) {
      const content = e.content as { kind: string; messages: Array<{ role: string }> };
      expect(content.kind).toBe('chat');
      expect([4, 6]).toContain(content.messages.length);
      content.messages.forEach((m, i) => expect(m.role).toBe(i % 2 ? 'assistant' : 'user'));
    }
  }, 90_000);

  it('asks N examples of each chunk, each with its own seed, committed per chunk', async () => {
    engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    const teacher = registerGguf(engine, inject('tinyGguf'), 'tiny teacher');
    const docs = await engine.call('datasets.importDocuments', { path: sample, datasetName: 'manual', chunkSize: 60, overlap: 6 });
    const start = await engine.call('synthetic.start', { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'qa' }, sampling: { temperature: 0.9, maxTokens: 96, seed: 5 }, chunkLimit: 2, parallel: 4, perChunk: 3 });
    const end = await finished(engine, start.jobId);
    expect(end.state, end.message).toBe('done');
    const job = await engine.call('synthetic.status', { jobId: start.jobId });
    expect(job.chunksDone).toBe(2);
    expect(job.items).toBeGreaterThan(2); // more than one example per chunk
    expect(job.items + job.duplicates).toBeLessThanOrEqual(6);
    const seeds = new Map<number, Set<number>>();
    for (let position = 0; position < job.items; position++) {
      const { item } = await engine.call('synthetic.item', { versionId: job.targetVersionId!, position });
      const p = item!.provenance;
      seeds.set(p.chunkPosition, (seeds.get(p.chunkPosition) ?? new Set()).add(p.seed));
    }
    expect([...seeds.values()].reduce((n, s) => n + s.size, 0)).toBe(job.items); // every example has its own seed
  }, 90_000);
});
