import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { openDatabase } from '../db/connection.js';
import { MessageChannel } from 'node:worker_threads';
import { startImportJob } from './import-job.js';
import { rowsFromReader } from './import-rows-pipeline.js';
import type { ImportParams } from './run-import.js';

/** Real files, real SQLite, real worker threads: the two-thread reader must import exactly what the one-thread one does. */
describe('pipelined import (reader thread + staging thread)', () => {
  const lines = Array.from({ length: 30_000 }, (_, i) => {
    if (i % 997 === 5) return '{"messages": [ broken';
    if (i % 1499 === 7) return JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }] }); // no answer
    return JSON.stringify({ messages: [{ role: 'user', content: `Which feeder supplies bay ${i}?` }, { role: 'assistant', content: `Feeder ${i % 41}.` }] });
  });

  function importWith(pipeline: 'always' | 'never', onError: 'skip' | 'abort', name = pipeline) {
    const dir = tempDir(); // removed after each test
    const file = path.join(dir, 'mixed.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const dataDir = path.join(dir, `${name}-${onError}`);
    const { db, path: dbPath } = openDatabase(dataDir);
    db.close();
    const params: ImportParams = {
      importId: `imp-${name}-${onError}`, path: file, datasetName: 'grid', fileType: 'jsonl', encoding: 'utf-8', format: 'openai-chat',
      mapping: { messages: 'messages' }, onError, actor: 'tester', rejectsDir: path.join(dataDir, 'imports'), pipeline,
    };
    const progress: number[] = [];
    const job = startImportJob(dbPath, params, (p) => progress.push(p.rows));
    return { job, dataDir, dbPath, params, progress };
  }

  it('gives the same version hash, counts and rejects file as the one-thread reader', async () => {
    const one = importWith('never', 'skip');
    const two = importWith('always', 'skip');
    const [a, b] = await Promise.all([one.job.done, two.job.done]);
    expect(b.result.contentHash).toBe(a.result.contentHash);
    expect(b.result.sourceSha256).toBe(a.result.sourceSha256);
    expect([b.result.rowsImported, b.result.rowsRejected]).toEqual([a.result.rowsImported, a.result.rowsRejected]);
    const expectedRejected = lines.filter((l, i) => i % 997 === 5 || i % 1499 === 7).length;
    expect(b.result.rowsRejected).toBe(expectedRejected);
    expect(b.result.rowsImported).toBe(lines.length - expectedRejected);
    const rejects = (r: typeof a) => fs.readFileSync(r.result.rejectsPath!, 'utf8');
    expect(rejects(b)).toBe(rejects(a));
    expect(rejects(b).split('\n')[0]).toContain('"locator":"line 6"');
    expect(two.progress.length).toBeGreaterThan(0);
    expect(Math.max(...two.progress)).toBe(b.result.rowsImported);
  }, 60_000);

  it('aborts at the first bad row with its line, writing nothing, exactly like the one-thread reader', async () => {
    const one = importWith('never', 'abort');
    const two = importWith('always', 'abort');
    const [ea, eb] = await Promise.all([one.job.done.catch((e: unknown) => e), two.job.done.catch((e: unknown) => e)]);
    expect(eb).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/^mixed\.jsonl, line 6: .*Nothing was imported\./) });
    expect((eb as Error).message).toBe((ea as Error).message);
    const { db } = openDatabase(two.dataDir);
    expect(db.prepare('SELECT (SELECT count(*) FROM examples) + (SELECT count(*) FROM dataset_versions) + (SELECT count(*) FROM search_backlog)').pluck().get()).toBe(0);
    db.close();
    expect(fs.existsSync(path.join(two.dataDir, 'imports', `${two.params.importId}.rejects.jsonl`))).toBe(false);
  }, 60_000);

  it('a reader that failed before the import worker listened is reported as the reader’s error', async () => {
    const { port1, port2 } = new MessageChannel();
    const reader = rowsFromReader(port2);
    reader.readerFailed('out of memory');
    const err = await reader.produce({} as ImportParams, () => {}, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL', message: 'The import reader failed: out of memory' });
    port1.close();
  });
});
