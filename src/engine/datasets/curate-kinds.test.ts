import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { Engine } from '../engine.js';

/** Dedup, PII, search, review and splits on preference pairs, KTO rows and tool calls: a pair is one example. */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const pair = (q: string, good: string, bad: string) => ({ prompt: q, chosen: good, rejected: bad });

async function importPairs(rows: unknown[]) {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const file = path.join(dir, 'pairs.jsonl');
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = await engine.call('datasets.import', { path: file, datasetName: 'pairs' });
  return { engine, r };
}

const contents = async (e: Engine, versionId: string) => (await e.call('datasets.examples', { versionId, limit: 1000 })).examples.map((x) => x.content as ExampleContent);

describe('curation of the new kinds', () => {
  it('dedups pairs as pairs: same prompt and chosen but another rejected answer is a different example', async () => {
    const { engine, r } = await importPairs([
      pair('Harbor voltage?', '11 kV.', '400 V.'),
      pair('harbor  VOLTAGE?', '11 kV.', '400 v.'), // the same pair up to case and spaces
      pair('Harbor voltage?', '11 kV.', '33 kV.'), // another rejected answer: a second preference
      pair('Harbor voltage?', '400 V.', '11 kV.'), // swapped sides: the opposite preference
    ]);
    const d = await engine.call('datasets.curate', { versionId: r.versionId, operation: { op: 'dedup-exact' } });
    expect(d.version.exampleCount).toBe(3);
    const kept = await contents(engine, d.version.id);
    expect(kept.map((c) => (c.kind === 'preference' ? `${c.chosen[0]!.content}>${c.rejected[0]!.content}` : '?'))).toEqual(['11 kV.>400 V.', '11 kV.>33 kV.', '400 V.>11 kV.']);
  });

  it('finds and redacts PII on both sides of a pair and inside tool-call arguments, keeping the structure', async () => {
    const { engine, r } = await importPairs([
      pair('Who do I call about Harbor?', 'Call ops at ops.harbor@northwind.example.', 'Call jane.doe@northwind.example at home.'),
    ]);
    const scan = await engine.call('datasets.piiScan', { versionId: r.versionId });
    expect(scan.examplesWithPii).toBe(1);
    expect(scan.byKind.email).toBe(2);
    const red = await engine.call('datasets.curate', { versionId: r.versionId, operation: { op: 'pii-redact', customPatterns: [] } });
    const c = (await contents(engine, red.version.id))[0]!;
    expect(c.kind).toBe('preference');
    if (c.kind !== 'preference') return;
    expect(c.chosen[0]!.content).not.toContain('@');
    expect(c.rejected[0]!.content).not.toContain('@');
    expect(c.prompt[0]!.content).toBe('Who do I call about Harbor?');

    const dir = tempDir();
    const file = path.join(dir, 'tools.jsonl');
    fs.writeFileSync(file, JSON.stringify({ messages: [
      { role: 'user', content: 'Email the report' },
      { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'send', arguments: '{"to": "jane.doe@northwind.example"}' } }] },
      { role: 'tool', content: 'sent' },
      { role: 'assistant', content: 'Sent.' },
    ] }) + '\n');
    const t = await engine.call('datasets.import', { path: file, datasetName: 'tools' });
    expect((await engine.call('datasets.piiScan', { versionId: t.versionId })).examplesWithPii).toBe(1);
    const tr = await engine.call('datasets.curate', { versionId: t.versionId, operation: { op: 'pii-redact', customPatterns: [] } });
    const [tc] = await contents(engine, tr.version.id);
    expect(tc).toMatchObject({ kind: 'chat', messages: [{}, { role: 'assistant', tool_calls: [{ function: { name: 'send' } }] }, { role: 'tool' }, {}] });
    expect(JSON.stringify(tc)).not.toContain('jane.doe');
  });

  it('splits pairs whole, finds them by the words of either answer, and reviews them like any example', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => pair(`Feeder ${i} voltage?`, `Feeder ${i} runs at 11 kV.`, `Feeder ${i} runs at ${i + 1}00 V.`));
    const { engine, r } = await importPairs(rows);
    const s = await engine.call('datasets.curate', { versionId: r.versionId, operation: { op: 'split', seed: 1, validation: 0.2, test: 0.1 } });
    const all = (await engine.call('datasets.examples', { versionId: s.version.id, limit: 1000 })).examples;
    expect(all.filter((x) => x.split === 'validation').length).toBe(4);
    expect(all.filter((x) => x.split === 'test').length).toBe(2);
    const found = await engine.call('datasets.search', { versionId: s.version.id, query: '700' });
    expect(found.examples.map((x) => x.position)).toEqual([6]);
    await engine.call('reviews.act', { versionId: r.versionId, position: 0, action: 'edit', content: { kind: 'preference', prompt: [{ role: 'user', content: 'Feeder 0 voltage?' }], chosen: [{ role: 'assistant', content: 'Feeder 0 runs at 11 kV (checked).' }], rejected: [{ role: 'assistant', content: 'Feeder 0 runs at 100 V.' }] } });
    const v = await engine.call('reviews.makeVersion', { versionId: r.versionId, includeUnreviewed: true });
    const [first] = await contents(engine, v.version.id);
    expect(first).toMatchObject({ kind: 'preference', chosen: [{ content: 'Feeder 0 runs at 11 kV (checked).' }] });
    await expect(engine.call('reviews.act', { versionId: r.versionId, position: 1, action: 'edit', content: { kind: 'chat', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] } })).rejects.toMatchObject({ message: expect.stringMatching(/cannot turn a preference example into a chat example/) });
  });
});
