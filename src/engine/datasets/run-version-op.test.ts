import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { runVersionOp, VERSION_OP_WORKER_MIN_EXAMPLES } from './run-version-op.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const chat = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });

/** Real SQLite, real worker threads: a version step gives the same answer in a worker as in the engine's thread. */
describe('version steps in a worker (runVersionOp)', () => {
  it('curate, filter, export, stats, PII scan and near-duplicates agree between the worker and this thread', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'grid.jsonl');
    const rows = Array.from({ length: 60 }, (_, i) => chat(`Which feeder supplies bay ${i % 40}?`, i % 17 === 3 ? '...' : `Feeder ${i % 7}; call ops at ops${i}@northwind.example.`));
    fs.writeFileSync(file, rows.join('\n'));
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
    const ctx = engine.ctx;
    const both = async <T>(run: (inWorker: boolean) => Promise<T>) => [await run(false), await run(true)] as const;

    const [a, b] = await both((inWorker) => runVersionOp(ctx, 'curate', { versionId, operation: { op: 'split', seed: 3, validation: 0.2, test: 0.2, stratifyBy: 'none' }, actor: 't' }, () => null, { inWorker }));
    expect(b.version.content_hash).toBe(a.version.content_hash);
    expect(b.version.number).toBe(a.version.number + 1);
    expect(b.audit.seq).toBe(a.audit.seq + 1); // the worker appended to the same hash chain

    // (Every row is unique, so a dedup would change nothing and make no version: NO_CHANGE, in both places alike.)
    await expect(runVersionOp(ctx, 'curate', { versionId, operation: { op: 'dedup-exact' }, actor: 't' }, () => null, { inWorker: true })).rejects.toMatchObject({ code: 'NO_CHANGE' });
    const [redactA, redactB] = await both((inWorker) => runVersionOp(ctx, 'curate', { versionId, operation: { op: 'pii-redact', customPatterns: [] }, actor: 't' }, () => null, { inWorker }));
    expect([redactB.changed, redactB.version.content_hash]).toEqual([redactA.changed, redactA.version.content_hash]);
    expect(redactA.changed).toBeGreaterThan(0);

    const filter = { dropEmpty: true, dropGarbled: false };
    const [fa, fb] = await both((inWorker) => runVersionOp(ctx, 'filter', { versionId, filter, actor: 't' }, () => null, { inWorker }));
    expect([fb.removed, fb.version.content_hash]).toEqual([fa.removed, fa.version.content_hash]);
    expect(fb.removed).toBe(rows.filter((_, i) => i % 17 === 3).length);

    const [sa, sb] = await both((inWorker) => runVersionOp(ctx, 'stats', { versionId, bins: 5 }, () => null, { inWorker }));
    expect(sb).toEqual(sa);
    const [pa, pb] = await both((inWorker) => runVersionOp(ctx, 'piiScan', { versionId, customPatterns: [], limit: 10 }, () => null, { inWorker }));
    expect(pb).toEqual(pa);
    const [na, nb] = await both((inWorker) => runVersionOp(ctx, 'nearDuplicates', { versionId, threshold: 0.8, limit: 10 }, () => null, { inWorker }));
    expect(nb).toEqual(na);

    const [ea, eb] = await both((inWorker) => runVersionOp(ctx, 'export', { versionId, format: 'alpaca', outPath: path.join(dir, `out-${inWorker}.jsonl`), actor: 't' }, () => null, { inWorker }));
    expect(fs.readFileSync(eb.path, 'utf8')).toBe(fs.readFileSync(ea.path, 'utf8'));
    expect(eb.manifest.counts).toEqual(ea.manifest.counts);
    // Entries from the worker's connection and from the engine's interleave in one unbroken chain.
    expect(await engine.call('audit.verify', {})).toMatchObject({ ok: true });
  });

  it('brings a worker’s error back as the same sentence and hint, and writes nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'grid.jsonl');
    fs.writeFileSync(file, [chat('a?', 'b.'), chat('c?', 'd.')].join('\n'));
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
    const filter = { dropEmpty: false, dropGarbled: false, maxTokens: 10 };
    const here = await runVersionOp(engine.ctx, 'filter', { versionId, filter, actor: 't' }, () => null, { inWorker: false }).catch((e: unknown) => e);
    const there = await runVersionOp(engine.ctx, 'filter', { versionId, filter, actor: 't' }, () => null, { inWorker: true }).catch((e: unknown) => e);
    expect(there).toMatchObject({ code: 'INVALID_ARGUMENTS', message: 'Token limits need a tokenizer.' });
    expect(there).toMatchObject({ code: (here as { code: string }).code, hint: (here as { hint: string }).hint });
    expect(engine.ctx.db!.prepare('SELECT count(*) FROM dataset_versions').pluck().get()).toBe(1);
    await expect(runVersionOp(engine.ctx, 'stats', { versionId: 'nope', bins: 5 }, () => null, { inWorker: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Versions this small run in the engine's thread unless asked: a worker would cost more than it saves.
    expect(VERSION_OP_WORKER_MIN_EXAMPLES).toBeGreaterThan(2);
  });
});
