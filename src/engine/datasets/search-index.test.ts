import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { openDatabase } from '../db/connection.js';
import { exampleQueries } from '../db/queries/datasets.js';
import { searchBacklogQueries } from '../db/queries/search-backlog.js';
import { Engine } from '../engine.js';
import { runImport, type ImportParams } from './run-import.js';

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const chat = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });
const indexed = (db: Database.Database) => db.prepare('SELECT count(*) FROM examples_fts_docsize').pluck().get() as number;
const hits = (db: Database.Database, word: string) => db.prepare('SELECT count(*) FROM examples_fts WHERE examples_fts MATCH ?').pluck().get(word) as number;

/** Commits an import on a bare connection, as an engine killed right after its commit would leave it. */
async function importWithoutIndexing(dataDir: string, file: string, name: string) {
  const { db } = openDatabase(dataDir);
  const params: ImportParams = {
    importId: `imp-${name}`, path: file, datasetName: name, fileType: 'jsonl', encoding: 'utf-8', format: 'openai-chat',
    mapping: { messages: 'messages' }, onError: 'abort', actor: 'tester', rejectsDir: path.join(dataDir, 'imports'), pipeline: 'never',
  };
  const { result } = await runImport(db, params);
  return { db, result };
}

describe('search index after the commit (search_backlog + SearchIndexer, real SQLite and worker)', () => {
  it('an import queues its rows; a search right after it waits and finds every row, once', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'grid.jsonl');
    fs.writeFileSync(file, Array.from({ length: 3000 }, (_, i) => chat(`Which feeder supplies bay ${i}?`, `Feeder ${i % 41}.`)).join('\n'));
    engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
    const states: string[] = [];
    engine.ctx.events.listen('job.progress', (p) => p.kind === 'dataset.search-index' && states.push(p.state));
    const r = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
    const found = await engine.call('datasets.search', { versionId: r.versionId, query: 'bay 2999', limit: 10 });
    expect(found.notYetSearchable).toBe(0);
    expect(found.examples.map((e) => e.position)).toEqual([2999]);
    expect(indexed(engine.ctx.db!)).toBe(3000);
    // The UI's "Indexing for search" pill follows these: running while it works, then done.
    await expect.poll(() => states.at(-1)).toBe('done');
    expect(states.filter((x) => x === 'done')).toHaveLength(1);
    const review = await engine.call('reviews.examples', { versionId: r.versionId, filter: { search: 'bay 2017' }, offset: 0, limit: 10 });
    expect(review.examples.map((e) => e.position)).toEqual([2017]);
  });

  it('a crash after the commit leaves the queue in the database; the next start indexes it', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'a.jsonl');
    fs.writeFileSync(file, Array.from({ length: 500 }, (_, i) => chat(`relay ${i} setting?`, `Setting ${i}.`)).join('\n'));
    const { db, result } = await importWithoutIndexing(dataDir, file, 'relays');
    expect(searchBacklogQueries(db).pending()).toBe(500);
    expect(indexed(db)).toBe(0);
    db.close();
    engine = Engine.open({ dataDir, mode: 'test' });
    const found = await engine.call('datasets.search', { versionId: result.versionId, query: 'relay 321', limit: 10 });
    expect(found.examples.map((e) => e.position)).toEqual([321]);
    expect(searchBacklogQueries(engine.ctx.db!).pending()).toBe(0);
    expect(indexed(engine.ctx.db!)).toBe(500);
  });

  it('indexes in batches that each shrink the queue in the same transaction, so a resumed run never indexes twice', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'a.jsonl');
    // The last rows repeat earlier content: they are linked, not inserted, and leave a gap at the end of the id range.
    const rows = [...Array.from({ length: 90 }, (_, i) => chat(`breaker ${i} rating?`, `Rated ${i} A.`)), chat('breaker 1 rating?', 'Rated 1 A.'), chat('breaker 2 rating?', 'Rated 2 A.')];
    fs.writeFileSync(file, rows.join('\n'));
    const { db } = await importWithoutIndexing(dataDir, file, 'breakers');
    const backlog = searchBacklogQueries(db);
    expect(backlog.pending()).toBe(92);
    expect(backlog.indexBatch(40)).toBe(true);
    expect([backlog.pending(), indexed(db)]).toEqual([52, 40]);
    // Another writer adds an example while the range is queued: its id is above the range, and it is indexed at once.
    exampleQueries(db).insert('f'.repeat(64), JSON.stringify({ kind: 'text', text: 'breaker extra note' }));
    expect(db.prepare('SELECT id FROM examples WHERE content_hash = ?').pluck().get('f'.repeat(64))).toBe(93);
    while (backlog.indexBatch(40));
    expect(backlog.pending()).toBe(0);
    expect(indexed(db)).toBe(91); // 90 distinct imported + the extra one; the gap ids 91..92 hold nothing
    expect(hits(db, 'breaker')).toBe(91);
    expect(hits(db, 'extra')).toBe(1);
    db.close();
  });
});
