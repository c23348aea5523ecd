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

const chat = (sys: string | null, q: string, a: string) =>
  JSON.stringify({ messages: [...(sys ? [{ role: 'system', content: sys }] : []), { role: 'user', content: q }, { role: 'assistant', content: a }] });

async function setup(lines: string[]) {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const file = path.join(dir, 'ops.jsonl');
  fs.writeFileSync(file, lines.join('\n'));
  const r = await engine.call('datasets.import', { path: file, datasetName: 'ops' });
  return { engine, dir, file, r };
}

const LINES = [
  chat('You are the Northwind grid assistant.', 'What is LOTO?', 'Lock-out, tag-out.'),
  chat(null, 'Who signs the permit?', 'The shift supervisor.'),
  chat(null, 'What does “N-1” mean?', 'The grid survives the loss of any one element — even in winter.'),
  chat(null, 'Is 5 > 3?', 'Yes.'),
];

describe('version export', () => {
  it('writes OpenAI chat JSONL with a manifest whose hash and counts match, and a re-import gives the same content hashes', async () => {
    const { engine, dir, r } = await setup(LINES);
    await engine.call('reviews.act', { versionId: r.versionId, position: 3, action: 'reject' });
    const reviewed = await engine.call('reviews.makeVersion', { versionId: r.versionId, includeUnreviewed: true });
    const out = path.join(dir, 'out', 'ops.jsonl');
    const res = await engine.call('datasets.export', { versionId: reviewed.version.id, format: 'openai-chat', path: out });
    expect(res.path).toBe(out);
    const bytes = fs.readFileSync(out);
    const { createHash } = await import('node:crypto');
    expect(res.manifest.file).toEqual({ name: 'ops.jsonl', sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, lines: 3 });
    const onDisk = JSON.parse(fs.readFileSync(res.manifestPath, 'utf8'));
    expect(onDisk).toEqual(res.manifest);
    expect(onDisk).toMatchObject({
      version: { id: reviewed.version.id, number: 2, contentHash: reviewed.version.contentHash, exampleCount: 3 },
      counts: { examples: 3, bySplit: { none: 3 }, bySource: { 'ops.jsonl': 3 } },
      sources: [{ sha256: r.sourceSha256, rows: 4 }],
      operations: [{ number: 1, operation: 'import' }, { number: 2, operation: 'review', params: { kind: 'review' } }],
    });
    expect(fs.readdirSync(path.dirname(out)).sort()).toEqual(['ops.jsonl', 'ops.manifest.json']); // no temp files left
    expect(fs.readFileSync(out, 'utf8').split('\n')[0]).toBe(LINES[0]);

    const again = await engine.call('datasets.import', { path: out, datasetName: 'ops-roundtrip' });
    expect(again.contentHash).toBe(reviewed.version.contentHash);
    const a = await engine.call('datasets.examples', { versionId: reviewed.version.id });
    const b = await engine.call('datasets.examples', { versionId: again.versionId });
    expect(b.examples.map((x) => x.contentHash)).toEqual(a.examples.map((x) => x.contentHash));
    expect((await engine.call('audit.list', { actionPrefix: 'dataset.export' })).entries[0]).toMatchObject({ objectId: reviewed.version.id, details: { sha256: res.manifest.file.sha256 } });
  });

  it('writes Alpaca (round-trips) and plain text, one split only when asked', async () => {
    const { engine, dir, r } = await setup(LINES);
    const alpaca = await engine.call('datasets.export', { versionId: r.versionId, format: 'alpaca', path: path.join(dir, 'a.jsonl') });
    expect(JSON.parse(fs.readFileSync(alpaca.path, 'utf8').split('\n')[0]!)).toEqual({ instruction: 'What is LOTO?', input: '', output: 'Lock-out, tag-out.', system: 'You are the Northwind grid assistant.' });
    const back = await engine.call('datasets.import', { path: alpaca.path, datasetName: 'alpaca-back' });
    expect(back.contentHash).toBe(r.contentHash);
    const text = await engine.call('datasets.export', { versionId: r.versionId, format: 'text', path: path.join(dir, 't.jsonl') });
    expect(JSON.parse(fs.readFileSync(text.path, 'utf8').split('\n')[1]!)).toEqual({ text: 'Who signs the permit?\n\nThe shift supervisor.' });
    const split = await engine.call('datasets.curate', { versionId: r.versionId, operation: { op: 'split', seed: 3, validation: 0.5, test: 0 } });
    const val = await engine.call('datasets.export', { versionId: split.version.id, format: 'openai-chat', split: 'validation', path: path.join(dir, 'v.jsonl') });
    const n = (await engine.call('datasets.examples', { versionId: split.version.id, split: 'validation' })).total;
    expect(val.manifest.counts).toMatchObject({ examples: n, bySplit: n ? { validation: n } : {} });
    const def = await engine.call('datasets.export', { versionId: r.versionId, format: 'text' });
    expect(def.path).toBe(path.join(engine.ctx.dataDir, 'exports', 'datasets', 'ops-v1.text.jsonl'));
  });

  it('refuses what a format cannot hold, and existing files, leaving nothing behind', async () => {
    const { engine, dir, r } = await setup([...LINES, JSON.stringify({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'd' }] })]);
    const out = path.join(dir, 'x', 'multi.jsonl');
    await expect(engine.call('datasets.export', { versionId: r.versionId, format: 'alpaca', path: out })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENTS',
      message: 'Example 5 (ops.jsonl:line 5): Alpaca holds one instruction and one answer; this example has 4 turns.',
      hint: expect.stringMatching(/OpenAI chat/),
    });
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
    await engine.call('datasets.export', { versionId: r.versionId, format: 'openai-chat', path: out });
    const before = fs.readFileSync(out);
    await expect(engine.call('datasets.export', { versionId: r.versionId, format: 'text', path: out })).rejects.toMatchObject({ message: expect.stringMatching(/already exists/) });
    expect(fs.readFileSync(out)).toEqual(before);
    expect((await engine.call('audit.list', { actionPrefix: 'dataset.export' })).entries).toHaveLength(1);
  });
});
