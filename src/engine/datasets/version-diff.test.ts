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
const answer = (c: unknown) => (c as { messages: Array<{ content: string }> } | null)?.messages.at(-1)?.content;

async function importSample(lines: string[], name = 'grid') {
  const dir = tempDir();
  engine ??= Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const file = path.join(dir, `${name}.jsonl`);
  fs.writeFileSync(file, lines.join('\n'));
  return (await engine.call('datasets.import', { path: file, datasetName: name })).versionId;
}

describe('Compare lists the examples behind its counts', () => {
  it('a redaction lists each changed example before and after; a dedup lists what it removed; totals equal the tiles', async () => {
    const v1 = await importSample([
      qa('Who approved?', 'Jane (jane@northwind.example) approved it.'),
      qa('Clean?', 'Clean answer.'),
      qa('Clean?', 'Clean answer.'),
      qa('Who signed?', 'Call 415-555-0132 to ask.'),
    ]);
    const e = engine!;
    const redacted = (await e.call('datasets.curate', { versionId: v1, operation: { op: 'pii-redact' } })).version.id;
    const tiles = await e.call('datasets.diff', { fromVersionId: v1, toVersionId: redacted });
    const changed = await e.call('datasets.diffExamples', { fromVersionId: v1, toVersionId: redacted, kind: 'changed' });
    expect(changed.total).toBe(tiles.changed);
    expect(changed.items.map((i) => [i.source, answer(i.before), answer(i.after)])).toEqual([
      ['grid.jsonl:line 1', 'Jane (jane@northwind.example) approved it.', 'Jane ([EMAIL]) approved it.'],
      ['grid.jsonl:line 4', 'Call 415-555-0132 to ask.', 'Call [PHONE] to ask.'],
    ]);
    // Paging: the second page starts where the first ended.
    const page2 = await e.call('datasets.diffExamples', { fromVersionId: v1, toVersionId: redacted, kind: 'changed', offset: 1, limit: 1 });
    expect(page2).toMatchObject({ total: 2, items: [{ source: 'grid.jsonl:line 4' }] });
    expect((await e.call('datasets.diffExamples', { fromVersionId: v1, toVersionId: redacted, kind: 'added' })).total).toBe(tiles.added);

    const deduped = (await e.call('datasets.curate', { versionId: redacted, operation: { op: 'dedup-exact' } })).version.id;
    const dedupTiles = await e.call('datasets.diff', { fromVersionId: redacted, toVersionId: deduped });
    const removed = await e.call('datasets.diffExamples', { fromVersionId: redacted, toVersionId: deduped, kind: 'removed' });
    expect(removed.total).toBe(dedupTiles.removed);
    expect(removed.items).toEqual([{ source: 'grid.jsonl:line 3', before: expect.anything(), after: null }]);
    expect(answer(removed.items[0]!.before)).toBe('Clean answer.');
    // The other direction: what the older version "adds" back.
    const back = await e.call('datasets.diffExamples', { fromVersionId: deduped, toVersionId: redacted, kind: 'added' });
    expect(back).toMatchObject({ total: 1, items: [{ source: 'grid.jsonl:line 3', before: null }] });
  });

  it('refuses versions of two different datasets and names a missing one', async () => {
    const a = await importSample([qa('A?', 'a.')], 'first');
    const b = await importSample([qa('B?', 'b.')], 'second');
    await expect(engine!.call('datasets.diffExamples', { fromVersionId: a, toVersionId: b, kind: 'added' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(engine!.call('datasets.diffExamples', { fromVersionId: a, toVersionId: 'nope', kind: 'added' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
