import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const qa = (q: string, a: string) => JSON.stringify({ prompt: q, completion: a });

async function importSample(lines: string[], name = 'grid.jsonl') {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n'));
  const r = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
  return { engine, v1: r.versionId, dir };
}

const SAMPLE = [
  qa('What is LOTO?', 'Lock-out, tag-out: isolate energy before work.'),
  qa('Who signs the permit?', 'The shift supervisor signs it.'),
  qa('Call whom after an outage?', 'Call jane@northwind.example at once.'),
  qa('What is a recloser?', 'A breaker that recloses automatically after a fault.'),
  qa('What is a recloser device?', 'A breaker that recloses automatically after a fault.'),
  qa('Is the answer empty?', 'No.'),
];

describe('review queue', () => {
  it('accepts, rejects, edits (as a new revision), skips, comments, tags and undoes, with full history and audit', async () => {
    const { engine, v1 } = await importSample(SAMPLE);
    const before = await engine.call('datasets.examples', { versionId: v1 });
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept', reviewer: 'ana' });
    await engine.call('reviews.act', { versionId: v1, position: 1, action: 'reject', reviewer: 'ana', reason: 'wrong role' });
    const edited = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'Call whom after an outage?' }, { role: 'assistant' as const, content: 'Call the duty engineer at once.' }] };
    const e = await engine.call('reviews.act', { versionId: v1, position: 2, action: 'edit', content: edited, reviewer: 'ana', reason: 'remove PII' });
    expect(e.state).toMatchObject({ status: 'edited', finalHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(e.state.finalHash).not.toBe(before.examples[2]!.contentHash);
    await engine.call('reviews.act', { versionId: v1, position: 3, action: 'skip', reviewer: 'ana' });
    await engine.call('reviews.act', { versionId: v1, position: 3, action: 'comment', reviewer: 'ana', reason: 'ask the SME' });
    const tagged = await engine.call('reviews.act', { versionId: v1, position: 3, action: 'tag', tag: 'needs-source', reviewer: 'ana' });
    expect(tagged.state).toMatchObject({ status: 'skipped', tags: ['needs-source'], comments: 1 });

    // Undo walks back the reviewer's own actions, newest first; the history keeps everything.
    const u1 = await engine.call('reviews.undo', { versionId: v1, reviewer: 'ana' });
    expect(u1.undone).toMatchObject({ action: 'tag', position: 3 });
    expect(u1.state).toMatchObject({ tags: [] });
    const h = await engine.call('reviews.history', { versionId: v1, position: 3 });
    expect(h.entries.map((x) => [x.action, x.undone])).toEqual([['skip', false], ['comment', false], ['tag', true], ['undo', false]]);
    const h2 = await engine.call('reviews.history', { versionId: v1, position: 2 });
    expect(h2.entries[0]).toMatchObject({ reviewer: 'ana', action: 'edit', reason: 'remove PII', before: before.examples[2]!.content, after: edited });
    expect(await engine.call('reviews.undo', { versionId: v1, reviewer: 'bob' })).toEqual({ undone: null, state: null });

    // The original example is untouched: edits never overwrite.
    expect((await engine.call('datasets.examples', { versionId: v1 })).examples).toEqual(before.examples);
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.review' });
    expect(audit.entries.map((x) => x.action).sort()).toEqual(
      ['dataset.review.accept', 'dataset.review.reject', 'dataset.review.edit', 'dataset.review.skip', 'dataset.review.comment', 'dataset.review.tag', 'dataset.review.undo'].sort(),
    );
    expect(audit.entries.find((x) => x.action === 'dataset.review.edit')).toMatchObject({ actor: 'ana', objectId: v1, details: { position: 2, afterHash: e.state.finalHash } });
    expect((await engine.call('audit.verify', {})).ok).toBe(true);
  });

  it('records two reviewers, shows their disagreement, and makes a version from agreed examples only', async () => {
    const { engine, v1 } = await importSample(SAMPLE);
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept', reviewer: 'ana' });
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept', reviewer: 'bob' });
    await engine.call('reviews.act', { versionId: v1, position: 1, action: 'accept', reviewer: 'ana' });
    const d = await engine.call('reviews.act', { versionId: v1, position: 1, action: 'reject', reviewer: 'bob' });
    expect(d.state.status).toBe('disagreement');
    expect(d.state.verdicts).toMatchObject([{ reviewer: 'ana', verdict: 'accept' }, { reviewer: 'bob', verdict: 'reject' }]);
    const edited = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'Who signs?' }, { role: 'assistant' as const, content: 'The supervisor.' }] };
    await engine.call('reviews.act', { versionId: v1, position: 4, action: 'edit', content: edited, reviewer: 'bob' });
    const dis = await engine.call('reviews.disagreements', { versionId: v1 });
    expect(dis).toMatchObject({ total: 1, items: [{ position: 1 }] });
    const summary = await engine.call('reviews.summary', { versionId: v1 });
    expect(summary.byStatus).toEqual({ unreviewed: 3, accepted: 1, rejected: 0, edited: 1, skipped: 0, disagreement: 1 });
    expect(summary.reviewers).toEqual([{ reviewer: 'ana', actions: 2 }, { reviewer: 'bob', actions: 3 }]);

    const made = await engine.call('reviews.makeVersion', { versionId: v1 });
    expect(made).toMatchObject({ kept: 2, edited: 1, dropped: 4, disagreements: 1, version: { number: 2, parentId: v1, exampleCount: 2, operation: 'review', params: { kind: 'review', includeUnreviewed: false } } });
    const ex = await engine.call('datasets.examples', { versionId: made.version.id });
    expect(ex.examples.map((x) => x.content)).toEqual([expect.anything(), edited]);
    expect(await engine.call('datasets.diff', { fromVersionId: v1, toVersionId: made.version.id })).toEqual({ added: 0, removed: 4, changed: 1, unchanged: 1 });
    const all = await engine.call('reviews.makeVersion', { versionId: v1, includeUnreviewed: true });
    expect(all).toMatchObject({ kept: 5, dropped: 1, version: { number: 3 } });
    expect((await engine.call('audit.list', { actionPrefix: 'dataset.review.version' })).entries).toHaveLength(2);
  });

  it('a version made from a review counts its kept examples as reviewed (verdicts carried, not undoable there)', async () => {
    const { engine, v1 } = await importSample(SAMPLE);
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept', reviewer: 'ana' });
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept', reviewer: 'bob' });
    await engine.call('reviews.act', { versionId: v1, position: 1, action: 'reject', reviewer: 'ana' });
    const edited = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'Call whom after an outage?' }, { role: 'assistant' as const, content: 'Call the duty engineer at once.' }] };
    await engine.call('reviews.act', { versionId: v1, position: 2, action: 'edit', content: edited, reviewer: 'ana' });
    await engine.call('reviews.act', { versionId: v1, position: 3, action: 'skip', reviewer: 'ana' });

    const made = await engine.call('reviews.makeVersion', { versionId: v1, includeUnreviewed: true });
    expect(made).toMatchObject({ kept: 5, edited: 1, dropped: 1, carried: 2 });
    const v2 = made.version.id;
    // Before: "0 of 5 reviewed". The two examples judged in v1 are reviewed in v2; the skipped and unreviewed are not.
    const summary = await engine.call('reviews.summary', { versionId: v2 });
    expect(summary).toMatchObject({ total: 5, byStatus: { unreviewed: 3, accepted: 2, rejected: 0, edited: 0, skipped: 0, disagreement: 0 } });
    expect(summary.reviewers).toEqual([]); // nobody has acted in v2 yet
    const list = await engine.call('reviews.examples', { versionId: v2 });
    expect(list.examples.map((x) => x.status)).toEqual(['accepted', 'accepted', 'unreviewed', 'unreviewed', 'unreviewed']);
    expect(list.examples[1]!.content).toEqual(edited); // the revision, accepted as it now reads
    expect((await engine.call('reviews.examples', { versionId: v2, filter: { status: 'unreviewed' } })).total).toBe(3);

    // The history says where each verdict was given; the carried verdicts are the reviewers', and not undoable in v2.
    const h0 = await engine.call('reviews.history', { versionId: v2, position: 0 });
    expect(h0.entries.map((e) => [e.reviewer, e.action, e.carriedFrom])).toEqual([
      ['ana', 'accept', { versionId: v1, versionNumber: 1, position: 0 }],
      ['bob', 'accept', { versionId: v1, versionNumber: 1, position: 0 }],
    ]);
    expect(h0.state).toMatchObject({ status: 'accepted', verdicts: [{ reviewer: 'ana', verdict: 'accept' }, { reviewer: 'bob', verdict: 'accept' }] });
    expect(await engine.call('reviews.undo', { versionId: v2, reviewer: 'ana' })).toEqual({ undone: null, state: null });

    // A reviewer can still change their mind in v2, and undo that back to the carried verdict.
    const r = await engine.call('reviews.act', { versionId: v2, position: 1, action: 'reject', reviewer: 'ana' });
    expect(r.state.status).toBe('rejected');
    const u = await engine.call('reviews.undo', { versionId: v2, reviewer: 'ana' });
    expect(u.state).toMatchObject({ status: 'accepted' });

    // A version made from v2 keeps the carried examples as they are, still reviewed.
    const v3 = await engine.call('reviews.makeVersion', { versionId: v2 });
    expect(v3).toMatchObject({ kept: 2, carried: 2 });
    expect((await engine.call('reviews.summary', { versionId: v3.version.id })).byStatus).toMatchObject({ unreviewed: 0, accepted: 2 });
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.review.version' });
    expect(audit.entries.find((e) => e.objectId === v2)).toMatchObject({ details: { carried: 2, kept: 5 } });
    expect((await engine.call('audit.verify', {})).ok).toBe(true);
  });

  it('filters by status, tag, source, split, PII, duplicate cluster and full-text search', async () => {
    const { engine, v1 } = await importSample(SAMPLE);
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept' });
    await engine.call('reviews.act', { versionId: v1, position: 5, action: 'tag', tag: 'short' });
    const page = (filter: object) => engine.call('reviews.examples', { versionId: v1, filter }).then((r) => [r.total, r.examples.map((x) => x.position)]);
    expect(await page({ status: 'accepted' })).toEqual([1, [0]]);
    expect(await page({ status: 'unreviewed' })).toEqual([5, [1, 2, 3, 4, 5]]);
    expect(await page({ tag: 'short' })).toEqual([1, [5]]);
    expect(await page({ source: 'grid.jsonl' })).toEqual([6, [0, 1, 2, 3, 4, 5]]);
    expect(await page({ source: 'grid' })).toEqual([0, []]);
    expect(await page({ pii: true })).toEqual([1, [2]]);
    expect(await page({ duplicates: true })).toEqual([2, [3, 4]]);
    expect(await page({ search: 'recloser' })).toEqual([2, [3, 4]]);
    expect(await page({ search: 'recloser', status: 'unreviewed', pii: false })).toEqual([2, [3, 4]]);
    const withCluster = await engine.call('reviews.examples', { versionId: v1, filter: { duplicates: true } });
    expect(withCluster.examples[0]!.cluster).toBe(withCluster.examples[1]!.cluster);
    expect(await page({ split: 'none' })).toEqual([6, [0, 1, 2, 3, 4, 5]]);

    // Windows for paging through millions: forwards from a position, or backwards from before one; the total
    // always counts every match. The PII path (filtered in code, not SQL) windows the same way.
    const win = (filter: object, w: object) =>
      engine.call('reviews.examples', { versionId: v1, filter, limit: 2, ...w }).then((r) => [r.total, r.examples.map((x) => x.position)]);
    expect(await win({}, { fromPosition: 2 })).toEqual([6, [2, 3]]);
    expect(await win({}, { beforePosition: 4 })).toEqual([6, [3, 2]]);
    expect(await win({ status: 'unreviewed' }, { fromPosition: 4 })).toEqual([5, [4, 5]]);
    expect(await win({ pii: false }, { fromPosition: 3 })).toEqual([5, [3, 4]]);
    expect(await win({ pii: false }, { beforePosition: 3 })).toEqual([5, [1, 0]]);

    const split = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'split', seed: 1, validation: 0.5, test: 0 } });
    const train = await engine.call('datasets.examples', { versionId: split.version.id, split: 'train' });
    const val = await engine.call('datasets.examples', { versionId: split.version.id, split: 'validation' });
    expect(train.total + val.total).toBe(6);
    expect(train.examples.every((x) => x.split === 'train')).toBe(true);
    expect(val.examples.every((x) => x.split === 'validation')).toBe(true);
  });

  it('refuses bad review input with a clear error and writes nothing', async () => {
    const { engine, v1 } = await importSample(SAMPLE);
    const ex = (await engine.call('datasets.examples', { versionId: v1 })).examples;
    await expect(engine.call('reviews.act', { versionId: v1, position: 99, action: 'accept' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/position 99/) });
    await expect(engine.call('reviews.act', { versionId: 'nope', position: 0, action: 'accept' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('reviews.act', { versionId: v1, position: 0, action: 'edit' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/needs the new content/) });
    await expect(engine.call('reviews.act', { versionId: v1, position: 0, action: 'edit', content: ex[0]!.content })).rejects.toMatchObject({ message: 'The edit changes nothing.' });
    await expect(engine.call('reviews.act', { versionId: v1, position: 0, action: 'edit', content: { kind: 'text', text: 'x' } })).rejects.toMatchObject({ message: expect.stringMatching(/cannot turn a chat example into a text/) });
    await expect(engine.call('reviews.act', { versionId: v1, position: 0, action: 'tag' })).rejects.toMatchObject({ message: expect.stringMatching(/needs a tag/) });
    await expect(engine.call('reviews.act', { versionId: v1, position: 0, action: 'comment' })).rejects.toMatchObject({ message: 'A comment needs text.' });
    expect((await engine.call('reviews.summary', { versionId: v1 })).reviewers).toEqual([]);
    expect((await engine.call('audit.list', { actionPrefix: 'dataset.review' })).entries).toEqual([]);
    // The history is append-only, even for someone with a SQL shell.
    await engine.call('reviews.act', { versionId: v1, position: 0, action: 'accept' });
    expect(() => engine!.ctx.db!.prepare("UPDATE reviews SET action = 'reject'").run()).toThrow(/append-only/);
    expect(() => engine!.ctx.db!.prepare('DELETE FROM reviews').run()).toThrow(/append-only/);
  });
});
