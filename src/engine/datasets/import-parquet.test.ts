import fs from 'node:fs';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { readRecords } from './readers/record-reader.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

function writeParquet(file: string, columns: Record<string, unknown[]>, rowGroupSize: number): string {
  const columnData = Object.entries(columns).map(([name, data]) => ({ name, data, type: typeof data[0] === 'number' ? ('INT32' as const) : ('STRING' as const) }));
  fs.writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData: columnData as never, rowGroupSize })));
  return file;
}

const tableCount = (e: Engine, table: string) => (e.ctx.db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('Parquet task data', () => {
  it('streams row groups one at a time and yields every row in order', async () => {
    const dir = tempDir();
    const n = 2500;
    const file = writeParquet(path.join(dir, 'qa.parquet'), {
      instruction: Array.from({ length: n }, (_, i) => `Summarise incident ${i}`),
      input: Array.from({ length: n }, (_, i) => (i % 2 ? `Breaker ${i} tripped at dawn.` : '')),
      output: Array.from({ length: n }, (_, i) => `Incident ${i} summary.`),
      id: Array.from({ length: n }, (_, i) => i),
    }, 1000);
    let hashed = 0;
    const seen: Array<{ locator: string; bytes: number }> = [];
    for await (const r of readRecords(file, { fileType: 'parquet', encoding: 'utf-8', onChunk: (c) => (hashed += c.length) })) {
      seen.push({ locator: r.locator, bytes: r.bytesRead });
      if (seen.length === 1) expect(r.value).toEqual({ instruction: 'Summarise incident 0', input: '', output: 'Incident 0 summary.', id: 0 });
    }
    expect(hashed).toBe(fs.statSync(file).size);
    expect(seen.length).toBe(n);
    expect(seen.at(-1)!.locator).toBe('row 2500');
    // Progress grows monotonically through the row groups and never passes the file size.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes).toBeGreaterThanOrEqual(seen[i - 1]!.bytes);
    expect(seen.at(-1)!.bytes).toBeLessThanOrEqual(fs.statSync(file).size);
  });

  it('detects, previews and imports Alpaca and OpenAI-chat Parquet like JSONL, with the same content hash', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const n = 30;
    const alpaca = writeParquet(path.join(dir, 'alpaca.parquet'), {
      instruction: Array.from({ length: n }, (_, i) => `Question ${i}?`),
      output: Array.from({ length: n }, (_, i) => `Answer ${i}.`),
    }, 7);
    const d = await engine.call('datasets.detect', { path: alpaca });
    expect(d).toMatchObject({ fileType: 'parquet', format: 'alpaca', mapping: { instruction: 'instruction', output: 'output' } });
    expect(d.preview[0]).toMatchObject({ locator: 'row 1', content: { kind: 'chat', messages: [{ role: 'user', content: 'Question 0?' }, { role: 'assistant', content: 'Answer 0.' }] } });
    const r = await engine.call('datasets.import', { path: alpaca, datasetName: 'pq' });
    expect(r).toMatchObject({ fileType: 'parquet', rowsImported: n, rowsRejected: 0 });
    expect(r.sourceSha256).toBe((await import('node:crypto')).createHash('sha256').update(fs.readFileSync(alpaca)).digest('hex'));
    const page = await engine.call('datasets.examples', { versionId: r.versionId, offset: 29, limit: 1 });
    expect(page.examples[0]).toMatchObject({ source: 'alpaca.parquet:row 30' });

    // The same examples from JSONL give the same version hash.
    const jsonl = path.join(dir, 'same.jsonl');
    fs.writeFileSync(jsonl, Array.from({ length: n }, (_, i) => JSON.stringify({ instruction: `Question ${i}?`, output: `Answer ${i}.` })).join('\n'));
    const r2 = await engine.call('datasets.import', { path: jsonl, datasetName: 'jsonl' });
    expect(r2.contentHash).toBe(r.contentHash);

    // Messages stored as a JSON string column (how many exports flatten nested chat).
    const chat = writeParquet(path.join(dir, 'chat.parquet'), {
      messages: [JSON.stringify([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }]), 'not json', JSON.stringify([{ role: 'user', content: 'Bye' }, { role: 'assistant', content: 'Bye!' }])],
    }, 2);
    const dc = await engine.call('datasets.detect', { path: chat });
    expect(dc.format).toBe('openai-chat');
    expect(dc.preview[1]!.problem).toBeTruthy();
    const err = await engine.call('datasets.import', { path: chat, datasetName: 'chat' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/^chat\.parquet, row 2: .*Nothing was imported\.$/) });
    expect(tableCount(engine, 'datasets')).toBe(2);
    const skipped = await engine.call('datasets.import', { path: chat, datasetName: 'chat', onError: 'skip' });
    expect(skipped).toMatchObject({ rowsImported: 2, rowsRejected: 1 });
  });

  it('refuses a truncated or non-Parquet file with a clear error and writes nothing', async () => {
    const dir = tempDir();
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const good = writeParquet(path.join(dir, 'good.parquet'), { text: ['a', 'b', 'c'] }, 2);
    const cut = path.join(dir, 'cut.parquet');
    fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 40));
    await expect(engine.call('datasets.detect', { path: cut })).rejects.toMatchObject({ message: expect.stringMatching(/cut\.parquet is not a readable Parquet file/) });
    const fake = path.join(dir, 'fake.parquet');
    fs.writeFileSync(fake, '{"text":"not parquet"}\n');
    await expect(engine.call('datasets.import', { path: fake, datasetName: 'f' })).rejects.toMatchObject({ message: expect.stringMatching(/fake\.parquet is not a readable Parquet file/), hint: expect.stringMatching(/PAR1/) });
    expect(tableCount(engine, 'datasets')).toBe(0);
  });
});
