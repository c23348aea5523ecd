import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { migrations } from './index.js';

const upTo = (n: number) => migrations.filter((m) => m.version <= n);

describe('migration 020 (held-out perplexity, synthetic job owners and chunk filters)', () => {
  it('adds heldout_results and keeps a synthetic job made before it, with null owner and filter', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, upTo(19));
    db.exec(`INSERT INTO datasets VALUES ('d', 'manual', 'documents', 't', 'me');
             INSERT INTO dataset_versions VALUES ('v', 'd', 1, NULL, 'h', 0, 'import', '{}', 't', 'me');
             INSERT INTO synthetic_jobs VALUES ('j', 'v', 'm', 'sha', '[]', '{}', '{}', 3, 'running', NULL, NULL, 't', 'me', NULL);`);
    migrate(db, upTo(20));
    expect((db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get('heldout_results') as { sql: string }).sql).toMatch(/STRICT/);
    expect(db.prepare('SELECT owner_pid, owner_boot, chunk_filter FROM synthetic_jobs').get()).toEqual({ owner_pid: null, owner_boot: null, chunk_filter: null });
    const insert = db.prepare(`INSERT INTO heldout_results VALUES (?, 'm', 'sha', NULL, NULL, 'tiny', ?, ?, 3, 70, 3.7, 40.4, 512, 256, 'cpu', 'fp32', 4.5, '[]', 't', 'me')`);
    insert.run('r1', 'v', 'test');
    expect(() => insert.run('r2', 'nope', 'test')).toThrow(/FOREIGN KEY/);
    expect(() => insert.run('r3', 'v', 'holdout')).toThrow(/CHECK constraint/);
  });
});
