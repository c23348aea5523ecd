import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { migrations } from './index.js';

const upTo = (n: number) => migrations.filter((m) => m.version <= n);

describe('migration 012 (evals and release gate)', () => {
  it('adds evals, items keyed by position, gates and append-only release decisions on top of 011', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, upTo(11));
    db.exec(`INSERT INTO datasets VALUES ('d', 'grid', 'task', 't', 'me');
             INSERT INTO dataset_versions VALUES ('v', 'd', 1, NULL, 'h', 0, 'import', '{}', 't', 'me');`);
    migrate(db, upTo(12));
    const sql = (name: string) => (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
    for (const t of ['evals', 'eval_items', 'release_gates', 'releases']) expect(sql(t)).toMatch(/STRICT/);
    db.exec(`INSERT INTO evals VALUES ('e', 'base', 'm', '[]', 'v', 'test', '{}', 'running', 2, NULL, 't', NULL, 'me')`);
    const item = db.prepare("INSERT INTO eval_items VALUES ('e', ?, 'h', 'q', 'a', 'out', 0, 0.5, 0.5, 12.5, 3, 9, 't')");
    item.run(0);
    expect(() => item.run(0)).toThrow(/UNIQUE/); // a resumed eval can never store an item twice
    expect(() => db.exec(`INSERT INTO evals VALUES ('x', 'b', 'm', '[]', 'nope', 'test', '{}', 'running', 1, NULL, 't', NULL, 'me')`)).toThrow(/FOREIGN KEY/);
    expect(() => db.exec(`INSERT INTO evals VALUES ('y', 'b', 'm', '[]', 'v', 'test', '{}', 'paused', 1, NULL, 't', NULL, 'me')`)).toThrow(/CHECK constraint/);
    const release = db.prepare("INSERT INTO releases VALUES (?, 'default', 'm', '[]', 'e', NULL, ?, 0, '{}', ?, ?, 't', 'me')");
    expect(() => release.run('r1', 'overridden', '', 'ana')).toThrow(/CHECK constraint/); // an override needs a reason
    expect(() => release.run('r1', 'overridden', 'pilot', null)).toThrow(/CHECK constraint/); // and a reviewer
    release.run('r1', 'overridden', 'pilot only', 'ana');
    expect(() => db.exec("UPDATE releases SET reviewer = 'eve'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM releases')).toThrow(/append-only/);
  });
});
