import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { makePdf } from '../../../tests/support/document-fixtures.js';
import { exampleContentSchema } from '../../shared/contract/features/datasets.js';
import { provenanceSchema } from '../../shared/contract/features/synthetic.js';
import type { EventPayload } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';
import { importChatDataset, registerGguf } from '../playground/playground-kit.js';
import { checkGrounding } from './grounding.js';

/**
 * Generation end to end: real SQLite, the forked inference host, the tiny GGUF (its answers are noise; the pipeline
 * is tested). The template's grammar fixes the shape of every answer, not its words: a chunk still gives nothing
 * when a field is blank, or when an answer runs past maxTokens, and two answers may be the same. What the tiny model
 * writes depends on the CPU that pre-trained it, so these tests count on no number of usable examples: they check
 * that every chunk is accounted for, and everything about the examples there are.
 */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const sample = path.resolve('resources/samples/corpus/northwind-05-lockout-tagout.txt');
const sampling = { temperature: 0.8, maxTokens: 96, seed: 7 };

async function setup(file = sample) {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const teacher = registerGguf(engine, inject('tinyGguf'), 'tiny teacher');
  const docs = await engine.call('datasets.importDocuments', { path: file, datasetName: 'manual', chunkSize: 60, overlap: 6 });
  return { dir, engine, teacher, docs };
}

/** Resolves with the job's final progress event (done, failed or cancelled). */
function finished(e: Engine, jobId: string, onRunning?: (p: EventPayload<'job.progress'>) => void) {
  return new Promise<EventPayload<'job.progress'>>((resolve) => {
    const stop = e.ctx.events.listen('job.progress', (p) => {
      if (p.jobId !== jobId) return;
      if (p.state === 'running') return onRunning?.(p);
      stop();
      resolve(p);
    });
  });
}

describe('synthetic generation (engine + inference host + tiny GGUF)', () => {
  it('generates QA from a sample document into a new unreviewed version with full provenance', async () => {
    const { engine, teacher, docs } = await setup();
    const messages: string[] = [];
    const start = await engine.call('synthetic.start', { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'qa' }, sampling, chunkLimit: 3 });
    const end = await finished(engine, start.jobId, (p) => messages.push(p.message));
    expect(end.state, end.message).toBe('done');
    expect(messages.at(-1)).toMatch(/3\/3 chunks · [\d.]+ tokens\/s · ETA 0 s/);
    const job = await engine.call('synthetic.status', { jobId: start.jobId });
    expect(job).toMatchObject({ status: 'done', chunksTotal: 3, chunksDone: 3, templateVersion: 'builtin:qa@1' });
    expect(job.items + job.duplicates + job.problems).toBe(3); // each chunk: an example, a duplicate, or a problem
    expect(job.tokensPerSecond).toBeGreaterThan(0); // the grammar makes every answer at least "{"
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.synthetic' });
    if (job.items === 0) {
      // Nothing usable in any chunk: no version is made, and the job says so.
      expect(job).toMatchObject({ targetVersionId: null, targetDatasetId: null, error: expect.stringMatching(/no usable examples/) });
      expect(end.message).toMatch(/No examples were generated/);
      expect(audit.entries).toHaveLength(0);
      return;
    }

    // The examples land in a task dataset of their own, linked to the documents version by its params.
    expect(job.targetDatasetId).not.toBe(docs.datasetId);
    const { datasets } = await engine.call('datasets.list', {});
    expect(datasets.find((d) => d.id === job.targetDatasetId)).toMatchObject({ name: 'manual — generated Q&A', kind: 'task' });
    expect((await engine.call('datasets.versions', { datasetId: docs.datasetId })).versions).toHaveLength(1);
    const versions = await engine.call('datasets.versions', { datasetId: job.targetDatasetId! });
    const made = versions.versions.find((v) => v.id === job.targetVersionId)!;
    expect(made).toMatchObject({ operation: 'synthetic', exampleCount: job.items, parentId: null, number: 1 });
    expect(made.params).toMatchObject({ needsReview: true, template: 'builtin:qa@1', modelSha256: teacher.sha256, sourceVersionId: docs.versionId, sourceDatasetId: docs.datasetId });

    const ex = await engine.call('datasets.examples', { versionId: made.id, limit: 50 });
    const summary = await engine.call('reviews.summary', { versionId: made.id });
    expect(summary).toMatchObject({ total: job.items, byStatus: { unreviewed: job.items, accepted: 0 } });
    const ungrounded = summary.tags.find((t) => t.tag === 'ungrounded')?.count ?? 0;
    let flagged = 0;
    for (const e of ex.examples) {
      expect(exampleContentSchema.parse(e.content)).toMatchObject({ kind: 'chat', messages: [{ role: 'user' }, { role: 'assistant' }] });
      const { item, chunk } = await engine.call('synthetic.item', { versionId: made.id, position: e.position });
      const p = provenanceSchema.parse(item!.provenance);
      expect(p).toMatchObject({ jobId: start.jobId, sourceVersionId: docs.versionId, document: 'northwind-05-lockout-tagout.txt', teacher: { modelId: teacher.id, sha256: teacher.sha256 }, template: { kind: 'qa', version: 'builtin:qa@1' }, sampling: { temperature: 0.8, maxTokens: 96 } });
      expect(p.seed).toBe(7 + p.chunkPosition);
      expect(p.chars).toEqual([expect.any(Number), expect.any(Number)]);
      expect(p.chunkHash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.source).toBe(p.locator);
      // The flag stored is the check's verdict on this answer and this chunk.
      const answer = (e.content as { messages: Array<{ content: string }> }).messages[1]!.content;
      expect(item!.grounding.grounded).toBe(checkGrounding(answer, chunk!).grounded);
      if (!item!.grounding.grounded) flagged++;
      const history = await engine.call('reviews.history', { versionId: made.id, position: e.position });
      expect(history.state.status).toBe('unreviewed');
      expect(history.state.tags.includes('ungrounded')).toBe(!item!.grounding.grounded);
    }
    expect(ex.examples).toHaveLength(job.items);
    expect(ungrounded).toBe(flagged);
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]!.details).toMatchObject({ generated: job.items, params: { jobId: start.jobId } });
  }, 180_000);

  it('resumes a cancelled generation without duplicates and ends with the same count as an uninterrupted run', async () => {
    const { engine, teacher, docs } = await setup();
    const args = { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'qa' as const }, sampling, chunkLimit: 4, parallel: 2 };
    // The reference runs one chunk at a time; the interrupted run decodes two at a time: same results either way.
    const whole = await engine.call('synthetic.start', { ...args, parallel: 1 });
    const first = await finished(engine, whole.jobId);
    expect(first.state, first.message).toBe('done');
    const reference = await engine.call('synthetic.status', { jobId: whole.jobId });
    expect(reference.items + reference.duplicates + reference.problems).toBe(4);
    // A job with no usable example makes no version: then there is nothing to list.
    const hashes = async (e: Engine, versionId: string | null) => (versionId ? (await e.call('datasets.examples', { versionId, limit: 50 })).examples.map((x) => x.contentHash) : []);
    const referenceHashes = await hashes(engine, reference.targetVersionId);
    expect(referenceHashes).toHaveLength(reference.items);

    // The reference run's examples now exist in the library; compare the interrupted run on a fresh engine.
    await engine.dispose();
    const second = await setup();
    const e2 = second.engine;
    const run = await e2.call('synthetic.start', { ...args, sourceVersionId: second.docs.versionId, modelId: second.teacher.id });
    let cancelled: Promise<unknown> | null = null;
    const end = await finished(e2, run.jobId, (p) => {
      if (!cancelled && p.fraction !== null && p.fraction >= 0.25) cancelled = e2.call('synthetic.cancel', { jobId: run.jobId });
    });
    await cancelled;
    expect(end.state).toBe('cancelled');
    const mid = await e2.call('synthetic.status', { jobId: run.jobId });
    expect(mid.status).toBe('cancelled');
    expect(mid.chunksDone).toBeGreaterThanOrEqual(1);
    expect(mid.chunksDone).toBeLessThan(4);
    expect(mid.targetVersionId).toBeNull();

    await e2.call('synthetic.resume', { jobId: run.jobId });
    const resumed = await finished(e2, run.jobId);
    expect(resumed.state, resumed.message).toBe('done');
    const final = await e2.call('synthetic.status', { jobId: run.jobId });
    expect(final).toMatchObject({ status: 'done', chunksDone: 4, items: reference.items, duplicates: reference.duplicates, problems: reference.problems });
    const got = await hashes(e2, final.targetVersionId);
    expect(got).toHaveLength(reference.items);
    expect(new Set(got).size).toBe(got.length);
    // Per-chunk seeds: the interrupted, resumed, batched run wrote exactly what the uninterrupted one did.
    expect(got).toEqual(referenceHashes);
    const rows = e2.ctx.db!.prepare('SELECT count(*) AS n FROM synthetic_chunks WHERE job_id = ?').get(run.jobId) as { n: number };
    expect(rows.n).toBe(4);
    await expect(e2.call('synthetic.resume', { jobId: run.jobId })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  }, 240_000);

  it('generates from a PDF and records its pages; refuses bad input with clear errors and writes nothing', async () => {
    const dir = tempDir();
    const pdf = await makePdf(path.join(dir, 'grid.pdf'), [['Breakers at bay twelve are inspected every six months.', 'Crews record the SF6 gas pressure.'], ['Transformers step voltage up or down between networks.']]);
    const { engine, teacher, docs } = await setup(pdf);
    const preview = await engine.call('synthetic.preview', { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'qa' }, sampling });
    expect(preview.prompt).toContain(preview.chunk);
    if (preview.item) expect(preview.item.provenance).toMatchObject({ document: 'grid.pdf', pages: [1, expect.any(Number)], jobId: 'preview' });
    else expect(preview.problem).toMatch(/no example/);

    const bad = { sourceVersionId: docs.versionId, modelId: teacher.id, template: { kind: 'qa' as const }, sampling };
    await expect(engine.call('synthetic.start', { ...bad, modelId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('synthetic.start', { ...bad, template: { kind: 'qa', prompt: 'no placeholder' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/\{\{chunk\}\}/) });
    const task = await importChatDataset(engine, dir);
    await expect(engine.call('synthetic.start', { ...bad, sourceVersionId: task.versionId })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/task dataset/) });
    await expect(engine.call('synthetic.status', { jobId: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await engine.call('synthetic.list', {})).jobs).toHaveLength(0);
  }, 120_000);
});
