import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { migrate } from '../db/migrate.js';
import { migrations } from '../db/migrations/index.js';
import { datasetQueries, exampleQueries, exampleSearchSql } from '../db/queries/datasets.js';
import { Engine } from '../engine.js';
import { exampleHash, searchText, serializeExample } from './content-hash.js';
import { requireVersion, writeDerivedVersion } from './version-writer.js';

/**
 * Since migration 017 no trigger indexes examples for search: each writer does. These tests make every path
 * that creates examples (import, append, derived versions, review edits) show up in search, and keep all
 * INSERTs into `examples` in the one file that pairs them with the index (or, for imports, with the queue
 * search_backlog that the SearchIndexer drains right after the commit).
 */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

const chat = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });
const unindexed = (db: Database.Database) => db.prepare('SELECT count(*) FROM examples WHERE id NOT IN (SELECT rowid FROM examples_fts)').pluck().get();
const hits = (db: Database.Database, word: string) => db.prepare('SELECT count(*) FROM examples_fts WHERE examples_fts MATCH ?').pluck().get(`"${word}"`);

describe('example search without the per-row trigger (migration 017)', () => {
  it('drops the trigger, keeps rows it indexed, and sets a larger FTS buffer', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version <= 16));
    db.prepare('INSERT INTO examples (content_hash, content) VALUES (?, ?)').run('h1', JSON.stringify({ kind: 'text', text: 'substation Alderney' }));
    migrate(db, migrations.filter((m) => m.version <= 17));
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'examples_fts_insert'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT v FROM examples_fts_config WHERE k = 'hashsize'").pluck().get()).toBe(32 * 1024 * 1024);
    expect(hits(db, 'alderney')).toBe(1);
    migrate(db, migrations); // the helper below needs the current schema (search_backlog, 022)
    // A plain INSERT is no longer indexed (so none may exist outside datasets.ts); the query helper is.
    exampleQueries(db).insert('h2', JSON.stringify({ kind: 'chat', messages: [{ role: 'user', content: 'Where is Brecqhou?' }, { role: 'assistant', content: 'Nearby.' }] }));
    exampleQueries(db).insert('h2', 'ignored: same hash');
    expect(hits(db, 'brecqhou')).toBe(1);
    expect(unindexed(db)).toBe(0);
  });

  it('indexes the same text from JS (import) as from SQL (every other writer)', () => {
    const db = new Database(':memory:');
    const samples: ExampleContent[] = [
      { kind: 'text', text: 'Überspannung im Umspannwerk — ein Test' },
      { kind: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: '' }, { role: 'assistant', content: 'Zählerstand "42"\nnext line' }] },
      { kind: 'chat', messages: [{ role: 'user', content: 'Load?' }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_load', arguments: '{}' } }] }, { role: 'tool', content: '412' }, { role: 'assistant', content: '412 MW' }], tools: [{ type: 'function', function: { name: 'get_load' } }] },
      { kind: 'preference', prompt: [{ role: 'user', content: 'Harbor voltage?' }], chosen: [{ role: 'assistant', content: '11 kV' }], rejected: [{ role: 'assistant', content: '400 V' }], extra: { id: 3 } },
      { kind: 'kto', messages: [{ role: 'user', content: 'Harbor voltage?' }, { role: 'assistant', content: '400 V' }], label: false },
    ];
    for (const c of samples) expect(db.prepare(`SELECT ${exampleSearchSql('@c')}`).pluck().get({ c: serializeExample(c) })).toBe(searchText(c));
  });

  it('finds examples made by import, append, derived versions and review edits', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    engine = Engine.open({ dataDir, mode: 'test' });
    const file = path.join(dir, 'grid.jsonl');
    fs.writeFileSync(file, [chat('Where is Alderney?', 'Channel Islands.'), chat('Where is Alderney?', 'Channel Islands.'), chat('What is LOTO?', 'Lock-out.')].join('\n'));
    const v1 = await engine.call('datasets.import', { path: file, datasetName: 'grid' });
    const more = path.join(dir, 'more.jsonl');
    fs.writeFileSync(more, [chat('What is LOTO?', 'Lock-out.'), chat('Where is Sark?', 'Near Guernsey.')].join('\n'));
    const v2 = await engine.call('datasets.import', { path: more, datasetName: 'grid' });
    expect(v2.versionNumber).toBe(2);
    const edited = { kind: 'chat' as const, messages: [{ role: 'user' as const, content: 'Where is Herm?' }, { role: 'assistant' as const, content: 'Off Guernsey.' }] };
    await engine.call('reviews.act', { versionId: v2.versionId, position: 0, action: 'edit', content: edited, reviewer: 'ana', reason: 'island' });
    // Imports queue their rows for the search index (migration 022); it catches up right after the commit.
    expect(await engine.ctx.searchIndex.ready()).toBe(0);

    const db = new Database(path.join(dataDir, 'lathe.db'));
    try {
      // Derived versions (curate, filters, review versions, synthetic, corrections) all write through here.
      const text = serializeExample({ kind: 'text', text: 'Jethou is a small island' });
      writeDerivedVersion(db, requireVersion(db, v2.versionId), [{ hash: exampleHash(text), text, source: 'synthetic', split: null }, ...datasetQueries(db).page(v2.versionId, 0, 10).map((r) => ({ hash: r.content_hash, text: r.content, source: r.source, split: null }))], {
        operation: 'synthetic',
        params: {},
        actor: 'test',
        auditAction: 'dataset.test',
      });
      expect(unindexed(db)).toBe(0);
      expect(db.prepare('SELECT count(*) FROM examples').pluck().get()).toBe(5); // Alderney, LOTO, Sark, Herm, Jethou
      for (const word of ['alderney', 'loto', 'sark', 'herm', 'jethou']) expect(hits(db, word)).toBe(1);
    } finally {
      db.close();
    }
    const found = await engine.call('datasets.search', { versionId: v2.versionId, query: 'Alderney', limit: 10 });
    expect(found.examples.map((e) => e.position)).toEqual([0, 1]);
    expect((await engine.call('datasets.search', { versionId: v1.versionId, query: 'Sark', limit: 10 })).examples).toHaveLength(0);
  });

  it('keeps every INSERT into examples in db/queries/datasets.ts, next to its search-index insert', () => {
    const root = path.resolve(__dirname, '..');
    const offenders: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) && !p.endsWith(path.join('db', 'queries', 'datasets.ts')) && !/db[\\/]migrations[\\/]00\d-/.test(p)) {
          if (/INTO\s+(main\.)?examples\s*[( ]/i.test(fs.readFileSync(p, 'utf8'))) offenders.push(path.relative(root, p));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
