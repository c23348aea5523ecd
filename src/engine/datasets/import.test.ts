import Database from 'better-sqlite3';
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

const chatLine = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'system', content: 'You are a grid engineer.' }, { role: 'user', content: q }, { role: 'assistant', content: a }] });
const tableCount = (e: Engine, table: string) => (e.ctx.db!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('dataset import (real files, real SQLite, worker thread)', () => {
  it('detects each task format and normalises it to chat examples', async () => {
    const { engine, write } = setup();
    const cases: Array<[string, string, string]> = [
      ['chat.jsonl', chatLine('What is LOTO?', 'Lock-out/tag-out.') + '\n', 'openai-chat'],
      ['share.jsonl', JSON.stringify({ conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }] }) + '\n', 'sharegpt'],
      ['alpaca.json', JSON.stringify([{ instruction: 'Summarise', input: 'Breakers trip.', output: 'They trip.' }]), 'alpaca'],
      ['pc.jsonl', JSON.stringify({ prompt: 'Q', completion: 'A' }) + '\n', 'prompt-completion'],
      ['qa.csv', 'question,answer\n"What, exactly, is a relay?","A switch ""operated"" by a signal,\nover two lines"\n', 'prompt-completion'],
      ['notes.tsv', 'text\nTransformers step voltage up or down.\n', 'text'],
    ];
    for (const [name, body, format] of cases) {
      const d = await engine.call('datasets.detect', { path: write(name, body) });
      expect(d.format, name).toBe(format);
      expect(d.preview[0]!.problem, name).toBeNull();
    }
    const csv = await engine.call('datasets.detect', { path: path.join(path.dirname(engine.ctx.dataDir), 'qa.csv') });
    expect(csv.preview[0]!.content).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: 'What, exactly, is a relay?' }, { role: 'assistant', content: 'A switch "operated" by a signal,\nover two lines' }],
    });
  });

  it('imports a JSONL file as version 1 with hashes, an import record and an audit entry', async () => {
    const { engine, write } = setup();
    const file = write('qa.jsonl', Array.from({ length: 50 }, (_, i) => chatLine(`Question ${i}?`, `Answer ${i}.`)).join('\n') + '\n');
    const progress: string[] = [];
    engine.ctx.events.listen('job.progress', (p) => progress.push(p.state));
    const r = await engine.call('datasets.import', { path: file, datasetName: 'Grid QA' });
    expect(r).toMatchObject({ versionNumber: 1, rowsImported: 50, rowsRejected: 0, format: 'openai-chat', fileType: 'jsonl' });
    expect(r.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toBe('done');
    const page = await engine.call('datasets.examples', { versionId: r.versionId, offset: 10, limit: 2 });
    expect(page.total).toBe(50);
    expect(page.examples[0]).toMatchObject({ position: 10, source: 'qa.jsonl:line 11' });
    const audit = await engine.call('audit.list', { actionPrefix: 'dataset.' });
    expect(audit.entries[0]).toMatchObject({ action: 'dataset.import', objectId: r.versionId, details: { rows: 50, sha256: r.sourceSha256 } });

    // Same content in another format and file gives the same version hash: the hash is over content, not bytes.
    const again = write('qa2.jsonl', Array.from({ length: 50 }, (_, i) => JSON.stringify({ prompt: `Question ${i}?`, completion: `Answer ${i}.`, system: 'You are a grid engineer.' })).join('\r\n'));
    const r2 = await engine.call('datasets.import', { path: again, datasetName: 'Grid QA copy' });
    expect(r2.contentHash).toBe(r.contentHash);
    expect(tableCount(engine, 'examples')).toBe(50);

    // Importing into an existing dataset makes version 2 on top of version 1.
    const r3 = await engine.call('datasets.import', { path: write('more.jsonl', chatLine('New?', 'Yes.')), datasetName: 'Grid QA' });
    expect(r3.versionNumber).toBe(2);
    const versions = await engine.call('datasets.versions', { datasetId: r.datasetId });
    expect(versions.versions.map((v) => [v.number, v.exampleCount, v.parentId])).toEqual([[2, 51, r.versionId], [1, 50, null]]);
  });

  it('aborts on the first bad line with file, line and reason, and writes nothing', async () => {
    const { engine, write } = setup();
    const lines = [chatLine('a', 'b'), chatLine('c', 'd'), ']', chatLine('e', 'f')];
    const file = write('bad.jsonl', lines.join('\n'));
    const err = await engine.call('datasets.import', { path: file, datasetName: 'Bad' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENTS', message: "bad.jsonl, line 3: expected a JSON object, got ']' (is this a JSON array file? name it .json). Nothing was imported." });
    expect((err as { hint: string }).hint).toMatch(/skip bad rows/);
    for (const t of ['datasets', 'dataset_versions', 'examples', 'version_examples', 'imports']) expect(tableCount(engine, t), t).toBe(0);
    expect((await engine.call('audit.list', { actionPrefix: 'dataset.' })).total).toBe(0);
  });

  it('skips bad rows into a rejects file when asked: invalid UTF-8, empty answers, wrong roles, huge lines', async () => {
    const { engine, write } = setup();
    const good = chatLine('ok?', 'ok.');
    const body = Buffer.concat([
      Buffer.from(good + '\n'),
      Buffer.from('{"messages":[{"role":"user","content":"caf\xe9"}]}\n', 'latin1'),
      Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '   ' }] }) + '\n'),
      Buffer.from(JSON.stringify({ messages: [{ role: 'narrator', content: 'x' }] }) + '\n'),
      Buffer.from('\n\n'),
      Buffer.from(good.replace('ok.', 'fine.') + '\n'),
    ]);
    const r = await engine.call('datasets.import', { path: write('mixed.jsonl', body), datasetName: 'Mixed', onError: 'skip' });
    expect(r).toMatchObject({ rowsImported: 2, rowsRejected: 3 });
    const rejects = fs.readFileSync(r.rejectsPath!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { locator: string; problem: string });
    expect(rejects.map((x) => x.locator)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(rejects[0]!.problem).toMatch(/not valid UTF-8/);
    expect(rejects[1]!.problem).toMatch(/no non-empty assistant message/);
    expect(rejects[2]!.problem).toMatch(/role "narrator"/);
  });

  it('rejects only the CSV rows whose column count differs from the header', async () => {
    const { engine, write } = setup();
    const csv = 'prompt,completion\nq1,a1\nq2,a2,extra\nq3,a3\nq4\nq5,a5\n';
    const r = await engine.call('datasets.import', { path: write('cols.csv', csv), datasetName: 'cols', onError: 'skip' });
    expect(r).toMatchObject({ rowsImported: 3, rowsRejected: 2 });
    const rejects = fs.readFileSync(r.rejectsPath!, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { locator: string }).locator);
    expect(rejects).toEqual(['row 2 (line 3)', 'row 4 (line 5)']);
  });

  it('reads UTF-8 with BOM and UTF-16 files', async () => {
    const { engine, write } = setup();
    const text = chatLine('Ω?', 'Ω!') + '\n';
    const bom = await engine.call('datasets.import', { path: write('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), datasetName: 'bom' });
    const utf16 = await engine.call('datasets.import', { path: write('u16.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])), datasetName: 'u16' });
    expect(bom.contentHash).toBe(utf16.contentHash);
    const page = await engine.call('datasets.examples', { versionId: utf16.versionId });
    expect(page.examples[0]!.content).toMatchObject({ messages: [{}, { content: 'Ω?' }, { content: 'Ω!' }] });
  });

  it('gives clear errors for empty files, unknown fields, missing files and broken CSV quoting', async () => {
    const { engine, write } = setup();
    await expect(engine.call('datasets.import', { path: write('empty.jsonl', ''), datasetName: 'e' })).rejects.toMatchObject({ message: expect.stringMatching(/holds no records/) });
    await expect(engine.call('datasets.import', { path: write('odd.jsonl', '{"foo":1}\n'), datasetName: 'o' })).rejects.toMatchObject({ message: expect.stringMatching(/does not recognise the fields.*foo/) });
    await expect(engine.call('datasets.import', { path: '/no/such/file.jsonl', datasetName: 'n' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const broken = write('broken.csv', 'prompt,completion\n"a,b\n');
    await expect(engine.call('datasets.import', { path: broken, datasetName: 'b' })).rejects.toMatchObject({ message: expect.stringMatching(/broken\.csv, line/), hint: expect.stringMatching(/quoted field/) });
    expect(tableCount(engine, 'datasets')).toBe(0);
  });

  it('can be cancelled mid-way; nothing is written', async () => {
    const { engine, write } = setup();
    const file = write('big.jsonl', Array.from({ length: 200_000 }, (_, i) => chatLine(`q${i}`, `a${i}`)).join('\n'));
    const pending = engine.call('datasets.import', { path: file, datasetName: 'big', jobId: 'job-1' });
    await new Promise<void>((resolve) => engine.ctx.events.listen('job.progress', (p) => p.state === 'running' && resolve()));
    await expect(engine.call('jobs.cancel', { jobId: 'job-1' })).resolves.toEqual({ cancelled: true });
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(tableCount(engine, 'examples')).toBe(0);
    const db = new Database(engine.ctx.dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
