import { splitCounts } from '../../shared/datasets/split-counts.js';
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

async function importSample(lines: string[]) {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const file = path.join(dir, 'grid.jsonl');
  fs.writeFileSync(file, lines.join('\n'));
  const r = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
  return { engine, v1: r.versionId };
}

describe('curation steps make new immutable versions', () => {
  it('exact dedup ignores case and whitespace, keeps the first, and leaves the parent untouched', async () => {
    const { engine, v1 } = await importSample([qa('What is LOTO?', 'Lock-out.'), qa('what is  LOTO?', 'lock-out.'), qa('Other?', 'Yes.'), qa('What is LOTO?', 'Lock-out.')]);
    const r = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'dedup-exact' } });
    expect(r).toMatchObject({ removed: 2, changed: 0, version: { number: 2, parentId: v1, exampleCount: 2, operation: 'dedup-exact' } });
    const kept = await engine.call('datasets.examples', { versionId: r.version.id });
    expect(kept.examples.map((e) => e.source)).toEqual(['grid.jsonl:line 1', 'grid.jsonl:line 3']);
    expect((await engine.call('datasets.examples', { versionId: v1 })).total).toBe(4);
    const diff = await engine.call('datasets.diff', { fromVersionId: v1, toVersionId: r.version.id });
    expect(diff).toEqual({ added: 0, removed: 2, changed: 0, unchanged: 2 });
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.curate' });
    expect(audit.entries[0]).toMatchObject({ objectId: r.version.id, details: { parent: v1, removed: 2 } });
  });

  it('scans PII with context, then redacts (changed examples, new hashes) or drops', async () => {
    const { engine, v1 } = await importSample([
      qa('Who approved the outage?', 'Jane (jane@northwind.example, 415-555-0132) approved it.'),
      qa('Card on file?', 'Card 4111 1111 1111 1111.'),
      qa('Clean question?', 'Clean answer.'),
    ]);
    const scan = await engine.call('datasets.piiScan', { versionId: v1 });
    expect(scan).toMatchObject({ examplesScanned: 3, examplesWithPii: 2, byKind: { email: 1, phone: 1, credit_card: 1 } });
    expect(scan.hits[0]!.context).toContain('⟦jane@northwind.example⟧');
    const redacted = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'pii-redact' } });
    expect(redacted).toMatchObject({ removed: 0, changed: 2 });
    const ex = await engine.call('datasets.examples', { versionId: redacted.version.id });
    expect(ex.examples[0]!.content).toMatchObject({ messages: [{}, { content: 'Jane ([EMAIL], [PHONE]) approved it.' }] });
    expect(await engine.call('datasets.diff', { fromVersionId: v1, toVersionId: redacted.version.id })).toEqual({ added: 0, removed: 0, changed: 2, unchanged: 1 });
    const dropped = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'pii-drop', customPatterns: ['Clean'] } });
    expect(dropped).toMatchObject({ removed: 3, version: { exampleCount: 0 } });
    await expect(engine.call('datasets.piiScan', { versionId: v1, customPatterns: ['(unclosed'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/not a valid regular expression/) });
  });

  it('splits deterministically for a seed, to the exact counts the shares give, the same example in the same split', async () => {
    const { engine, v1 } = await importSample(Array.from({ length: 1000 }, (_, i) => qa(`Question ${i}?`, `Answer ${i}.`)));
    const split = async (seed: number) => {
      const r = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'split', seed, validation: 0.1, test: 0.2 } });
      const ex = await engine.call('datasets.examples', { versionId: r.version.id, limit: 1000 });
      return ex.examples.map((e) => e.split);
    };
    const a = await split(7);
    const b = await split(7);
    const c = await split(8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const versions = (await engine.call('datasets.versions', { datasetId: (await engine.call('datasets.list', {})).datasets[0]!.id })).versions;
    const hashes = versions.map((v) => v.contentHash);
    expect(hashes[0]).not.toBe(hashes.at(-1)); // a split version differs from its unsplit parent
    expect(hashes[1]).toBe(hashes[2]); // same seed, same split, same hash
    const count = (s: string) => a.filter((x) => x === s).length;
    // Exactly what the Curate dialog previews (splitCounts), not "about" it.
    expect({ train: count('train'), validation: count('validation'), test: count('test') }).toEqual(splitCounts(1000, 0.1, 0.2));
    expect(count('test')).toBe(200);
    // 66 examples at 15 %/15 % (the case that once showed 53+7+7 in the preview and gave 39/11/16): 10/10/46.
    const small = await importSample(Array.from({ length: 66 }, (_, i) => qa(`Q${i}?`, `A${i}.`)));
    const r = await small.engine.call('datasets.curate', { versionId: small.v1, operation: { op: 'split', seed: 0, validation: 0.15, test: 0.15 } });
    const parts = (await small.engine.call('datasets.examples', { versionId: r.version.id, limit: 100 })).examples.map((e) => e.split);
    expect(['train', 'validation', 'test'].map((s) => parts.filter((x) => x === s).length)).toEqual([46, 10, 10]);
    // What the toast says agrees with Compare: no content changed, all 66 got a split (the old code said
    // "changed 66" while Compare said 0 changed).
    expect(r).toMatchObject({ removed: 0, changed: 0, resplit: 66 });
    expect(await small.engine.call('datasets.diff', { fromVersionId: small.v1, toVersionId: r.version.id })).toMatchObject({ changed: 0, removed: 0, added: 0 });
  });

  it('a step that changes nothing makes no version, writes no audit entry, and says so', async () => {
    const { engine, v1 } = await importSample([qa('What is LOTO?', 'Lock-out.'), qa('Other?', 'Yes.'), qa('Third?', 'No.')]);
    await expect(engine.call('datasets.curate', { versionId: v1, operation: { op: 'dedup-exact' } }))
      .rejects.toMatchObject({ code: 'NO_CHANGE', message: expect.stringMatching(/changes nothing in v1: all 3 examples/), hint: expect.stringMatching(/No new version was made/) });
    const split = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'split', seed: 1, validation: 0.34, test: 0.34 } });
    await expect(engine.call('datasets.curate', { versionId: split.version.id, operation: { op: 'split', seed: 1, validation: 0.34, test: 0.34 } }))
      .rejects.toMatchObject({ code: 'NO_CHANGE' });
    const datasetId = (await engine.call('datasets.list', {})).datasets[0]!.id;
    expect((await engine.call('datasets.versions', { datasetId })).versions.map((v) => v.number)).toEqual([2, 1]);
    expect((await engine.call('audit.list', { actionPrefix: 'dataset.curate' })).entries).toHaveLength(1);
  });

  it('lists near-duplicate clusters for review and removes all but the first of each', async () => {
    const long = 'Before opening a breaker cabinet, apply lock-out/tag-out and verify zero energy with a tested meter';
    const { engine, v1 } = await importSample([qa('LOTO steps?', long + '.'), qa('Other topic?', 'Oil samples are taken quarterly.'), qa('LOTO steps?', long + '!'), qa('loto steps?', long.toLowerCase() + '.')]);
    const review = await engine.call('datasets.nearDuplicates', { versionId: v1 });
    expect(review).toMatchObject({ clusters: 1, duplicates: 2, review: [{ positions: [0, 2, 3] }] });
    const r = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'dedup-near', threshold: 0.8 } });
    expect(r).toMatchObject({ removed: 2, version: { exampleCount: 2, operation: 'dedup-near' } });
  });

  it('searches a version with FTS5, safely quoting what the user types', async () => {
    const { engine, v1 } = await importSample([qa('How is transformer oil sampled?', 'Quarterly, from the drain valve.'), qa('What is LOTO?', 'Lock-out/tag-out.'), qa('Oil "leak" at bay 4?', 'Isolate and report.')]);
    const hits = await engine.call('datasets.search', { versionId: v1, query: 'oil' });
    expect(hits.examples.map((e) => e.position)).toEqual([0, 2]);
    expect((await engine.call('datasets.search', { versionId: v1, query: 'oil quarterly' })).examples.map((e) => e.position)).toEqual([0]);
    expect((await engine.call('datasets.search', { versionId: v1, query: 'transf*' })).examples).toHaveLength(1);
    expect((await engine.call('datasets.search', { versionId: v1, query: '"leak' })).examples.map((e) => e.position)).toEqual([2]);
    expect((await engine.call('datasets.search', { versionId: v1, query: 'AND OR NOT (' })).examples).toEqual([]);
    const deduped = await engine.call('datasets.curate', { versionId: v1, operation: { op: 'pii-drop', customPatterns: ['Quarterly'] } });
    expect((await engine.call('datasets.search', { versionId: deduped.version.id, query: 'oil' })).examples.map((e) => e.source)).toEqual(['grid.jsonl:line 3']);
  });

  it('refuses an unknown version with NOT_FOUND', async () => {
    const { engine } = await importSample([qa('a', 'b')]);
    await expect(engine.call('datasets.curate', { versionId: 'nope', operation: { op: 'dedup-exact' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
