import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { EventPayload } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
import { chunkSeed } from './teacher.js';
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

  // The grammar holds every answer to the schema's shape, not its words: a blank turn (or an answer an escape ran
  // past maxTokens) still gives a chunk nothing. What the tiny model writes depends on the CPU that pre-trained it,
  // so no number of usable examples is counted on: every chunk is accounted for, and every example kept parses.
  it('generates multi-turn conversations from a document with the tiny GGUF; every example kept parses', async () => {
    engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    const teacher = registerGguf(engine, inject('tinyGguf'), 'tiny teacher');
    const docs = await engine.call('datasets.importDocuments', { path: sample, datasetName: 'manual', chunkSize: 60, overlap: 6 });
    const send = vi.spyOn(engine.ctx.inference.client(), 'send'); // the teacher's answers, as the inference host gave them
    const start = await engine.call('synthetic.start', { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'chat' }, sampling: { temperature: 0.8, maxTokens: 200, seed: 3 }, chunkLimit: 2, parallel: 2 });
    const end = await finished(engine, start.jobId);
    expect(end.state, end.message).toBe('done');
    const job = await engine.call('synthetic.status', { jobId: start.jobId });
    expect(job).toMatchObject({ templateKind: 'chat', templateVersion: 'builtin:chat@1', chunksDone: 2 });
    expect(job.items + job.duplicates + job.problems).toBe(2);
    const { examples } = job.targetVersionId ? await engine.call('datasets.examples', { versionId: job.targetVersionId, offset: 0, limit: 10 }) : { examples: [] };
    expect(examples.length).toBe(job.items);
    for (const e of examples) {
      const content = e.content as { kind: string; messages: Array<{ role: string; content: string }> };
      expect(content.kind).toBe('chat');
      expect([4, 6]).toContain(content.messages.length);
      content.messages.forEach((m, i) => expect(m.role).toBe(i % 2 ? 'assistant' : 'user'));
      for (const m of content.messages) {
        expect(m.content.trim()).not.toBe(''); // a blank turn is never kept
        expect(m.content).toBe(m.content.trim());
      }
    }
    // Every answer of the teacher became an example (or a duplicate) exactly when it parses to one; else its chunk says why.
    const calls = send.mock.calls.map(([name], i) => ({ name, result: send.mock.results[i]!.value as Promise<unknown> }));
    const answers = (await Promise.all(calls.filter((c) => c.name === 'inference.chatBatch').map((c) => c.result as Promise<{ results: Array<{ text: string }> }>))).flatMap((r) => r.results);
    expect(answers).toHaveLength(2);
    const template = resolveTemplate({ kind: 'chat' });
    const parsed = answers.map((a) => {
      try {
        return toExample(template, '', a.text).messages;
      } catch {
        return null;
      }
    });
    const kept = examples.map((e) => JSON.stringify((e.content as { messages: unknown }).messages));
    for (const m of parsed) if (m) expect(kept).toContain(JSON.stringify(m)); // a duplicate is one of this job's own
    expect(parsed.filter(Boolean)).toHaveLength(job.items + job.duplicates);
    const ledger = engine.ctx.db!.prepare('SELECT problem FROM synthetic_chunks WHERE job_id = ? AND problem IS NOT NULL').all(start.jobId) as Array<{ problem: string }>;
    expect(ledger).toHaveLength(job.problems);
    for (const c of ledger) expect(c.problem).toMatch(/^Chunk \d+: no example \(.+\)\.$/);
  }, 90_000);

  it('asks N examples of each chunk, each with its own seed, committed per chunk', async () => {
    engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    const teacher = registerGguf(engine, inject('tinyGguf'), 'tiny teacher');
    const docs = await engine.call('datasets.importDocuments', { path: sample, datasetName: 'manual', chunkSize: 60, overlap: 6 });
    // What is asked of the teacher, seen on the way to the inference host (how many answers are usable is the model's business).
    const send = vi.spyOn(engine.ctx.inference.client(), 'send');
    const start = await engine.call('synthetic.start', { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'qa' }, sampling: { temperature: 0.9, maxTokens: 96, seed: 5 }, chunkLimit: 2, parallel: 4, perChunk: 3 });
    const end = await finished(engine, start.jobId);
    expect(end.state, end.message).toBe('done');
    const asked = send.mock.calls.filter(([name]) => name === 'inference.chatBatch').flatMap(([, args]) => (args as { items: Array<{ prompt: string; seed: number }> }).items);
    const chunks = (await engine.call('datasets.examples', { versionId: docs.versionId, offset: 0, limit: 2 })).examples.map((e) => (e.content as { text: string }).text);
    // Three requests per chunk, each with its own seed: the job seed + the chunk's position + a stride per variant.
    expect(asked.map((a) => a.seed)).toEqual([0, 1].flatMap((position) => [0, 1, 2].map((variant) => chunkSeed(5, position, variant))));
    expect(new Set(asked.map((a) => a.seed)).size).toBe(6);
    asked.forEach((a, i) => expect(a.prompt).toContain(chunks[Math.floor(i / 3)]));
    const job = await engine.call('synthetic.status', { jobId: start.jobId });
    expect(job.chunksDone).toBe(2);
    expect(job.items + job.duplicates).toBeLessThanOrEqual(6);
    // Committed per chunk: a chunk's row counts what its three answers gave.
    const ledger = engine.ctx.db!.prepare('SELECT chunk_position AS position, items, duplicates FROM synthetic_chunks WHERE job_id = ? ORDER BY chunk_position').all(start.jobId) as Array<{ position: number; items: number; duplicates: number }>;
    expect(ledger.map((c) => c.position)).toEqual([0, 1]);
    expect(ledger.reduce((n, c) => n + c.items, 0)).toBe(job.items);
    for (const c of ledger) expect(c.items + c.duplicates).toBeLessThanOrEqual(3);
    const seeds = new Map<number, Set<number>>();
    for (let position = 0; position < job.items; position++) {
      const { item } = await engine.call('synthetic.item', { versionId: job.targetVersionId!, position });
      const p = item!.provenance;
      expect([0, 1, 2].map((variant) => chunkSeed(5, p.chunkPosition, variant))).toContain(p.seed);
      seeds.set(p.chunkPosition, (seeds.get(p.chunkPosition) ?? new Set()).add(p.seed));
    }
    expect([...seeds.values()].reduce((n, s) => n + s.size, 0)).toBe(job.items); // every example has its own seed
  }, 90_000);
});
