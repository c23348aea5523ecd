import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { findDuplicateKey } from './readers/json-keys.js';
import { readRecords } from './readers/record-reader.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

function setup() {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const write = (name: string, body: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    return file;
  };
  return { dir, engine, write };
}

const tableCount = (e: Engine, table: string) => (e.ctx.db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const pc = (p: string, c: string) => JSON.stringify({ prompt: p, completion: c });
const rejectsOf = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { locator: string; problem: string; raw: string });

describe('duplicate JSON keys', () => {
  it('finds a key repeated in one object, not the same key in sibling objects or inside strings', () => {
    expect(findDuplicateKey('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}')).toBeNull();
    expect(findDuplicateKey('{"text":"she said \\"x\\": and \\"x\\": again","x":1}')).toBeNull();
    expect(findDuplicateKey('{"prompt":"q","completion":"a","completion":"b"}')).toEqual({ key: 'completion', item: null });
    expect(findDuplicateKey('{"m":[{"role":"user","role":"assistant"}]}')).toEqual({ key: 'role', item: null });
    expect(findDuplicateKey('{"a\\u0062":1,"ab":2}')).toEqual({ key: 'ab', item: null });
    expect(findDuplicateKey('[{"a":1},{"a":1,"b":{"c":1,"c":2}}]')).toEqual({ key: 'c', item: 1 });
  });

  it('rejects rows with duplicate keys by line (JSONL) and item (JSON array), or aborts naming them', async () => {
    const { engine, write } = setup();
    const jsonl = write('dup.jsonl', [pc('q1', 'a1'), '{"prompt":"q2","completion":"a2","completion":"b2"}', pc('q3', 'a3')].join('\n'));
    await expect(engine.call('datasets.import', { path: jsonl, datasetName: 'dup' })).rejects.toMatchObject({
      message: 'dup.jsonl, line 2: has the key "completion" twice in one object (JSON would silently keep the last value). Nothing was imported.',
    });
    expect(tableCount(engine, 'datasets')).toBe(0);
    const r = await engine.call('datasets.import', { path: jsonl, datasetName: 'dup', onError: 'skip' });
    expect(r).toMatchObject({ rowsImported: 2, rowsRejected: 1 });
    expect(rejectsOf(r.rejectsPath!)[0]).toMatchObject({ locator: 'line 2', raw: expect.stringContaining('"b2"') });

    const arr = write('dup.json', `[${pc('q1', 'a1')},{"prompt":"q","prompt":"q'","completion":"c"},${pc('q3', 'a3')},{"prompt":"x","completion":"y","completion":"z"}]`);
    const ra = await engine.call('datasets.import', { path: arr, datasetName: 'dup-arr', onError: 'skip' });
    expect(ra).toMatchObject({ rowsImported: 2, rowsRejected: 2 });
    expect(rejectsOf(ra.rejectsPath!).map((x) => [x.locator, x.problem])).toEqual([
      ['item 2', expect.stringMatching(/key "prompt" twice/)],
      ['item 4', expect.stringMatching(/key "completion" twice/)],
    ]);
  });
});

describe('awkward files', () => {
  it('flags lines over the size limit without holding them, and imports long lines under it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'long.jsonl');
    fs.writeFileSync(file, [pc('short', 'ok'), pc('long', 'x'.repeat(5000)), pc('after', 'fine')].join('\n'));
    const recs = [];
    for await (const r of readRecords(file, { fileType: 'jsonl', encoding: 'utf-8', maxLineBytes: 1000 })) recs.push(r);
    expect(recs.map((r) => [r.locator, r.problem])).toEqual([['line 1', null], ['line 2', expect.stringMatching(/is longer than/)], ['line 3', null]]);

    const { engine, write } = setup();
    const big = write('big-line.jsonl', [pc('q', 'y'.repeat(3 * 1024 * 1024)), pc('q2', 'a2')].join('\n'));
    const r = await engine.call('datasets.import', { path: big, datasetName: 'big' });
    expect(r.rowsImported).toBe(2);
  });

  it('names the row when schemas are mixed in one file', async () => {
    const { engine, write } = setup();
    const file = write('mixed.jsonl', [
      JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }),
      JSON.stringify({ instruction: 'Summarise', output: 'Short.' }),
      JSON.stringify({ messages: [{ role: 'user', content: 'Bye' }, { role: 'assistant', content: 'Bye!' }] }),
    ].join('\n'));
    const d = await engine.call('datasets.detect', { path: file });
    expect(d.format).toBe('openai-chat');
    expect(d.preview.map((p) => p.problem)).toEqual([null, 'is missing field "messages"', null]);
    await expect(engine.call('datasets.import', { path: file, datasetName: 'm' })).rejects.toMatchObject({ message: 'mixed.jsonl, line 2: is missing field "messages". Nothing was imported.' });
    const r = await engine.call('datasets.import', { path: file, datasetName: 'm', onError: 'skip' });
    expect(r).toMatchObject({ rowsImported: 2, rowsRejected: 1 });
  });

  it('reads CSV quoting, embedded newlines and CRLF; refuses UTF-16 CSV and header-only or blank files', async () => {
    const { engine, write } = setup();
    const csv = write('q.csv', 'prompt,completion\r\n"Say ""hi""","Line one\nline two"\r\nplain,"a, b"\r\n');
    const r = await engine.call('datasets.import', { path: csv, datasetName: 'csv' });
    expect(r.rowsImported).toBe(2);
    const ex = await engine.call('datasets.examples', { versionId: r.versionId });
    expect(ex.examples.map((e) => e.source)).toEqual(['q.csv:row 1 (line 3)', 'q.csv:row 2 (line 4)']);
    expect(ex.examples[0]!.content).toEqual({ kind: 'chat', messages: [{ role: 'user', content: 'Say "hi"' }, { role: 'assistant', content: 'Line one\nline two' }] });

    const u16 = write('u16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('prompt,completion\nq,a\n', 'utf16le')]));
    await expect(engine.call('datasets.import', { path: u16, datasetName: 'u' })).rejects.toMatchObject({ message: expect.stringMatching(/u16\.csv is UTF-16/), hint: expect.stringMatching(/CSV UTF-8/) });
    await expect(engine.call('datasets.detect', { path: write('header.csv', 'prompt,completion\n') })).rejects.toMatchObject({ message: expect.stringMatching(/holds no records/) });
    await expect(engine.call('datasets.detect', { path: write('blank.jsonl', '\n\n   \n') })).rejects.toMatchObject({ message: expect.stringMatching(/holds no records/) });
    await expect(engine.call('datasets.importDocuments', { path: write('empty.md', ''), datasetName: 'e' })).rejects.toMatchObject({ message: 'empty.md is empty. Nothing was imported.' });
    expect(tableCount(engine, 'datasets')).toBe(1);
  });
});
